/**
 * The server's secret variables in AWS SSM Parameter Store, for the targets whose runtime reads secrets from there:
 * the user's `serverEnv` (config `mcp-anywhere:serverEnv`) and the OTLP exporter headers (config
 * `mcp-anywhere:otelHeaders`, `OTEL_EXPORTER_OTLP_HEADERS`). One SecureString parameter per variable (ECS `secrets`
 * map one parameter to one variable), at `/mcp-anywhere/<stack>/<group>/<VARIABLE>`. The values exist only as Pulumi
 * secrets and in SSM; the containers get them by reference (the parameter ARN), like the API keys (infra/api-keys.ts).
 *
 * Which variables, for which container: {@link serverSecretGroups}. Cloud Run stores the same groups in Secret Manager
 * (components/cloudrun/secret-env.ts); EC2 stores them as one compose file in one parameter (components/ec2/host-files.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { TracingArgs } from "./core/tracing.js";
import type { UpstreamArgs } from "./core/upstream.js";
import { upstreamSecretEnvironment } from "./server-env.js";
import { tracingSecretEnvironment } from "./tracing-env.js";

/**
 * Where a secret variable comes from; also the path segment of its parameter and of its child resources' names.
 * `server-env`: serverEnv (infra/server-env.ts `upstreamSecretEnvironment`); `tracing`: `OTEL_EXPORTER_OTLP_HEADERS`
 * (infra/tracing-env.ts). Separate groups keep a serverEnv variable of the same name from colliding with ours and keep
 * existing serverEnv resources' names unchanged.
 */
export type SecretGroup = "server-env" | "tracing";

/** Variables of one group, for one container of the task/service/compose project. */
export interface SecretEnvGroup {
  group: SecretGroup;
  /** `mcp`: our server's container; `upstream`: the user's sidecar image. */
  container: "mcp" | "upstream";
  /** NAME → value (a Pulumi secret or a plain string that is made one). */
  variables: Record<string, pulumi.Input<string>>;
}

/**
 * The server's secret variables, grouped: serverEnv (for `mcp` or the sidecar `upstream`, see
 * `upstreamSecretEnvironment`), then `OTEL_EXPORTER_OTLP_HEADERS` for `mcp` when tracing has headers. Groups without
 * variables are left out, so `[]` when there is nothing secret to pass.
 */
export function serverSecretGroups(a: { upstream?: UpstreamArgs; tracing?: TracingArgs }): SecretEnvGroup[] {
  const serverEnv = upstreamSecretEnvironment(a.upstream);
  const tracing = tracingSecretEnvironment(a.tracing);
  return [
    ...(serverEnv !== undefined ? [{ group: "server-env" as const, ...serverEnv }] : []),
    ...(Object.keys(tracing).length > 0
      ? [{ group: "tracing" as const, container: "mcp" as const, variables: tracing }]
      : []),
  ];
}

/** `/mcp-anywhere/<stack>/server-env/<variable>`; the variable name is `[A-Za-z_][A-Za-z0-9_]*` (config schema). */
export function serverEnvParameterName(stack: string, variable: string, group: SecretGroup = "server-env"): string {
  return `/mcp-anywhere/${stack}/${group}/${variable}`;
}

const DESCRIPTIONS: Record<SecretGroup, string> = {
  "server-env": "mcp-anywhere: environment of the user's MCP server (config serverEnv)",
  tracing: "mcp-anywhere: OTLP exporter headers of the server (config otelHeaders)",
};

/** One variable's parameter. */
export interface SecretVariable {
  /** The environment variable the value is set as. */
  variable: string;
  /** The SSM parameter's name (plain; names are not secret). */
  parameterName: pulumi.Output<string>;
  /** The parameter's version: changes with the value, so a consumer can roll (see components/fargate/ecs.ts). */
  version: pulumi.Output<number>;
}

/**
 * Declares one SecureString parameter per variable, children `${name}-<group>-<n>` (n from 1, in the variables'
 * order) of `parent`, named {@link serverEnvParameterName}, encrypted with the account's default SSM key (aws/ssm),
 * values as Pulumi secrets.
 * @param args.group - @default "server-env"
 * @param args.variables - NAME → value; empty: no parameters.
 */
export function ssmSecretVariables(
  name: string,
  args: {
    stack: string;
    group?: SecretGroup;
    variables: Record<string, pulumi.Input<string>>;
    tags: Record<string, string>;
  },
  parent: pulumi.Resource,
): SecretVariable[] {
  const group = args.group ?? "server-env";
  return Object.entries(args.variables).map(([variable, value], i) => {
    const p = new aws.ssm.Parameter(
      `${name}-${group}-${i + 1}`,
      {
        name: serverEnvParameterName(args.stack, variable, group),
        type: "SecureString",
        value: pulumi.secret(value),
        description: DESCRIPTIONS[group],
        tags: args.tags,
      },
      { parent },
    );
    return { variable, parameterName: p.name, version: p.version.apply((v) => v ?? 0) };
  });
}
