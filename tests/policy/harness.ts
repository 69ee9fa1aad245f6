/**
 * Runs the policy pack's policies (infra/policy/policies.ts) the way the Pulumi engine would, over a stack synthesized
 * under mocks or over hand-made resources: each recorded resource becomes `@pulumi/policy`'s validation args (inputs
 * for resource policies, outputs for stack policies, with the program's secrets as `Secret`), every resource policy
 * runs on every resource and every stack policy once over all of them, and the violations come back with the
 * enforcement level the pack would apply.
 */
import {
  type EnforcementLevel,
  type PolicyProviderResource,
  type PolicyResource,
  type PolicyResourceOptions,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  Secret,
  type StackValidationArgs,
  type StackValidationPolicy,
} from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../infra/policy/policies.js";
import { ACCOUNT, GCP_PROJECT, type RecordedResource, resolve } from "../helpers/pulumi-mocks.js";
import type { StackRun } from "../helpers/run-stack.js";

const SIG = pulumi.runtime.specialSigKey;

const CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;

/** Every stack variant the policy tests synthesize: variant name → config overrides (on top of the stack file). */
/** serverMode stdio with a real npm server, and a secret serverEnv (a long value, so the leak scan looks for it). */
const UPSTREAM_STDIO = {
  "mcp-anywhere:serverMode": "stdio",
  "mcp-anywhere:serverCommand": '["npx","-y","@modelcontextprotocol/server-memory"]',
  "mcp-anywhere:serverEnv": '["API_TOKEN=tok-policy-5e4d3c2b1a0f9e8d"]',
};
/** serverMode http, started inside our container. */
const UPSTREAM_HTTP_COMMAND = {
  "mcp-anywhere:serverMode": "http",
  "mcp-anywhere:serverCommand": '["python3","-m","my_server"]',
  "mcp-anywhere:serverRuntime": "python",
  "mcp-anywhere:serverEnv": '["API_TOKEN=tok-policy-5e4d3c2b1a0f9e8d"]',
};
/** serverMode http, the user's own image as a sidecar. */
const UPSTREAM_HTTP_SIDECAR = {
  "mcp-anywhere:serverMode": "http",
  "mcp-anywhere:serverImage": "ghcr.io/example/mcp-server:1.2.3",
  "mcp-anywhere:serverUrl": "http://localhost:3000/mcp",
  "mcp-anywhere:serverEnv": '["API_TOKEN=tok-policy-5e4d3c2b1a0f9e8d"]',
};

export const VARIANTS: Record<string, Record<string, string>> = {
  lambda: { "mcp-anywhere:target": "lambda" },
  "fargate public subnets": { "mcp-anywhere:target": "fargate" },
  "fargate private subnets": { "mcp-anywhere:target": "fargate", "mcp-anywhere:fargatePrivateSubnets": "true" },
  "fargate custom domain": {
    "mcp-anywhere:target": "fargate",
    "mcp-anywhere:fargateDomainName": "mcp.example.com",
    "mcp-anywhere:fargateCertificateArn": CERT,
  },
  "cloudrun edge none": {
    "mcp-anywhere:target": "cloudrun",
    "gcp:project": GCP_PROJECT,
    "mcp-anywhere:cloudrunEdge": "none",
  },
  "cloudrun edge loadbalancer": {
    "mcp-anywhere:target": "cloudrun",
    "gcp:project": GCP_PROJECT,
    "mcp-anywhere:cloudrunEdge": "loadbalancer",
  },
  "ec2 default": { "mcp-anywhere:target": "ec2" },
  "ec2 domain": { "mcp-anywhere:target": "ec2", "mcp-anywhere:ec2Domain": "mcp.example.com" },
  "ec2 ssh cidr": { "mcp-anywhere:target": "ec2", "mcp-anywhere:ec2SshCidr": "203.0.113.7/32" },
  "dockerhost ssm keys": {
    "mcp-anywhere:target": "dockerhost",
    "mcp-anywhere:dockerhostAddress": "192.0.2.10",
    "mcp-anywhere:dockerhostKnownHosts":
      "192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
  },
  "dockerhost config keys, local logging, local CA": {
    "mcp-anywhere:target": "dockerhost",
    "mcp-anywhere:dockerhostAddress": "192.0.2.10",
    "mcp-anywhere:dockerhostKnownHosts":
      "192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    "mcp-anywhere:dockerhostKeySource": "config",
    "mcp-anywhere:dockerhostApiKeys": '["tok-policy-0123456789abcdef"]',
    "mcp-anywhere:dockerhostLogging": "local",
    "mcp-anywhere:dockerhostTls": "localca",
  },
  // Per-tool limits: the most WAF takes (8 per-tool rate-based rules), and the Cloud Armor multi-key throttles.
  "fargate per-tool limits": {
    "mcp-anywhere:target": "fargate",
    "mcp-anywhere:toolRateLimits": JSON.stringify(Array.from({ length: 8 }, (_, i) => `tool.${i}=${i + 1}`)),
  },
  // Guardrails (issue 17): budget and alarms with a recipient on every target.
  "lambda alerts": {
    "mcp-anywhere:target": "lambda",
    "mcp-anywhere:alertEmail": "ops@example.com",
    "mcp-anywhere:budgetMonthlyUsd": "20",
    "mcp-anywhere:lambdaAccessLogs": "true",
  },
  "fargate alerts": { "mcp-anywhere:target": "fargate", "mcp-anywhere:alertEmail": "ops@example.com" },
  "ec2 alerts": { "mcp-anywhere:target": "ec2", "mcp-anywhere:alertEmail": "ops@example.com" },
  "cloudrun alerts": {
    "mcp-anywhere:target": "cloudrun",
    "gcp:project": GCP_PROJECT,
    "mcp-anywhere:alertEmail": "ops@example.com",
    "mcp-anywhere:budgetMonthlyUsd": "20",
    "mcp-anywhere:gcpBillingAccount": "012345-6789AB-CDEF01",
  },
  "cloudrun loadbalancer per-tool limits": {
    "mcp-anywhere:target": "cloudrun",
    "gcp:project": GCP_PROJECT,
    "mcp-anywhere:cloudrunEdge": "loadbalancer",
    "mcp-anywhere:toolRateLimits": '["estimate_cost=2","echo=50"]',
  },
  // "Bring your own MCP server": every target with a stdio server and with an http one (a sidecar where the target
  // runs one), serverEnv set (its secret store), and the workspace (EFS on Fargate, a volume on EC2).
  "lambda stdio": { "mcp-anywhere:target": "lambda", ...UPSTREAM_STDIO, "mcp-anywhere:serverStateful": "false" },
  "lambda http": {
    "mcp-anywhere:target": "lambda",
    ...UPSTREAM_HTTP_COMMAND,
    "mcp-anywhere:serverStateful": "false",
  },
  "fargate stdio efs": {
    "mcp-anywhere:target": "fargate",
    ...UPSTREAM_STDIO,
    "mcp-anywhere:serverWorkspace": "/workspace",
    "mcp-anywhere:fargateEfs": "true",
  },
  "fargate http sidecar": { "mcp-anywhere:target": "fargate", ...UPSTREAM_HTTP_SIDECAR },
  "cloudrun stdio": { "mcp-anywhere:target": "cloudrun", "gcp:project": GCP_PROJECT, ...UPSTREAM_STDIO },
  "cloudrun http sidecar": { "mcp-anywhere:target": "cloudrun", "gcp:project": GCP_PROJECT, ...UPSTREAM_HTTP_SIDECAR },
  "ec2 stdio workspace": {
    "mcp-anywhere:target": "ec2",
    ...UPSTREAM_STDIO,
    "mcp-anywhere:serverWorkspace": "/workspace",
  },
  "ec2 http sidecar": { "mcp-anywhere:target": "ec2", ...UPSTREAM_HTTP_SIDECAR },
  // tracingPlatform (issue 17, Traces): the platform's collector sidecar, alone and beside the user's sidecar.
  "fargate tracingPlatform": { "mcp-anywhere:target": "fargate", "mcp-anywhere:tracingPlatform": "true" },
  "fargate tracingPlatform http sidecar": {
    "mcp-anywhere:target": "fargate",
    "mcp-anywhere:tracingPlatform": "true",
    ...UPSTREAM_HTTP_SIDECAR,
  },
  "cloudrun tracingPlatform": {
    "mcp-anywhere:target": "cloudrun",
    "gcp:project": GCP_PROJECT,
    "mcp-anywhere:tracingPlatform": "true",
  },
  "cloudrun tracingPlatform http sidecar": {
    "mcp-anywhere:target": "cloudrun",
    "gcp:project": GCP_PROJECT,
    "mcp-anywhere:tracingPlatform": "true",
    ...UPSTREAM_HTTP_SIDECAR,
  },
};

/** A resource as the policies see it: inputs (`props`), outputs, provider and options. */
export interface PolicyInput {
  type: string;
  name: string;
  urn: string;
  /** Inputs, for resource policies. */
  props: Record<string, unknown>;
  /** Outputs (inputs plus computed values), for stack policies. */
  outputs: Record<string, unknown>;
  provider?: PolicyProviderResource;
  opts: PolicyResourceOptions;
}

export interface Violation {
  policy: string;
  level: EnforcementLevel;
  message: string;
  urn?: string;
}

/** A value as a policy sees it: secret-wrapped parts as `Secret`, resource references as their id (or URN). */
export function toPolicyValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toPolicyValue);
  if (typeof v !== "object" || v === null) return v;
  const o = v as Record<string, unknown>;
  switch (o[SIG]) {
    case pulumi.runtime.specialSecretSig:
      return new Secret(toPolicyValue(o.value));
    case pulumi.runtime.specialResourceSig:
      return o.id ?? o.urn;
    case undefined:
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, toPolicyValue(x)]));
    default:
      return v; // assets and archives, as they are
  }
}

const urnOf = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::mcp-anywhere::${type}::${name}`;

/** Resource options as the engine sends them; the mocks do not see a resource's options, so these are the defaults. */
export function defaultOpts(extra: Partial<PolicyResourceOptions> = {}): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...extra,
  };
}

/** A hand-made resource (for negative tests), in stack `dev`. */
export function resource(
  type: string,
  props: Record<string, unknown>,
  extra: {
    name?: string;
    provider?: Record<string, unknown>;
    opts?: Partial<PolicyResourceOptions>;
    stack?: string;
  } = {},
): PolicyInput {
  const name = extra.name ?? "bad";
  const stack = extra.stack ?? "dev";
  const pkg = type.split(":")[0];
  return {
    type,
    name,
    urn: urnOf(stack, type, name),
    props,
    outputs: props,
    provider: extra.provider && {
      type: `pulumi:providers:${pkg}`,
      name: "explicit",
      urn: urnOf(stack, `pulumi:providers:${pkg}`, "explicit"),
      props: extra.provider,
    },
    opts: defaultOpts(extra.opts),
  };
}

/**
 * Converts a mock run into policy inputs: every recorded resource, plus the `pulumi:pulumi:Stack` resource whose
 * outputs are the stack outputs (stacks/index.ts exports, secret ones as `Secret`).
 * @param config - the stack's config (for the default providers' `aws:region`, `gcp:project`, `gcp:region`).
 */
export async function stackInputs(
  run: StackRun,
  stack: string,
  config: Record<string, string>,
): Promise<PolicyInput[]> {
  const records = run.mocks.resources;
  const providerOf = (r: RecordedResource): PolicyProviderResource | undefined => {
    const pkg = r.type.split(":")[0] ?? "";
    if (!r.type.startsWith("aws:") && !r.type.startsWith("gcp:") && !r.provider) return undefined; // components
    if (r.provider) {
      const urn = r.provider.slice(0, r.provider.lastIndexOf("::"));
      const name = urn.slice(urn.lastIndexOf("::") + 2);
      const p = records.find((x) => x.type.startsWith("pulumi:providers:") && x.name === name);
      if (!p) throw new Error(`${r.type} ${r.name}: provider ${r.provider} was not recorded`);
      return { type: p.type, name: p.name, urn, props: toPolicyValue(p.inputs) as Record<string, unknown> };
    }
    const props: Record<string, unknown> =
      pkg === "aws"
        ? { region: config["aws:region"] }
        : pkg === "gcp"
          ? { project: config["gcp:project"], region: config["gcp:region"] }
          : {};
    const type = `pulumi:providers:${pkg}`;
    return { type, name: "default", urn: urnOf(stack, type, "default"), props };
  };
  const inputs: PolicyInput[] = records.map((r) => ({
    type: r.type,
    name: r.name,
    urn: urnOf(stack, r.type, r.name),
    props: toPolicyValue(r.inputs) as Record<string, unknown>,
    outputs: toPolicyValue(r.state) as Record<string, unknown>,
    provider: r.type.startsWith("pulumi:providers:") ? undefined : providerOf(r),
    opts: defaultOpts(),
  }));
  const { details, ...top } = run.outputs;
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries({ ...top, ...details })) {
    if (v === undefined) continue;
    const r = await resolve<unknown>(v as pulumi.Input<unknown>);
    outputs[k] = r.secret ? new Secret(r.value) : r.value;
  }
  const type = "pulumi:pulumi:Stack";
  inputs.push({
    type,
    name: `mcp-anywhere-${stack}`,
    urn: urnOf(stack, type, `mcp-anywhere-${stack}`),
    props: outputs,
    outputs,
    opts: defaultOpts(),
  });
  return inputs;
}

class NotApplicable extends Error {}

/** Policy config as the engine would pass it: the schema's defaults, `secretsVisible: true`, then `config`. */
function configFor(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  config: Record<string, unknown> = {},
): Record<string, unknown> {
  const defaults = Object.fromEntries(
    Object.entries(policy.configSchema?.properties ?? {})
      .filter(([, s]) => (s as { default?: unknown }).default !== undefined)
      .map(([k, s]) => [k, (s as { default?: unknown }).default]),
  );
  return { ...defaults, secretsVisible: true, ...config };
}

/**
 * Runs policies over resources.
 * @param inputs - the resources (a `pulumi:pulumi:Stack` one is given to stack policies only).
 * @param config - policy name → its config (`enforcementLevel` and the policy's own properties).
 * @param only - run only these policies (default: all).
 */
export async function runPolicies(
  inputs: PolicyInput[],
  config: Record<string, Record<string, unknown>> = {},
  only?: (ResourceValidationPolicy | StackValidationPolicy)[],
): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const policy of only ?? policies) {
    const cfg = configFor(policy, config[policy.name]);
    const level =
      (cfg.enforcementLevel as EnforcementLevel | undefined) ?? policy.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL;
    if (level === "disabled") continue;
    const getConfig = <T extends object>() => cfg as unknown as T;
    const notApplicable = (reason?: string): never => {
      throw new NotApplicable(reason);
    };
    try {
      if ("validateStack" in policy) {
        const resources: PolicyResource[] = inputs.map((i) => ({
          type: i.type,
          name: i.name,
          urn: i.urn,
          props: i.outputs,
          opts: i.opts,
          provider: i.provider,
          dependencies: [],
          propertyDependencies: {},
          isType: () => false,
          asType: () => undefined,
        }));
        const args: StackValidationArgs = { resources, stackTags: new Map(), getConfig, notApplicable };
        await policy.validateStack(args, (message, urn) =>
          violations.push({ policy: policy.name, level, message, urn }),
        );
        continue;
      }
      const validations = [policy.validateResource ?? []].flat();
      for (const i of inputs.filter((x) => x.type !== "pulumi:pulumi:Stack")) {
        const args: ResourceValidationArgs = {
          type: i.type,
          props: i.props,
          urn: i.urn,
          name: i.name,
          opts: i.opts,
          provider: i.provider,
          stackTags: new Map(),
          isType: () => false,
          asType: () => undefined,
          getConfig,
          notApplicable,
        };
        for (const v of validations) {
          try {
            await v(args, (message) => violations.push({ policy: policy.name, level, message, urn: i.urn }));
          } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
          }
        }
      }
    } catch (e) {
      if (!(e instanceof NotApplicable)) throw e;
    }
  }
  return violations;
}

/** The mandatory violations, as `policy: message` lines (for readable assertion failures). */
export function mandatory(violations: Violation[]): string[] {
  return violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`);
}
