/**
 * The EC2 host's compose stack for real: the compose file and nginx.conf exactly as components/ec2/host-files.ts renders
 * them, run by docker-compose (Debian's, v1.29; the host runs the v2 plugin, which reads the same file) in a real
 * Docker engine, with the server image built from server/Dockerfile. Keys reach nginx and the app through the real key
 * timer script (components/ec2/key-refresh.ts) fed by a fake `aws` CLI, as in tests/ec2/nginx-edge.test.ts, whose key
 * checks run here through the stack: the SDK client through nginx with a key (x-api-key and Bearer), 401 without one or
 * with a wrong one, the health path without a key, and no key in either container's logs.
 *
 * What cannot run here is replaced by a compose override file (written next to the rendered file, printed on failure;
 * see {@link overrideFile}); the rendered files are never edited.
 *
 * Skips with a console line when no engine, docker-compose, openssl or python3 is usable, except under CI=true (then it
 * fails): tests/helpers/programs.ts.
 */
import { spawnSync } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect } from "chai";
import { Agent, fetch as undiciFetch } from "undici";
import { stringify } from "yaml";
import { APP_GID, HOST, hostFiles } from "../../components/ec2/host-files.js";
import { renderKeyRefreshScript } from "../../components/ec2/key-refresh.js";
import { EDGE_AND_APP_DEFAULTS } from "../../infra/core/defaults.js";
import { buildServerImage, docker, dockerCli, localImages, requireEngine } from "../helpers/docker-engine.js";
import { SAMPLE_HOST_OPTIONS } from "../helpers/ec2-sample.js";
import { requirePrograms } from "../helpers/programs.js";
import { newKey, recordOutput } from "../helpers/secrets.js";
import { INITIALIZE, mcpHeaders } from "../helpers/server.js";
import { selfSignedCertificate } from "../helpers/tls.js";

const HEALTH = EDGE_AND_APP_DEFAULTS.healthPath;
const MCP = EDGE_AND_APP_DEFAULTS.mcpPath;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The override, one entry per thing the rendered file needs that this machine lacks:
 * - `image`: the server image built by the test (the rendered file names an ECR digest) and a local nginx stand-in
 *   (tests/container/base-images.sh: Debian's nginx laid out like the official image; the rendered file names
 *   public.ecr.aws/nginx/nginx, and no registry is reachable here).
 * - `logging`: json-file instead of awslogs (needs AWS credentials and CloudWatch), so `docker logs` works.
 * - `volumes`: the same container paths, from a scratch directory instead of /etc/mcp-anywhere and /var/www/acme
 *   (compose merges volumes by container path, so each rendered mount is replaced, not added).
 * - `group_add` (only when not root): the key file's group is then the caller's, not 1000.
 * Unchanged: read_only, tmpfs, environment, command, depends_on, the service network, and the published ports 80 and
 * 443 (compose concatenates `ports`, so an override could not remove them; they must be free on this machine).
 */
function overrideFile(o: { dir: string; server: string; nginx: string; gid: number }): string {
  const json = { driver: "json-file" };
  return stringify({
    services: {
      mcp: {
        image: o.server,
        logging: json,
        volumes: [`${join(o.dir, "keys")}:/run/mcp-keys:ro`],
        ...(o.gid === APP_GID ? {} : { group_add: [String(o.gid)] }),
      },
      nginx: {
        image: o.nginx,
        logging: json,
        volumes: [
          `${join(o.dir, "nginx")}:/etc/nginx/mcp:ro`,
          `${join(o.dir, "tls")}:/etc/nginx/tls:ro`,
          `${join(o.dir, "acme")}:/var/www/acme:ro`,
        ],
      },
    },
  });
}

describe("the EC2 compose stack (nginx edge + server) in a real Docker engine", function () {
  this.timeout(1_800_000);
  let dir: string;
  let project: string;
  let compose: string[];
  let agent: Agent;
  const base = "https://127.0.0.1:443";
  let alice: string;
  let bob: string;

  const run = (args: string[]) => {
    const r = spawnSync("docker-compose", [...compose, ...args], { encoding: "utf8", timeout: 300_000 });
    if (r.status !== 0) throw new Error(`docker-compose ${args.join(" ")}: ${r.stderr}`);
    return `${r.stdout}${r.stderr}`;
  };
  /** Both containers' logs, raw lines (no compose prefix), so the root hook's key check sees each JSON line. */
  const serviceLogs = () => {
    const ids = spawnSync("docker-compose", [...compose, "ps", "-q"], { encoding: "utf8" })
      .stdout.trim()
      .split("\n");
    return ids
      .filter(Boolean)
      .map((id) => {
        const r = spawnSync(dockerCli()?.bin ?? "docker", ["logs", id], { encoding: "utf8" });
        return `${r.stdout}${r.stderr}`;
      })
      .join("\n");
  };

  before(async function () {
    requireEngine(this, "EC2 compose stack");
    requirePrograms(this, "docker-compose", "openssl", "python3");
    [alice, bob] = [newKey(), newKey()]; // after the skip checks, as the root hook expects logs for every key
    const server = buildServerImage("warm").tag;
    const { nginx } = localImages();

    dir = mkdtempSync(join(tmpdir(), "mcp-compose-"));
    const gid = process.getuid?.() === 0 ? APP_GID : (process.getgid?.() ?? APP_GID);
    for (const d of ["nginx", "tls", "acme"]) mkdirSync(join(dir, d), { mode: 0o755 });
    // As the deploy script does: install -d -m 0750 -o root -g 1000 keys.
    mkdirSync(join(dir, "keys"), { mode: 0o750 });
    chownSync(join(dir, "keys"), process.getuid?.() ?? 0, gid);

    const options = { ...SAMPLE_HOST_OPTIONS, host: "127.0.0.1", mcpPath: MCP, healthPath: HEALTH };
    const files = new Map(hostFiles(options).map((f) => [f.path, f.content]));
    writeFileSync(join(dir, "compose.yaml"), files.get(HOST.compose) ?? "");
    writeFileSync(join(dir, "nginx", "nginx.conf"), files.get(`${HOST.nginxDir}/nginx.conf`) ?? "");
    writeFileSync(join(dir, "compose.override.yaml"), overrideFile({ dir, server, nginx, gid }));

    selfSignedCertificate({
      keyPath: join(dir, "tls", "privkey.pem"),
      certPath: join(dir, "tls", "fullchain.pem"),
      commonName: "127.0.0.1",
      subjectAltName: "IP:127.0.0.1",
      days: 1,
    });
    agent = new Agent({ connect: { ca: readFileSync(join(dir, "tls", "fullchain.pem")) } });

    // The real key timer, with the aws CLI replaced by a script printing a fake GetParameters answer.
    writeFileSync(
      join(dir, "ssm.json"),
      JSON.stringify({ Parameters: [{ Name: "/mcp/keys", Value: `${alice},${bob}` }], InvalidParameters: [] }),
    );
    writeFileSync(join(dir, "aws"), `#!/bin/sh\ncat ${join(dir, "ssm.json")}\n`, { mode: 0o755 });
    writeFileSync(
      join(dir, "mcp-anywhere-keys"),
      renderKeyRefreshScript({
        region: options.region,
        parameterNames: ["/mcp/keys"],
        nginxMapPath: join(dir, "nginx", "keys.map"),
        appKeysPath: join(dir, "keys", "keys"),
        appGroupId: gid,
        reloadCommand: ["true"],
      }),
    );
    const keys = spawnSync("python3", [join(dir, "mcp-anywhere-keys")], {
      encoding: "utf8",
      env: { ...process.env, MCP_KEYS_AWS_CLI: join(dir, "aws") },
    });
    expect(keys.status, keys.stderr).to.equal(0);

    project = `mcp-anywhere-test-${process.pid}`;
    compose = ["-p", project, "-f", join(dir, "compose.yaml"), "-f", join(dir, "compose.override.yaml")];
    run(["up", "-d"]);
    const t0 = Date.now();
    let ok = false;
    while (!ok && Date.now() - t0 < 60_000) {
      ok = await undiciFetch(`${base}${HEALTH}`, { dispatcher: agent }).then(
        (r) => r.ok,
        () => false,
      );
      if (!ok) await sleep(250);
    }
    if (!ok) {
      throw new Error(
        `the stack did not answer ${HEALTH} through nginx in 60 s.\noverride:\n${readFileSync(join(dir, "compose.override.yaml"), "utf8")}\nlogs:\n${serviceLogs()}`,
      );
    }
  });

  after(async () => {
    if (compose) {
      recordOutput(serviceLogs());
      spawnSync("docker-compose", [...compose, "down", "-v", "--timeout", "15"], { stdio: "ignore", timeout: 120_000 });
    }
    await agent?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs both services from the rendered file: server read-only as `node`, nginx read-only with its tmpfs", () => {
    for (const service of ["mcp", "nginx"]) {
      const id = run(["ps", "-q", service]).trim();
      const info = JSON.parse(docker(["inspect", id]))[0];
      expect(info.State.Running, service).to.equal(true);
      expect(info.HostConfig.ReadonlyRootfs, service).to.equal(true);
      if (service === "mcp") expect(info.Config.User).to.equal("node");
      if (service === "nginx") expect(Object.keys(info.HostConfig.Tmpfs ?? {})).to.include.members(["/var/run"]);
    }
  });

  it(`answers ${HEALTH} without a key, through nginx over HTTPS`, async () => {
    const res = await undiciFetch(`${base}${HEALTH}`, { dispatcher: agent });
    expect(res.status).to.equal(200);
    expect(await res.json()).to.include({ status: "ok", keys: "ready" });
  });

  it("refuses no key and a wrong key with 401 at the edge", async () => {
    for (const headers of [mcpHeaders(), mcpHeaders(newKey())]) {
      const res = await undiciFetch(`${base}${MCP}`, {
        method: "POST",
        headers,
        body: JSON.stringify(INITIALIZE),
        dispatcher: agent,
      });
      expect(res.status).to.equal(401);
      expect(res.headers.get("www-authenticate")).to.match(/^ApiKey/);
    }
  });

  it("serves the SDK client through nginx: list and call tools, key as x-api-key and as Bearer", async () => {
    const ways: Record<string, string>[] = [{ "x-api-key": alice }, { authorization: `Bearer ${bob}` }];
    for (const headers of ways) {
      const client = new Client({ name: "through-compose", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${base}${MCP}`), {
          requestInit: { headers },
          fetch: (url, init) =>
            undiciFetch(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>,
        }),
      );
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).to.include("echo");
      const res = await client.callTool({ name: "echo", arguments: { text: "via compose" } });
      expect(res.content).to.deep.equal([{ type: "text", text: "via compose" }]);
      await client.close();
    }
  });

  it("logs requests in both containers, with no key in either log", () => {
    const logs = serviceLogs();
    recordOutput(logs);
    expect(logs).to.match(/"msg":"listening"/);
    expect(logs).to.match(/"keyId":"/);
    for (const key of [alice, bob]) expect(logs.includes(key), "a key in docker-compose logs").to.equal(false);
  });
});
