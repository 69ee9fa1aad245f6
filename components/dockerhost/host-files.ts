/**
 * Everything the dockerhost target writes on the host, derived from the EC2 target's host files
 * (components/ec2/host-files.ts) rather than copied: the same compose file (services, read-only roots, key-file mount,
 * nginx command and ports; whatever the EC2 file gains, such as a sidecar or a workspace volume, arrives here too),
 * the same nginx.conf (components/ec2/nginx.ts: TLS, key map, per-key/per-IP/per-tool limits, body limit, JSON-RPC
 * errors), the same ACME client and its timer units (Let's Encrypt only). What differs on a host that is not EC2:
 * - logging: Docker's `local` driver with rotation instead of `awslogs` (no CloudWatch), plus the optional
 *   Alloy/Loki/Grafana services (components/dockerhost/logging.ts);
 * - the server image is built on the host by @pulumi/docker under a local tag, so there is no registry login or pull;
 * - keys come from Pulumi (components/dockerhost/keys.ts), so there is no SSM key timer;
 * - the deploy and reload scripts work with the compose v2 plugin (`docker compose`) or the standalone v1
 *   `docker-compose`, whichever the host has.
 */
import { parse, stringify } from "yaml";
import { isIpAddress } from "../ec2/acme-client.js";
import { emptyKeyMapUnlessPresent, HOST, type HostFile, type HostFilesOptions, hostFiles } from "../ec2/host-files.js";
import { type LoggingOptions, loggingFiles, loggingServices } from "./logging.js";

export type DockerhostTls = "letsencrypt" | "user" | "localca";

export interface DockerhostFilesOptions
  extends Omit<HostFilesOptions, "region" | "registry" | "logGroupName" | "parameterNames"> {
  /** The server image as the host's engine names it (a local tag, built there by @pulumi/docker). */
  image: string;
  tls: DockerhostTls;
  logging: LoggingOptions;
  /**
   * A prefix for every host path (`/etc/mcp-anywhere`, `/var/www/acme`, `/usr/local/bin`, the data directory), for
   * tests that run the files on a machine they must not take over. @default "" (the real paths)
   */
  root?: string;
}

/** The compose project name: the EC2 scripts address it, so one mcp-anywhere stack per host. */
export const PROJECT = "mcp-anywhere";
/** Scripts only the dockerhost target has. */
export const DOCKERHOST_BIN = {
  reload: `${HOST.bin}/mcp-anywhere-reload-nginx`,
  deploy: `${HOST.bin}/mcp-anywhere-deploy`,
  cert: `${HOST.bin}/mcp-anywhere-cert`,
} as const;

/** Docker's `local` log driver, rotated (https://docs.docker.com/engine/logging/drivers/local/). */
export const LOCAL_LOGGING = { driver: "local", options: { "max-size": "20m", "max-file": "5" } } as const;

/**
 * A shell function `dc` running compose for this project: the v2 plugin if present, else docker-compose v1; the
 * root-only secret compose file (serverEnv, OTLP headers: {@link secretComposePath}) is merged when it exists.
 */
export function composeFunction(composePath: string): string {
  const secret = secretComposePath(composePath);
  const files = `-f ${composePath}$([ -f ${secret} ] && echo " -f ${secret}")`;
  return `dc() { if docker compose version > /dev/null 2>&1; then docker compose -p ${PROJECT} ${files} "$@"; else docker-compose -p ${PROJECT} ${files} "$@"; fi; }`;
}

/** Where the secret compose file lives, beside the compose file (the EC2 path, HOST.serverEnvCompose, relocated). */
export const secretComposePath = (composePath: string) => composePath.replace(HOST.compose, HOST.serverEnvCompose);

/**
 * The secret-compose command's script: standard input (a Pulumi secret) is the compose file with the server's secret
 * variables (components/ec2/host-files.ts renderSecretCompose); written root-only (0600 in a 0700 directory); an empty
 * input removes it.
 */
export function renderSecretComposeScript(root = ""): string {
  const path = `${root}${HOST.serverEnvCompose}`;
  return [
    "set -euo pipefail",
    `install -d -m 0700 ${path.slice(0, path.lastIndexOf("/"))}`,
    `(umask 077; cat > ${path}.new)`,
    `if [ -s ${path}.new ]; then mv -f ${path}.new ${path}; else rm -f ${path}.new ${path}; fi`,
    'echo "mcp-anywhere-secrets: written"',
  ].join("\n");
}

const script = (lines: string[]) => `#!/bin/bash\nset -euo pipefail\n${lines.join("\n")}\n`;

/** The EC2 compose file with the dockerhost differences applied (see the module comment). */
export function renderDockerhostCompose(ec2Compose: string, o: DockerhostFilesOptions): string {
  const doc = parse(ec2Compose) as { services: Record<string, Record<string, unknown>>; [k: string]: unknown };
  for (const service of Object.values(doc.services)) service.logging = LOCAL_LOGGING;
  doc.services = { ...doc.services, ...loggingServices(o.logging) };
  return stringify(doc);
}

/** The deploy script: TLS bootstrap for Let's Encrypt, empty key map on first run, `up -d`, reload, first issuance. */
function deployScript(o: DockerhostFilesOptions, hasCert: boolean): string {
  const tls = HOST.tlsDir;
  const san = `${isIpAddress(o.host) ? "IP" : "DNS"}:${o.host}`;
  return script([
    composeFunction(HOST.compose),
    ...(o.tls === "letsencrypt"
      ? [
          `if [ ! -f ${tls}/fullchain.pem ]; then`,
          "  # Self-signed only so that nginx can start and answer the HTTP-01 challenge; clients reject it.",
          `  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj /CN=${o.host} -addext subjectAltName=${san} -keyout ${tls}/privkey.pem -out ${tls}/fullchain.pem 2> /dev/null`,
          `  echo "untrusted: self-signed until the first Let's Encrypt issuance for ${o.host} (mcp-anywhere-cert)" > ${tls}/status`,
          "fi",
        ]
      : [
          `test -s ${tls}/fullchain.pem -a -s ${tls}/privkey.pem || { echo "mcp-anywhere-deploy: no certificate in ${tls}" >&2; exit 1; }`,
        ]),
    "# An empty key map only when there is none: the key step writes the real one.",
    ...emptyKeyMapUnlessPresent(),
    // Creates or recreates only the services whose image or config changed.
    "dc up -d --remove-orphans",
    DOCKERHOST_BIN.reload,
    ...(hasCert
      ? [
          "if [ -d /run/systemd/system ]; then",
          "  systemctl daemon-reload",
          "  systemctl enable --now mcp-anywhere-cert.timer",
          "fi",
          "# Issue or renew now if due; otherwise no request is made. The timer retries hourly.",
          `${DOCKERHOST_BIN.cert} || echo "mcp-anywhere-deploy: certificate not issued yet; the timer retries" >&2`,
        ]
      : []),
    'echo "mcp-anywhere-deploy: up"',
  ]);
}

/** The reload script: nginx reload inside the running container (no-op before the first deploy). */
function reloadScript(): string {
  return script([
    composeFunction(HOST.compose),
    'if [ -n "$(dc ps -q nginx 2> /dev/null)" ]; then',
    "  dc exec -T nginx nginx -s reload -c /etc/nginx/mcp/nginx.conf",
    "fi",
  ]);
}

/**
 * What `pulumi destroy` runs first: `compose down --volumes` (the project's containers, networks and volumes, the
 * workspace volume included; compose labels them, so nothing else is touched) and the server image's tag.
 */
export function renderUndeployScript(imageTag: string, root = ""): string {
  const compose = `${root}${HOST.compose}`;
  return [
    `if [ -f ${compose} ]; then`,
    `  ${composeFunction(compose)}`,
    "  dc down --volumes --remove-orphans --timeout 30",
    "fi",
    `docker image rm ${imageTag} > /dev/null 2>&1 || true`,
    'echo "mcp-anywhere-undeploy: ok"',
  ].join("\n");
}

/** Moves every host path under `root` (tests only; see {@link DockerhostFilesOptions.root}). */
export function relocate(text: string, root: string, dataDir: string): string {
  if (root === "") return text;
  return [HOST.compose.replace(/\/compose\.yaml$/, ""), HOST.acmeWebroot, HOST.bin, dataDir].reduce(
    (t, p) => t.replaceAll(p, `${root}${p}`),
    text,
  );
}

/**
 * @returns every file, in write order: compose, nginx.conf, reload, deploy, the ACME client and its units
 *   (letsencrypt only), then the logging configs.
 */
export function dockerhostFiles(o: DockerhostFilesOptions): HostFile[] {
  const ec2 = new Map(
    hostFiles({ ...o, region: "none", registry: "none", logGroupName: "none", parameterNames: [] }).map((f) => [
      f.path,
      f,
    ]),
  );
  const take = (path: string): HostFile => {
    const f = ec2.get(path);
    if (!f) throw new Error(`dockerhostFiles: components/ec2/host-files.ts no longer writes ${path}`);
    return f;
  };
  const compose = take(HOST.compose);
  const hasCert = o.tls === "letsencrypt";
  const files: HostFile[] = [
    { ...compose, content: renderDockerhostCompose(compose.content, o) },
    take(`${HOST.nginxDir}/nginx.conf`),
    { path: DOCKERHOST_BIN.reload, permissions: "0755", content: reloadScript() },
    { path: DOCKERHOST_BIN.deploy, permissions: "0755", content: deployScript(o, hasCert) },
    ...(hasCert
      ? [
          take(DOCKERHOST_BIN.cert),
          take("/etc/systemd/system/mcp-anywhere-cert.service"),
          take("/etc/systemd/system/mcp-anywhere-cert.timer"),
        ]
      : []),
    ...loggingFiles(o.logging),
  ];
  const root = o.root ?? "";
  return files.map((f) => ({
    path: relocate(f.path, root, o.logging.dataDir),
    permissions: f.permissions,
    content: relocate(f.content, root, o.logging.dataDir),
  }));
}
