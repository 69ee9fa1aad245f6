/**
 * Everything the EC2 target writes on the host, as one list of files: the compose file, the nginx config and initial
 * key map, the key timer, the certificate script, the deploy script and their systemd units. The cloud-init user data
 * (first boot) and the SSM rollout document (every later change) both write exactly this list, so they cannot drift.
 */
import { posix } from "node:path";
import { stringify } from "yaml";
import { CONTAINER_PORT } from "../fargate/alb.js";
import { isIpAddress, renderAcmeClientScript } from "./acme-client.js";
import { renderKeyRefreshScript } from "./key-refresh.js";
import { EMPTY_KEY_MAP, type NginxConfigOptions, renderNginxConfig } from "./nginx.js";

/** Host paths. Containers see the directories read-only. */
/**
 * Shell lines that write nginx's key map with no key (every request then gets 401) only when there is none yet, so a
 * deploy never wipes the keys the key step wrote. Shared by the EC2 and Docker host deploy scripts.
 */
export function emptyKeyMapUnlessPresent(): string[] {
  return [
    `if [ ! -s ${HOST.nginxDir}/keys.map ]; then`,
    `  install -m 0600 /dev/null ${HOST.nginxDir}/keys.map`,
    `  cat > ${HOST.nginxDir}/keys.map <<'MAP'`,
    EMPTY_KEY_MAP.trimEnd(),
    "MAP",
    "fi",
  ];
}

export const HOST = {
  compose: "/etc/mcp-anywhere/compose.yaml",
  nginxDir: "/etc/mcp-anywhere/nginx",
  keysDir: "/etc/mcp-anywhere/keys",
  tlsDir: "/etc/mcp-anywhere/tls",
  /** The ACME account key and the last issued chain (root only, 0700). */
  acmeStateDir: "/etc/mcp-anywhere/acme",
  acmeWebroot: "/var/www/acme",
  bin: "/usr/local/bin",
  /**
   * The compose file with the user's secret serverEnv ({@link renderServerEnvCompose}), root-only (0600 in a 0700
   * directory), merged over {@link HOST.compose} with a second `-f` when the stack has one.
   */
  serverEnvCompose: "/etc/mcp-anywhere/secrets/server-env.yaml",
} as const;

/** Images besides the server's, pinned to releases. */
export const NGINX_IMAGE = "public.ecr.aws/nginx/nginx:1.27-alpine";
/** Docker Compose v2 plugin for arm64, pinned (Amazon Linux 2023 packages docker but not the compose plugin). */
export const COMPOSE_PLUGIN_URL =
  "https://github.com/docker/compose/releases/download/v2.29.7/docker-compose-linux-aarch64";

/** The image's `node` user, which reads the key file. */
export const APP_GID = 1000;

export interface HostFile {
  path: string;
  content: string;
  /** Octal string, e.g. "0644". */
  permissions: string;
}

export interface HostFilesOptions {
  /** Digest-pinned server image. */
  image: string;
  /**
   * The certificate's identifier and nginx's `server_name`: the Elastic IP (an IP address certificate with the
   * `shortlived` profile) or the custom domain.
   */
  host: string;
  acmeEmail: string | undefined;
  /** ACME directory URL (Let's Encrypt production by default, components/ec2/acme-client.ts). */
  acmeDirectoryUrl: string;
  region: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com`, for docker login. */
  registry: string;
  logGroupName: string;
  parameterNames: string[];
  environment: Record<string, string>;
  mcpPath: string;
  healthPath: string;
  /** nginx's limits: per key, per key and tool (`perToolRequestsPerSecond`), per IP without a valid key. */
  rateLimit: NginxConfigOptions["rateLimit"];
  maxBodyBytes: number;
  /** The user's MCP server (serverMode stdio or http): sidecar and volumes. @default none (builtin) */
  upstream?: ComposeUpstream;
  /**
   * EC2: the SSM SecureString parameter whose value is the secret compose file ({@link renderServerEnvCompose}); the
   * deploy script writes it to {@link HOST.serverEnvCompose} (root-only) and every compose call merges it.
   * @default none (no serverEnv)
   */
  serverEnvParameter?: string;
}

/**
 * What the compose project runs for the user's MCP server, one shape for every mode: the server runs in `mcp` (stdio,
 * or http from a command) or in the sidecar service `upstream` from `sidecarImage`.
 * - a server `mcp` runs gets a writable `/tmp` (the named volume `scratch`: the root file system is read-only, and
 *   npx/uvx cache there; a volume, unlike a Docker tmpfs, allows exec, and it keeps the caches across restarts);
 * - `workspacePath` mounts the named volume `workspace` into the server's container. Named volumes outlive container
 *   replacement (`compose up` recreating a service, a new image) and `compose down`; only `down -v` deletes them. The
 *   one-shot service `workspace-init` makes the volume writable for the app user (uid/gid {@link APP_GID}) first,
 *   when `mcp` runs the server (a sidecar image's own user is the image's business).
 */
export interface ComposeUpstream {
  /** The user's image (http mode with serverImage), run as the service `upstream`; `mcp` starts after it. */
  sidecarImage?: string;
  /** serverWorkspace: the container path of the `workspace` volume. */
  workspacePath?: string;
}

/** Compose service and volume names for the user's server. */
export const UPSTREAM_SERVICE = "upstream";
export const WORKSPACE_INIT_SERVICE = "workspace-init";

/**
 * The secret compose file: `services.<service>.environment` = `variables`, every `$` doubled so compose takes values
 * literally (compose interpolates `${VAR}` in compose files: https://docs.docker.com/reference/compose-file/interpolation/).
 * YAML quoting comes from the `yaml` package, so any value survives.
 * @param service - `mcp` (our server gets `MCP_UPSTREAM_ENV`) or `upstream` (the sidecar gets the variables).
 */
export function renderServerEnvCompose(service: string, variables: Record<string, string>): string {
  return renderSecretCompose([{ service, variables }]);
}

/**
 * {@link renderServerEnvCompose} for several services and groups (serverEnv, OTEL_EXPORTER_OTLP_HEADERS): the
 * variables of entries for the same service are merged in order (a later entry wins on the same name).
 */
export function renderSecretCompose(entries: { service: string; variables: Record<string, string> }[]): string {
  const services: Record<string, { environment: Record<string, string> }> = {};
  for (const { service, variables } of entries) {
    const escaped = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, v.replaceAll("$", "$$$$")]));
    services[service] = { environment: { ...services[service]?.environment, ...escaped } };
  }
  return stringify({ services });
}

/**
 * The compose command. The project name is passed with -p rather than a top-level `name:`, which older compose
 * releases reject; the secret serverEnv file is merged when the stack has one.
 */
function composeCommand(o: Pick<HostFilesOptions, "serverEnvParameter">): string {
  const secret = o.serverEnvParameter !== undefined ? ` -f ${HOST.serverEnvCompose}` : "";
  return `docker compose -p mcp-anywhere -f ${HOST.compose}${secret}`;
}
const NGINX_CONF_IN_CONTAINER = "/etc/nginx/mcp/nginx.conf";

function awslogs(region: string, group: string, tag: string) {
  return { driver: "awslogs", options: { "awslogs-region": region, "awslogs-group": group, tag } };
}

/**
 * The compose file: the `mcp` service (image by digest, keys from the key file) and the `nginx` edge; with a user's
 * server ({@link ComposeUpstream}) also its sidecar, init service and named volumes.
 */
export function renderCompose(o: HostFilesOptions): string {
  const u = o.upstream;
  const sidecar = u?.sidecarImage;
  const mcpRunsServer = u !== undefined && sidecar === undefined;
  const workspace = u?.workspacePath !== undefined ? `workspace:${u.workspacePath}` : undefined;
  const initWorkspace = workspace !== undefined && mcpRunsServer;
  const dependsOn = {
    ...(sidecar !== undefined ? { [UPSTREAM_SERVICE]: { condition: "service_started" } } : {}),
    ...(initWorkspace ? { [WORKSPACE_INIT_SERVICE]: { condition: "service_completed_successfully" } } : {}),
  };
  return stringify({
    services: {
      mcp: {
        image: o.image,
        restart: "unless-stopped",
        read_only: true,
        environment: { ...o.environment, MCP_API_KEYS_FILE: "/run/mcp-keys/keys" },
        // The directory, not the file: the key timer replaces the file by rename.
        volumes: [
          `${HOST.keysDir}:/run/mcp-keys:ro`,
          ...(mcpRunsServer ? ["scratch:/tmp"] : []),
          ...(mcpRunsServer && workspace !== undefined ? [workspace] : []),
        ],
        expose: [String(CONTAINER_PORT)],
        ...(Object.keys(dependsOn).length > 0 ? { depends_on: dependsOn } : {}),
        logging: awslogs(o.region, o.logGroupName, "mcp"),
      },
      ...(sidecar !== undefined
        ? {
            // Our server reaches it at http://upstream:<port>/… on the project network (serverUrl).
            [UPSTREAM_SERVICE]: {
              image: sidecar,
              restart: "unless-stopped",
              ...(workspace !== undefined ? { volumes: [workspace] } : {}),
              logging: awslogs(o.region, o.logGroupName, UPSTREAM_SERVICE),
            },
          }
        : {}),
      ...(initWorkspace
        ? {
            [WORKSPACE_INIT_SERVICE]: {
              image: o.image,
              user: "0:0",
              entrypoint: ["chown", `${APP_GID}:${APP_GID}`, u?.workspacePath],
              volumes: [workspace],
              network_mode: "none",
              logging: awslogs(o.region, o.logGroupName, WORKSPACE_INIT_SERVICE),
            },
          }
        : {}),
      nginx: {
        image: NGINX_IMAGE,
        restart: "unless-stopped",
        read_only: true,
        command: ["nginx", "-g", "daemon off;", "-c", NGINX_CONF_IN_CONTAINER],
        ports: ["80:80", "443:443"],
        volumes: [
          `${HOST.nginxDir}:/etc/nginx/mcp:ro`,
          `${HOST.tlsDir}:/etc/nginx/tls:ro`,
          `${HOST.acmeWebroot}:/var/www/acme:ro`,
        ],
        tmpfs: ["/var/cache/nginx", "/var/run"],
        depends_on: ["mcp"],
        logging: awslogs(o.region, o.logGroupName, "nginx"),
      },
    },
    ...(mcpRunsServer || workspace !== undefined
      ? {
          volumes: {
            ...(mcpRunsServer ? { scratch: {} } : {}),
            ...(workspace !== undefined ? { workspace: {} } : {}),
          },
        }
      : {}),
  });
}

const script = (lines: string[]) => `#!/bin/bash\nset -euo pipefail\n${lines.join("\n")}\n`;

const unit = (description: string, body: string[]) => `[Unit]\nDescription=${description}\n\n${body.join("\n")}\n`;

/** Every file, in the order they are written. */
export function hostFiles(o: HostFilesOptions): HostFile[] {
  const nginx = renderNginxConfig({
    serverName: o.host,
    httpsListen: "443",
    httpListen: "80",
    upstream: `mcp:${CONTAINER_PORT}`,
    certificate: "/etc/nginx/tls/fullchain.pem",
    certificateKey: "/etc/nginx/tls/privkey.pem",
    keyMapPath: "/etc/nginx/mcp/keys.map",
    acmeWebroot: "/var/www/acme",
    mcpPath: o.mcpPath,
    healthPath: o.healthPath,
    rateLimit: o.rateLimit,
    maxBodyBytes: o.maxBodyBytes,
    readTimeoutSeconds: 300,
    accessLog: "/dev/stdout",
    errorLog: "/dev/stderr",
    pidPath: "/var/run/nginx.pid",
  });
  const reload = `${HOST.bin}/mcp-anywhere-reload-nginx`;
  const COMPOSE = composeCommand(o);
  // Let's Encrypt issues IP address certificates only with the `shortlived` profile (about 160 h); a domain keeps the
  // CA's default profile (90 days). https://letsencrypt.org/docs/profiles/
  const ip = isIpAddress(o.host);
  const san = `${ip ? "IP" : "DNS"}:${o.host}`;
  return [
    { path: HOST.compose, permissions: "0644", content: renderCompose(o) },
    { path: `${HOST.nginxDir}/nginx.conf`, permissions: "0644", content: nginx },
    {
      path: `${HOST.bin}/mcp-anywhere-keys`,
      permissions: "0755",
      content: renderKeyRefreshScript({
        region: o.region,
        parameterNames: o.parameterNames,
        nginxMapPath: `${HOST.nginxDir}/keys.map`,
        appKeysPath: `${HOST.keysDir}/keys`,
        appGroupId: APP_GID,
        reloadCommand: [reload],
      }),
    },
    {
      path: reload,
      permissions: "0755",
      content: script([
        "# Reload nginx if it runs; before the first deploy there is nothing to reload.",
        `if [ -n "$(${COMPOSE} ps -q nginx 2>/dev/null)" ]; then`,
        `  ${COMPOSE} exec -T nginx nginx -s reload -c ${NGINX_CONF_IN_CONTAINER}`,
        "fi",
      ]),
    },
    {
      path: `${HOST.bin}/mcp-anywhere-cert`,
      permissions: "0755",
      content: renderAcmeClientScript({
        directoryUrl: o.acmeDirectoryUrl,
        identifier: o.host,
        profile: ip ? "shortlived" : undefined,
        email: o.acmeEmail,
        webroot: HOST.acmeWebroot,
        stateDir: HOST.acmeStateDir,
        certificatePath: `${HOST.tlsDir}/fullchain.pem`,
        certificateKeyPath: `${HOST.tlsDir}/privkey.pem`,
        statusPath: `${HOST.tlsDir}/status`,
        // 6-day certificates: renew with half the lifetime left (about 80 h), then hourly retries until expiry.
        // 90-day certificates: with a third left (30 days), as Let's Encrypt recommends.
        renewFraction: ip ? 1 / 2 : 1 / 3,
        reloadCommand: [reload],
      }),
    },
    {
      path: `${HOST.bin}/mcp-anywhere-deploy`,
      permissions: "0755",
      content: script([
        `install -d -m 0750 -o root -g ${APP_GID} ${HOST.keysDir}`,
        `install -d -m 0755 ${HOST.tlsDir} ${HOST.acmeWebroot}`,
        `if [ ! -f ${HOST.tlsDir}/fullchain.pem ]; then`,
        "  # Self-signed only so that nginx can start and answer the HTTP-01 challenge; clients reject it.",
        `  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj /CN=${o.host} -addext subjectAltName=${san} -keyout ${HOST.tlsDir}/privkey.pem -out ${HOST.tlsDir}/fullchain.pem`,
        `  echo "untrusted: self-signed until the first Let's Encrypt issuance for ${o.host} (mcp-anywhere-cert)" > ${HOST.tlsDir}/status`,
        "fi",
        "# An empty key map only when there is none: a failed refresh must never wipe working keys.",
        ...emptyKeyMapUnlessPresent(),
        `${HOST.bin}/mcp-anywhere-keys || echo "mcp-anywhere-deploy: key refresh failed; the timer retries" >&2`,
        ...(o.serverEnvParameter !== undefined
          ? [
              "# Secret variables (serverEnv, OTLP headers): a compose file only root can read, written from SSM by the instance role.",
              `install -d -m 0700 ${posix.dirname(HOST.serverEnvCompose)}`,
              `(umask 077; aws ssm get-parameter --region ${o.region} --with-decryption --name ${o.serverEnvParameter} --query Parameter.Value --output text > ${HOST.serverEnvCompose}.new)`,
              `mv ${HOST.serverEnvCompose}.new ${HOST.serverEnvCompose}`,
            ]
          : []),
        `aws ecr get-login-password --region ${o.region} | docker login --username AWS --password-stdin ${o.registry}`,
        `${COMPOSE} pull --quiet`,
        `${COMPOSE} up -d --remove-orphans`,
        reload,
        "# Issue or renew now if due (first boot, a new domain); otherwise this makes no request. The timer retries hourly.",
        `${HOST.bin}/mcp-anywhere-cert || echo "mcp-anywhere-deploy: certificate not issued yet; the timer retries" >&2`,
      ]),
    },
    {
      path: "/etc/systemd/system/mcp-anywhere-keys.service",
      permissions: "0644",
      content: unit("mcp-anywhere: API keys from SSM to nginx and the app", [
        "[Service]",
        "Type=oneshot",
        `ExecStart=${HOST.bin}/mcp-anywhere-keys`,
      ]),
    },
    {
      path: "/etc/systemd/system/mcp-anywhere-keys.timer",
      permissions: "0644",
      content: unit("mcp-anywhere: refresh API keys every 5 minutes", [
        "[Timer]",
        "OnBootSec=1min",
        "OnUnitActiveSec=5min",
        "",
        "[Install]",
        "WantedBy=timers.target",
      ]),
    },
    {
      path: "/etc/systemd/system/mcp-anywhere-cert.service",
      permissions: "0644",
      content: unit("mcp-anywhere: issue or renew the TLS certificate", [
        "[Service]",
        "Type=oneshot",
        `ExecStart=${HOST.bin}/mcp-anywhere-cert`,
      ]),
    },
    {
      path: "/etc/systemd/system/mcp-anywhere-cert.timer",
      permissions: "0644",
      // Hourly: a check that is not due makes no request; a failed issuance retries within the hour (Let's Encrypt
      // allows 5 failed validations per identifier per account per hour, https://letsencrypt.org/docs/rate-limits/).
      content: unit("mcp-anywhere: certificate issue and renewal", [
        "[Timer]",
        "OnBootSec=1min",
        "OnUnitActiveSec=1h",
        "RandomizedDelaySec=5min",
        "",
        "[Install]",
        "WantedBy=timers.target",
      ]),
    },
  ];
}
