/**
 * Cloud Run's path for the server's secret variables (infra/upstream-secrets.ts `serverSecretGroups`: serverEnv,
 * OTEL_EXPORTER_OTLP_HEADERS): one Secret Manager secret per variable with automatic replication, one version holding
 * the value (a Pulumi secret), `roles/secretmanager.secretAccessor` on that secret for the service account only, and
 * a container `env` entry referencing the secret at the version this update wrote (not "latest"), so a changed value
 * is a new revision. Cloud Run resolves such references when an instance starts
 * (https://cloud.google.com/run/docs/configuring/services/secrets#access-secrets).
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { SecretEnvGroup } from "../../infra/upstream-secrets.js";

/** One variable: the container `env` entry, and the resources the service must wait for. */
export interface CloudRunSecretVariable {
  /** `mcp` or `upstream` (the sidecar): the container the `env` entry belongs in. */
  container: SecretEnvGroup["container"];
  env: {
    name: string;
    valueSource: { secretKeyRef: { secret: pulumi.Output<string>; version: pulumi.Output<string> } };
  };
  version: gcp.secretmanager.SecretVersion;
  access: gcp.secretmanager.SecretIamMember;
}

/**
 * Declares the secrets of one group, children `${name}-<group>-<n>` (n from 1, in the variables' order).
 * @param args.secretId - the Secret Manager id of the n-th variable (caller's naming, e.g.
 *   `mcp-anywhere-<stack>-<group>-<n>`; ids allow `[A-Za-z0-9_-]{1,255}`).
 * @param args.member - the one IAM member allowed to read, e.g. `serviceAccount:<email>`.
 * @param opts - parent and dependsOn (the Secret Manager API) for every child.
 */
export function secretManagerVariables(
  name: string,
  args: {
    group: SecretEnvGroup;
    secretId: (n: number) => string;
    labels: Record<string, string>;
    member: pulumi.Input<string>;
  },
  opts: pulumi.CustomResourceOptions,
): CloudRunSecretVariable[] {
  const { group } = args;
  return Object.entries(group.variables).map(([variable, value], i) => {
    const child = `${name}-${group.group}-${i + 1}`;
    const secret = new gcp.secretmanager.Secret(
      child,
      { secretId: args.secretId(i + 1), replication: { auto: {} }, labels: args.labels },
      opts,
    );
    const version = new gcp.secretmanager.SecretVersion(
      child,
      { secret: secret.id, secretData: pulumi.secret(value) },
      opts,
    );
    const access = new gcp.secretmanager.SecretIamMember(
      child,
      { secretId: secret.id, role: "roles/secretmanager.secretAccessor", member: args.member },
      opts,
    );
    return {
      container: group.container,
      env: { name: variable, valueSource: { secretKeyRef: { secret: secret.secretId, version: version.version } } },
      version,
      access,
    };
  });
}
