/**
 * The user's `serverEnv` (config `mcp-anywhere:serverEnv`, a secret) in AWS SSM Parameter Store, for the targets whose
 * runtime reads secrets from there: one SecureString parameter per variable (ECS `secrets` map one parameter to one
 * variable), at `/mcp-anywhere/<stack>/server-env/<VARIABLE>`. The values exist only as Pulumi secrets and in SSM; the
 * containers get them by reference (the parameter ARN), like the API keys (infra/api-keys.ts).
 *
 * Which variables: infra/server-env.ts `upstreamSecretEnvironment` (`MCP_UPSTREAM_ENV` for our container, or the
 * variables themselves for a sidecar).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** `/mcp-anywhere/<stack>/server-env/<variable>`; the variable name is `[A-Za-z_][A-Za-z0-9_]*` (config schema). */
export function serverEnvParameterName(stack: string, variable: string): string {
  return `/mcp-anywhere/${stack}/server-env/${variable}`;
}

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
 * Declares one SecureString parameter per variable, children `${name}-server-env-<n>` (n from 1, in the variables'
 * order) of `parent`, encrypted with the account's default SSM key (aws/ssm), values as Pulumi secrets.
 * @param variables - NAME → value; empty: no parameters.
 */
export function ssmSecretVariables(
  name: string,
  args: { stack: string; variables: Record<string, string>; tags: Record<string, string> },
  parent: pulumi.Resource,
): SecretVariable[] {
  return Object.entries(args.variables).map(([variable, value], i) => {
    const p = new aws.ssm.Parameter(
      `${name}-server-env-${i + 1}`,
      {
        name: serverEnvParameterName(args.stack, variable),
        type: "SecureString",
        value: pulumi.secret(value),
        description: "mcp-anywhere: environment of the user's MCP server (config serverEnv)",
        tags: args.tags,
      },
      { parent },
    );
    return { variable, parameterName: p.name, version: p.version.apply((v) => v ?? 0) };
  });
}
