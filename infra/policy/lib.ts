/**
 * Shared pieces of the mcp-anywhere policy pack: resource type tokens, walking property trees, secretness, and the
 * stack name from a URN. Pure apart from the `Secret` class of `@pulumi/policy`; no Pulumi engine needed, so the test
 * suite runs the same functions over mock-synthesized stacks (tests/policy/harness.ts).
 */
import { Secret } from "@pulumi/policy";

/** Resource type tokens the policies look at (`<package>:<module>/<file>:<Type>`, as in a URN). */
export const TYPES = {
  apiGatewayAccount: "aws:apigateway/account:Account",
  apiGatewayKey: "aws:apigateway/apiKey:ApiKey",
  ebsVolume: "aws:ebs/volume:Volume",
  ecrRepository: "aws:ecr/repository:Repository",
  ecsService: "aws:ecs/service:Service",
  instance: "aws:ec2/instance:Instance",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  securityGroupIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  secretsManagerVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  ssmParameter: "aws:ssm/parameter:Parameter",
  wafRuleGroup: "aws:wafv2/ruleGroup:RuleGroup",
  wafWebAcl: "aws:wafv2/webAcl:WebAcl",
  gcpSecretVersion: "gcp:secretmanager/secretVersion:SecretVersion",
  randomPassword: "random:index/randomPassword:RandomPassword",
  stack: "pulumi:pulumi:Stack",
} as const;

/**
 * Policy config shared by the policies that look at secretness. The Pulumi engine hands policies every secret as plain
 * data (`@pulumi/policy` deserializes with secrets unwrapped, and a policy cannot ask whether a value is secret:
 * https://github.com/pulumi/pulumi-policy/issues/241), so by default those policies fall back on what the engine does
 * show: `opts.additionalSecretOutputs`. A caller that passes secret values as `Secret` instances (the test harness)
 * sets `secretsVisible: true`, and the policies then check the values themselves.
 */
export const SECRETS_VISIBLE_SCHEMA = {
  properties: {
    secretsVisible: {
      type: "boolean" as const,
      default: false,
      description: "Secret values arrive wrapped in @pulumi/policy's Secret (true only in the test harness).",
    },
  },
};

/** Reads `secretsVisible` from a policy's config; false when unset. */
export function secretsVisible(getConfig: <T extends object>() => T): boolean {
  return getConfig<{ secretsVisible?: boolean }>().secretsVisible === true;
}

/** True when a value is a `@pulumi/policy` Secret (only seen when secrets are visible; see {@link SECRETS_VISIBLE_SCHEMA}). */
export function isSecret(v: unknown): v is Secret {
  return v instanceof Secret;
}

/** The value inside a Secret, or the value itself. */
export function reveal(v: unknown): unknown {
  return isSecret(v) ? v.value : v;
}

/** A plain object (not an array, not null), with Secrets unwrapped. */
export function asRecord(v: unknown): Record<string, unknown> | undefined {
  const r = reveal(v);
  return typeof r === "object" && r !== null && !Array.isArray(r) ? (r as Record<string, unknown>) : undefined;
}

/** An array (Secrets unwrapped), or [] for anything else. */
export function asArray(v: unknown): unknown[] {
  const r = reveal(v);
  return Array.isArray(r) ? r : [];
}

/** A number, or a numeric string as a number (the engine may hand either); undefined otherwise. */
export function asNumber(v: unknown): number | undefined {
  const r = reveal(v);
  if (typeof r === "number") return r;
  if (typeof r === "string" && r.trim() !== "" && Number.isFinite(Number(r))) return Number(r);
  return undefined;
}

/**
 * Calls `visit` for every value in a property tree (objects and arrays, depth first), with its dotted path and whether
 * it sits inside a Secret. Secrets are unwrapped on the way down.
 */
export function walk(
  value: unknown,
  visit: (v: unknown, path: string, secret: boolean) => void,
  path = "",
  secret = false,
): void {
  const inner = isSecret(value);
  const v = inner ? (value as Secret).value : value;
  const s = secret || inner;
  visit(v, path, s);
  if (Array.isArray(v))
    v.forEach((x, i) => {
      walk(x, visit, `${path}[${i}]`, s);
    });
  else if (typeof v === "object" && v !== null && !(v instanceof Secret))
    for (const [k, x] of Object.entries(v)) walk(x, visit, path === "" ? k : `${path}.${k}`, s);
}

/**
 * The stack name in a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`).
 * @throws {Error} when `urn` is not a Pulumi URN.
 */
export function stackOfUrn(urn: string): string {
  const m = /^urn:pulumi:([^:]+)::/.exec(urn);
  if (!m?.[1]) throw new Error(`urn=${JSON.stringify(urn)} is not a Pulumi URN (urn:pulumi:<stack>::<project>::…)`);
  return m[1];
}
