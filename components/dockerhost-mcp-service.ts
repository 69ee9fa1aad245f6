/**
 * `DockerhostMcpService` (`mcp-anywhere:ssh:DockerhostMcpService`): the server image on any machine with Docker
 * reachable over SSH (a Proxmox VM, an on-premises server, a VPS), behind the same nginx edge as the EC2 target
 * (components/ec2/nginx.ts: TLS, API-key check, per-key, per-IP and per-tool limits, body limit, JSON-RPC errors),
 * with the same compose file (components/dockerhost/host-files.ts derives it from components/ec2/host-files.ts).
 *
 * Children, in order (each waits for the one before it):
 * 1. `${name}-teardown` (`remote.Command`): creates nothing (`create` only prints a line); its `delete`, which only
 *    `pulumi destroy` (or removing the target) runs, removes what the stack wrote on the host (config, keys,
 *    certificates and the local CA, scripts, units, firewall, logging data). Every other child depends on it, so that
 *    delete runs last.
 * 2. `${name}-prepare`: Docker present and running, Compose, openssl, python3, the directories with their owners and
 *    modes, the optional firewall (components/dockerhost/prepare.ts). Idempotent; no `delete`.
 * 3. `${name}-files`: every generated file (compose, nginx.conf, scripts, ACME client and units, logging configs),
 *    written atomically with owners and modes.
 * 4. `${name}-keys`: the app's key file and nginx's key map, from the key values on the command's standard input (a
 *    Pulumi secret): read from SSM at deploy time (`apiKeyParameterNames`, GetParameter with decryption) or given as
 *    a Pulumi secret (`apiKeys`). A changed key changes that input, so the command runs again: the server re-reads the
 *    key file on change (`MCP_API_KEYS_FILE`, as on EC2) and nginx is reloaded; no container restarts.
 *    `${name}-secrets`: the secret variables (serverEnv, OTLP headers, Grafana's SMTP password) as a root-only compose file
 *    (components/ec2/host-files.ts `renderSecretCompose`) from standard input, merged into every compose call.
 * 5. `${name}-tls` (`user` and `localca` only): the user's certificate from standard input, or the host's local CA
 *    and a certificate it signs (components/dockerhost/tls.ts); the CA certificate (public) is the `caCertificate`
 *    output. A second run keeps the CA.
 * 6. `${name}-docker` (@pulumi/docker Provider, `host: ssh://user@address:port`), then `${name}-server`
 *    (`docker.Image`: server/Dockerfile built by the host's own engine, so no registry is needed, and nothing is
 *    pushed), `${name}-nginx` and the logging images (`docker.RemoteImage`, pulled by the host).
 * 7. `${name}-deploy`: `docker compose up -d` (components/dockerhost/host-files.ts deploy script), which recreates
 *    exactly the services whose image or config changed. The server image's digest and hashes of the files and
 *    secrets are a comment at the end of its `create`, so a change to any of them is an *update* that runs `create`
 *    again; no `delete`.
 * 8. `${name}-undeploy`: creates nothing; its `delete` (destroy only, and first, since it depends on everything) runs
 *    `compose down --volumes` and removes the server image tag.
 *
 * Why the destructive steps live in their own Commands (R2-B1, R2-M6 of the round-2 review): @pulumi/command 1.x
 * replaces a Command only when `triggers` change (`Triggers … provider:"replaceOnChanges"`,
 * pulumi/pulumi-command provider/pkg/provider/common/inputs.go); every other input change is an update that runs
 * `update` or else `create` again (remote/commandController.go `Update`). A replacement is create-before-delete by
 * default (https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/), so a replaced Command's `delete`
 * would run at the end of an ordinary rollout. No Command here has `triggers`, and the two with a destructive
 * `delete` have nothing that could make them change but the connection, which is an update.
 * tests/helpers/engine-model.ts models these rules and tests/dockerhost/second-up.test.ts runs the planned steps of a
 * second `pulumi up` over real SSH.
 *
 * SSH: every `remote.Command` connection pins the host key (`hostKey`, the key part of `knownHosts`, checked on every
 * dial by the provider: `ssh.FixedHostKey`, remote/connection.go), and the docker provider's `ssh` checks the same
 * pin (`StrictHostKeyChecking=yes`). Without `sshPrivateKey` both use the ssh-agent at `SSH_AUTH_SOCK`.
 *
 * Why a compose project rather than one `docker.Container` per service: the EC2 target's compose file is the single
 * definition of the edge and the app (read-only roots, key-file mount, ports, depends_on, sidecar and workspace
 * volume), already run for real in tests/container/ec2-compose.test.ts; the EC2 reload and certificate scripts
 * address the nginx container through compose (`compose exec nginx`); a compose rollout recreates only the changed
 * services and removes orphans; and `compose down` removes exactly the project's containers, networks and volumes
 * (compose labels them), so destroy touches nothing else. Separate `docker.Container` resources would restate that
 * file in a second form that could drift from EC2's. @pulumi/docker still owns what Pulumi should diff: the server
 * image (built on the host) and the public images (pulled by the host).
 *
 * Keys, `ssm` vs `config`: with SSM the keys stay in AWS (shared with other stacks, rotated with `npm run keys`,
 * audited by CloudTrail) but the host cannot re-read SSM by itself (it has no AWS identity), so a rotation reaches it
 * on the next `pulumi up`; with `config` no cloud account is involved at all, and the keys live encrypted in the
 * stack's config (the Pulumi secrets provider). Either way they reach the host only over SSH on a command's standard
 * input, and are never in a command line, a plain input or an output.
 *
 * `pulumi destroy` removes what the stack made: containers, networks and volumes of the compose project (the
 * workspace volume included), the server image, the files and directories it wrote, its units and firewall table.
 * It leaves Docker installed and the public images it pulled in the host's image cache (they may be shared).
 */

import { createHash } from "node:crypto";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { McpServiceArgs, McpServiceOutputs } from "../infra/core/contract.js";
import { DEPLOY_DEFAULTS, EDGE_AND_APP_DEFAULTS } from "../infra/core/defaults.js";
import type { ServerRuntime } from "../infra/core/upstream.js";
import { buildPaths, imageBuildArgs } from "../infra/image.js";
import { serverEnvironment, upstreamSidecarImage } from "../infra/server-env.js";
import { ComponentArgsError, resolveServiceArgs } from "../infra/service-args.js";
import { readKeyParameter } from "../infra/ssm-read.js";
import { serverSecretGroups } from "../infra/upstream-secrets.js";
import {
  DOCKERHOST_BIN,
  type DockerhostTls,
  dockerhostFiles,
  PROJECT,
  renderSecretComposeScript,
  renderUndeployScript,
} from "./dockerhost/host-files.js";
import { keysStdin, normalizeKeys, renderKeyInstallScript } from "./dockerhost/keys.js";
import { LOGGING_IMAGES, type LoggingAlerts } from "./dockerhost/logging.js";
import { renderPrepareScript, renderTeardownScript } from "./dockerhost/prepare.js";
import { asRoot, renderWriteFilesScript } from "./dockerhost/remote.js";
import { dockerHostUrl, hostKeyOf, sshOptions, writeSshMaterial } from "./dockerhost/ssh.js";
import { renderLocalCaScript, renderUserCertificateScript, userCertificateStdin } from "./dockerhost/tls.js";
import { LETS_ENCRYPT_DIRECTORY } from "./ec2/acme-client.js";
import { NGINX_IMAGE, renderSecretCompose } from "./ec2/host-files.js";

export interface DockerhostMcpServiceArgs extends Omit<McpServiceArgs, "image"> {
  /** Stack name: the server image tag and the logs' `stack` label. */
  stack: string;
  /** The host: an IPv4 address or a DNS name, for SSH and (without `domain`) the URL and certificate. */
  address: string;
  /** @default "root" (DEPLOY_DEFAULTS.dockerhost.sshUser); another user needs passwordless sudo. */
  sshUser?: string;
  /** @default 22 */
  sshPort?: number;
  /** Unencrypted private key (a Pulumi secret). @default none: the ssh-agent at SSH_AUTH_SOCK */
  sshPrivateKey?: pulumi.Input<string>;
  /**
   * One known_hosts line pinning the host key (`<host> <type> <base64>`, as `ssh-keyscan -t ed25519 <host>` prints):
   * every SSH connection, @pulumi/command's and the docker provider's, refuses a host presenting another key.
   */
  knownHosts: string;
  /** The URL's and certificate's host name. @default `address` */
  domain?: string;
  /** @default "letsencrypt" */
  tls?: DockerhostTls;
  /** PEM chain and key, Pulumi secrets; required with `tls: "user"`. */
  certificate?: pulumi.Input<string>;
  certificateKey?: pulumi.Input<string>;
  /** Let's Encrypt account e-mail. @default none */
  acmeEmail?: string;
  /** @default Let's Encrypt production */
  acmeDirectoryUrl?: string;
  /**
   * The keys themselves (a Pulumi secret list), instead of reading `apiKeyParameterNames` from SSM. When set,
   * `apiKeyParameterNames` must be empty.
   */
  apiKeys?: pulumi.Input<string[]>;
  /** IPv4 CIDRs that may reach 443 when `firewall` is on. @default ["0.0.0.0/0"] */
  allowedCidrs?: string[];
  /** Install the nftables allow list for 443. @default false */
  firewall?: boolean;
  /** @default "none" */
  logging?: "none" | "local" | "remote";
  /** Loki push URL, required with `logging: "remote"`. */
  lokiUrl?: string;
  /** @default "/var/lib/mcp-anywhere" */
  dataDir?: string;
  /** server/Dockerfile `MCP_RUNTIME`. @default "node" */
  runtime?: ServerRuntime;
  /** With `logging: "local"`: Grafana alert rules and an e-mail contact point. @default none */
  alerts?: LoggingAlerts;
  /** Grafana's SMTP server for the alert e-mail; `password` a Pulumi secret. @default none (alerts in Grafana only) */
  smtp?: { host: string; user?: string; password?: pulumi.Input<string>; from?: string };
}

const CIDR = /^(\d{1,3})(\.\d{1,3}){3}\/(\d|[12]\d|3[0-2])$/;
const hash = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);

/**
 * The deploy Command's `create`: the deploy line and a trailing comment with the image digest and hashes (16 hex
 * digits of SHA-256) of the files script and the secret compose file, so that a change to any of them changes
 * `create` (an update that runs it again) while the shell ignores the comment.
 */
export function deployCommand(line: string, inputs: { image: string; files: string; secrets: string }): string {
  return `${line} # image=${inputs.image} files=${hash(inputs.files)} secrets=${hash(inputs.secrets)}`;
}

/** The `tlsStatus` output: how the edge gets its certificate and how a client trusts it. */
export function dockerhostTlsStatus(tls: DockerhostTls, host: string, stack: string): string {
  switch (tls) {
    case "letsencrypt":
      return (
        `Certificate: the host requests a Let's Encrypt certificate for ${host} over HTTP-01 (port 80 must be reachable from the whole internet) ` +
        `and renews it hourly-checked; until then nginx serves a self-signed certificate that clients refuse. State: \`npm run verify -- --stack ${stack}\`, or /etc/mcp-anywhere/tls/status on the host.`
      );
    case "user":
      return `Certificate: yours (dockerhostCertificate), installed as given; renew it by setting the config again and running pulumi up.`;
    case "localca":
      return (
        `Certificate: signed by a CA made on the host (LAN use). Clients must trust that CA: \`npm run connect -- --stack ${stack}\` prints how to save it (details.caCertificate) ` +
        "and, for Node-based clients (Claude Code, Cline, Kiro, VS Code, Cursor), to start them with NODE_EXTRA_CA_CERTS=<that file>; others need the OS trust store."
      );
  }
}

export class DockerhostMcpService extends pulumi.ComponentResource implements McpServiceOutputs {
  public readonly target = "dockerhost" as const;
  public readonly url: pulumi.Output<string>;
  public readonly healthUrl: pulumi.Output<string>;
  public readonly apiKeyParameterNames: pulumi.Output<string[]>;
  /** `ssh://user@address:port`: where the docker provider connects. */
  public readonly dockerHost: string;
  public readonly tlsStatus: pulumi.Output<string>;
  /** The local CA's certificate (PEM, public) with `tls: "localca"`; "" otherwise. */
  public readonly caCertificate: pulumi.Output<string>;
  /** How to open Grafana (`logging: "local"`), else "". */
  public readonly grafana: string;

  /** @throws {ComponentArgsError} before any child is declared, naming each bad argument and its value. */
  constructor(name: string, args: DockerhostMcpServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("mcp-anywhere:ssh:DockerhostMcpService", name, {}, opts);
    const component = `DockerhostMcpService ${name}`;
    const configKeys = args.apiKeys !== undefined;
    const a = resolveServiceArgs(
      component,
      {
        ...args,
        image: "",
        apiKeyParameterNames: configKeys ? ["(apiKeys)"] : args.apiKeyParameterNames,
      },
      { min: 128, max: 1_048_576 },
    );
    const d = DEPLOY_DEFAULTS.dockerhost;
    const tls = args.tls ?? (d.tls as DockerhostTls);
    const logging = args.logging ?? (d.logging as "none");
    const allowedCidrs = args.allowedCidrs ?? [...d.allowedCidrs];
    const ssh = { address: args.address, user: args.sshUser ?? d.sshUser, port: args.sshPort ?? d.sshPort };
    const problems: string[] = [];
    if (!/^[A-Za-z0-9.:-]+$/.test(args.address))
      problems.push(`\`address\` must be an IP address or DNS name, got ${args.address}`);
    if (!Number.isInteger(ssh.port) || ssh.port < 1 || ssh.port > 65_535)
      problems.push(`\`sshPort\` must be 1 to 65535, got ${ssh.port}`);
    if (tls === "user" && (args.certificate === undefined || args.certificateKey === undefined))
      problems.push("`certificate` and `certificateKey` are required with `tls` user");
    if (configKeys && args.apiKeyParameterNames.length > 0)
      problems.push("`apiKeys` and `apiKeyParameterNames` are both set; allowed: one key source");
    const pinned = hostKeyOf(args.knownHosts ?? "");
    if (pinned === undefined)
      problems.push(
        `\`knownHosts\` must be one known_hosts line (<host> <key type> <base64 key>), got ${JSON.stringify(args.knownHosts ?? "")}`,
      );
    if (logging === "remote" && !args.lokiUrl) problems.push("`lokiUrl` is required with `logging` remote");
    if (allowedCidrs.length === 0 || !allowedCidrs.every((c) => CIDR.test(c)))
      problems.push(`\`allowedCidrs\` must be one or more IPv4 CIDRs, got ${JSON.stringify(allowedCidrs)}`);
    if (problems.length > 0) throw new ComponentArgsError(component, problems);

    const host = args.domain ?? args.address;
    const dataDir = args.dataDir ?? d.dataDir;
    const loggingOptions = {
      mode: logging,
      lokiUrl: args.lokiUrl,
      retentionDays: a.logRetentionDays,
      dataDir,
      stack: args.stack,
      host,
      ...(logging === "local" && args.alerts ? { alerts: args.alerts } : {}),
      ...(logging === "local" && args.smtp
        ? { smtp: { host: args.smtp.host, user: args.smtp.user, from: args.smtp.from } }
        : {}),
    };
    const secretKey = args.sshPrivateKey === undefined ? undefined : pulumi.secret(args.sshPrivateKey);
    // hostKey: checked on every dial (pulumi-command remote/connection.go `ssh.FixedHostKey`); without a private key
    // the provider uses the agent at SSH_AUTH_SOCK (`agentSocketPath`'s default).
    const connection: command.types.input.remote.ConnectionArgs = {
      host: ssh.address,
      port: ssh.port,
      user: ssh.user,
      hostKey: pinned as string,
      ...(secretKey ? { privateKey: secretKey } : {}),
    };
    // The local ssh client's files (key, pin): written when the program runs, paths only in inputs.
    const sshFiles = pulumi
      .output(secretKey ?? "")
      .apply((key) => writeSshMaterial(ssh, key === "" ? undefined : key, args.knownHosts));

    // Destroy only: its delete runs last, after every dependent is gone (never on an update; see the module comment).
    const teardown = new command.remote.Command(
      `${name}-teardown`,
      {
        connection,
        create: 'echo "mcp-anywhere-teardown: armed (runs on pulumi destroy)"',
        delete: asRoot(renderTeardownScript({ dataDir })),
      },
      { parent: this },
    );
    const prepare = new command.remote.Command(
      `${name}-prepare`,
      {
        connection,
        create: asRoot(
          renderPrepareScript({ logging: loggingOptions, firewallCidrs: args.firewall ? allowedCidrs : undefined }),
        ),
      },
      { parent: this, dependsOn: [teardown] },
    );

    const imageTag = `${PROJECT}/server:${args.stack}`;
    // The user's MCP server (infra/core/upstream.ts): the EC2 compose file's sidecar and workspace volume.
    const upstream = args.upstream !== undefined && args.upstream.mode !== "builtin" ? args.upstream : undefined;
    const sidecarImage = upstreamSidecarImage(upstream);
    const files = dockerhostFiles({
      image: imageTag,
      host,
      acmeEmail: args.acmeEmail,
      acmeDirectoryUrl: args.acmeDirectoryUrl ?? LETS_ENCRYPT_DIRECTORY,
      // nginx is the one proxy in front of the app.
      environment: serverEnvironment("dockerhost", a, 1),
      mcpPath: a.mcpPath,
      healthPath: a.healthPath,
      rateLimit: {
        requestsPerSecond: a.rateLimit.requestsPerSecond,
        burst: a.rateLimit.burst,
        ipRequestsPerMinute: a.rateLimit.perIpRequestsPerMinute,
        perToolRequestsPerSecond: a.rateLimit.perToolRequestsPerSecond,
      },
      maxBodyBytes: EDGE_AND_APP_DEFAULTS.maxBodyBytes,
      tls,
      logging: loggingOptions,
      ...(upstream !== undefined
        ? {
            upstream: {
              ...(sidecarImage !== undefined ? { sidecarImage } : {}),
              ...(upstream.workspacePath !== undefined ? { workspacePath: upstream.workspacePath } : {}),
            },
          }
        : {}),
    });
    const filesScript = renderWriteFilesScript(files);
    const written = new command.remote.Command(
      `${name}-files`,
      { connection, create: asRoot(filesScript) },
      { parent: this, dependsOn: [prepare] },
    );

    const keyValues: pulumi.Output<string[]> = configKeys
      ? pulumi.secret(pulumi.output(args.apiKeys as pulumi.Input<string[]>))
      : pulumi.secret(pulumi.all(a.apiKeyParameterNames.map((n) => readKeyParameter(n, { parent: this }).value)));
    const keys = new command.remote.Command(
      `${name}-keys`,
      {
        connection,
        create: asRoot(renderKeyInstallScript()),
        stdin: pulumi.secret(keyValues.apply((v) => keysStdin(normalizeKeys(v)))),
      },
      { parent: this, dependsOn: [written] },
    );

    // serverEnv and OTLP headers: a root-only compose file merged into every compose call (its content a secret).
    const secretGroups: { container: string; variables: Record<string, pulumi.Input<string>> }[] = [
      ...serverSecretGroups({ upstream, tracing: a.tracing }),
      ...(logging === "local" && args.smtp?.password !== undefined
        ? [{ container: "grafana", variables: { GF_SMTP_PASSWORD: args.smtp.password } }]
        : []),
    ];
    const secrets = new command.remote.Command(
      `${name}-secrets`,
      {
        connection,
        create: asRoot(renderSecretComposeScript()),
        stdin: pulumi.secret(
          pulumi
            .all(secretGroups.map((g) => pulumi.all(g.variables)))
            .apply((values) =>
              values.length === 0
                ? ""
                : renderSecretCompose(
                    values.map((variables, i) => ({ service: secretGroups[i]?.container ?? "mcp", variables })),
                  ),
            ),
        ),
      },
      { parent: this, dependsOn: [written] },
    );

    let tlsCommand: command.remote.Command | undefined;
    if (tls === "localca") {
      tlsCommand = new command.remote.Command(
        `${name}-tls`,
        { connection, create: asRoot(renderLocalCaScript(host)) },
        { parent: this, dependsOn: [prepare] },
      );
    } else if (tls === "user") {
      tlsCommand = new command.remote.Command(
        `${name}-tls`,
        {
          connection,
          create: asRoot(renderUserCertificateScript()),
          stdin: pulumi.secret(
            pulumi
              .all([args.certificate as pulumi.Input<string>, args.certificateKey as pulumi.Input<string>])
              .apply(([c, k]) => userCertificateStdin(c, k)),
          ),
        },
        { parent: this, dependsOn: [prepare] },
      );
    }

    this.dockerHost = dockerHostUrl(ssh);
    const provider = new docker.Provider(
      `${name}-docker`,
      {
        host: this.dockerHost,
        sshOpts: pulumi.unsecret(sshFiles.apply(sshOptions)),
        // A fresh host has no Docker until the preparation step installs it, which runs after the provider is
        // configured; the images below wait for that step, so the provider must not refuse to configure before it.
        disableDockerDaemonCheck: true,
      },
      { parent: this, dependsOn: [prepare] },
    );
    const onHost = { parent: this, provider, dependsOn: [prepare] };
    const paths = buildPaths();
    const server = new docker.Image(
      `${name}-server`,
      {
        imageName: imageTag,
        skipPush: true,
        buildOnPreview: false,
        build: { context: paths.context, dockerfile: paths.dockerfile, args: imageBuildArgs(args.runtime) },
      },
      onHost,
    );
    const publicImages = [
      NGINX_IMAGE,
      ...(sidecarImage !== undefined ? [sidecarImage] : []),
      ...loggingImages(logging),
    ].map(
      (image) =>
        new docker.RemoteImage(
          `${name}-${image.split("/").pop()?.split(":")[0] ?? "image"}`,
          // Kept on destroy: a public image may be shared with other containers on the host.
          { name: image, keepLocally: true },
          onHost,
        ),
    );

    // A new image digest, any changed file or a changed secret variable changes `create` (a trailing comment), which
    // is an update: `create` runs again and compose recreates what changed. The secrets enter as a hash only (a
    // secret, so `create` is one too).
    const deploy = new command.remote.Command(
      `${name}-deploy`,
      {
        connection,
        create: pulumi
          .all([server.repoDigest, secrets.stdin])
          .apply(([digest, stdin]) =>
            deployCommand(asRoot(DOCKERHOST_BIN.deploy), { image: digest, files: filesScript, secrets: stdin ?? "" }),
          ),
      },
      {
        parent: this,
        dependsOn: [written, keys, secrets, server, ...publicImages, ...(tlsCommand ? [tlsCommand] : [])],
      },
    );
    // Destroy only, and first (it depends on the deploy): containers, networks and volumes, then the image tag.
    new command.remote.Command(
      `${name}-undeploy`,
      {
        connection,
        create: 'echo "mcp-anywhere-undeploy: armed (runs on pulumi destroy)"',
        delete: asRoot(renderUndeployScript(imageTag)),
      },
      { parent: this, dependsOn: [deploy] },
    );

    this.url = deploy.id.apply(() => `https://${host}${a.mcpPath}`);
    this.healthUrl = deploy.id.apply(() => `https://${host}${a.healthPath}`);
    this.apiKeyParameterNames = configKeys ? pulumi.output([]) : pulumi.all(a.apiKeyParameterNames);
    this.tlsStatus = pulumi.output(dockerhostTlsStatus(tls, host, args.stack));
    // A CA certificate is public: never a secret, whatever the command's other inputs are.
    this.caCertificate = tls === "localca" && tlsCommand ? pulumi.unsecret(tlsCommand.stdout) : pulumi.output("");
    this.grafana =
      logging === "local"
        ? `ssh -N -L ${d.grafanaPort}:127.0.0.1:${d.grafanaPort} -p ${ssh.port} ${ssh.user}@${ssh.address}, then http://127.0.0.1:${d.grafanaPort} (user admin; password: sudo cat ${dataDir}/grafana-admin/password on the host)`
        : "";
    this.registerOutputs({
      target: this.target,
      url: this.url,
      healthUrl: this.healthUrl,
      apiKeyParameterNames: this.apiKeyParameterNames,
      dockerHost: this.dockerHost,
      tlsStatus: this.tlsStatus,
      caCertificate: this.caCertificate,
      grafana: this.grafana,
    });
  }
}

/** The logging stack's public images for a mode. */
function loggingImages(mode: "none" | "local" | "remote"): string[] {
  if (mode === "local") return [LOGGING_IMAGES.loki, LOGGING_IMAGES.grafana, LOGGING_IMAGES.alloy];
  return mode === "remote" ? [LOGGING_IMAGES.alloy] : [];
}
