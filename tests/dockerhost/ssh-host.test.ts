/**
 * The dockerhost target for real: the exact command lines its @pulumi/command resources run (components/dockerhost/*:
 * `asRoot(…)` around the preparation, file, key, local-CA, deploy and teardown scripts) sent over a real SSH
 * connection (OpenSSH client → Debian's sshd on 127.0.0.1) with the host-key pin the component writes, to this
 * machine's real Docker engine, which runs the compose file derived from the EC2 one (nginx edge + server image built
 * from server/Dockerfile). The edge is then driven with the MCP SDK client over HTTPS, trusting the host's local CA as
 * `npm run connect` tells users to (NODE_EXTRA_CA_CERTS), keys are rotated over SSH, and the teardown is checked to
 * remove what the stack made and nothing else.
 *
 * Host paths are moved under a scratch directory (`root` option) so the test never writes /etc/mcp-anywhere on the
 * machine running it; the compose project name, the ports (80, 443) and the Docker engine are the real ones. Images:
 * the server image built here, tagged as the component tags it, and the local nginx stand-in
 * (tests/container/base-images.sh) tagged as the image the compose file names, because no registry is reachable.
 * @pulumi/command itself and @pulumi/docker's SSH provider cannot run without the Pulumi engine; the mock tests
 * (tests/stacks/dockerhost.test.ts) check that they carry these command lines and that host.
 *
 * Needs sshd, openssl, python3, docker-compose and a Docker engine: skips with a line naming what is missing, fails
 * under CI=true (tests/helpers/programs.ts). Needs root too (the scripts set owners, the test reads root-only files):
 * as another user it skips with a line, even under CI=true, since that is a privilege, not a program.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect } from "chai";
import { Agent, fetch as undiciFetch } from "undici";
import {
  DOCKERHOST_BIN,
  dockerhostFiles,
  PROJECT,
  renderSecretComposeScript,
  renderUndeployScript,
} from "../../components/dockerhost/host-files.js";
import { keysStdin, renderKeyInstallScript } from "../../components/dockerhost/keys.js";
import { renderPrepareScript, renderTeardownScript } from "../../components/dockerhost/prepare.js";
import { asRoot, renderWriteFilesScript } from "../../components/dockerhost/remote.js";
import { hostKeyOf, type SshFiles, sshOptions, writeSshMaterial } from "../../components/dockerhost/ssh.js";
import { renderLocalCaScript } from "../../components/dockerhost/tls.js";
import { LETS_ENCRYPT_DIRECTORY } from "../../components/ec2/acme-client.js";
import { NGINX_IMAGE } from "../../components/ec2/host-files.js";
import { EDGE_AND_APP_DEFAULTS } from "../../infra/core/defaults.js";
import { buildServerImage, docker, localImages, requireEngine } from "../helpers/docker-engine.js";
import { requirePrograms, skipUnless } from "../helpers/programs.js";
import { runRemote } from "../helpers/remote-command.js";
import { newKey, recordOutput } from "../helpers/secrets.js";
import { INITIALIZE, mcpHeaders } from "../helpers/server.js";
import { type Sshd, startSshd } from "../helpers/sshd.js";

const HEALTH = EDGE_AND_APP_DEFAULTS.healthPath;
const MCP = EDGE_AND_APP_DEFAULTS.mcpPath;
const IMAGE_TAG = `${PROJECT}/server:ssh-test`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the dockerhost target over a real SSH connection, in a real Docker engine", function () {
  this.timeout(1_800_000);
  let sshd: Sshd | undefined;
  let files: SshFiles;
  let root: string;
  let scratch: string;
  let ca = "";
  let agent: Agent;
  let alice: string;
  let bob: string;
  const base = "https://127.0.0.1:443";
  const target = () => ({ address: "127.0.0.1", user: sshd?.user ?? "root", port: sshd?.port ?? 22 });
  const logging = {
    mode: "none" as const,
    retentionDays: 30,
    dataDir: "/var/lib/mcp-anywhere",
    stack: "test",
    host: "127.0.0.1",
  };

  /** One command line over SSH, as @pulumi/command runs it: `ssh user@host '<line>'`, with stdin. */
  const ssh = (line: string, stdin = "") => {
    const t = target();
    const r = spawnSync("ssh", [...sshOptions(files), "-p", String(t.port), `${t.user}@${t.address}`, line], {
      input: stdin,
      encoding: "utf8",
      timeout: 600_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (line: string, stdin = "") => {
    const r = ssh(line, stdin);
    expect(r.status, `remote command failed:\n${r.stderr}\n${r.stdout}`).to.equal(0);
    return r.stdout;
  };
  const renderedFiles = () =>
    dockerhostFiles({
      image: IMAGE_TAG,
      host: "127.0.0.1",
      acmeEmail: undefined,
      acmeDirectoryUrl: LETS_ENCRYPT_DIRECTORY,
      environment: { MCP_TARGET: "dockerhost", MCP_TRUST_PROXY: "1" },
      mcpPath: MCP,
      healthPath: HEALTH,
      rateLimit: { requestsPerSecond: 20, burst: 40, ipRequestsPerMinute: 60 },
      maxBodyBytes: EDGE_AND_APP_DEFAULTS.maxBodyBytes,
      tls: "localca",
      logging,
      root,
    });
  /** Mode, owner, group and mtime of every path under the scratch root. */
  const snapshot = () =>
    spawnSync("find", [root, "-printf", "%p %m %u %g %T@\\n"], { encoding: "utf8" })
      .stdout.split("\n")
      .sort()
      .join("\n");
  const composeLogs = () =>
    docker(["ps", "-aq", "--filter", `label=com.docker.compose.project=${PROJECT}`])
      .split("\n")
      .filter(Boolean)
      .map((id) => {
        const r = spawnSync("docker", ["logs", id], { encoding: "utf8" });
        return `${r.stdout}${r.stderr}`;
      })
      .join("\n");
  const fetchVia = (url: string, init: RequestInit = {}) =>
    undiciFetch(url, { ...(init as object), dispatcher: agent });

  before(async function () {
    if (process.getuid?.() !== 0) {
      // A privilege, not a missing program: skipped even under CI=true (the GitHub workflow's runner user); .ci/run
      // runs as root and so runs this suite.
      console.log(
        "      [skipped] dockerhost over SSH: the host scripts set owners and read root-only files; run as root",
      );
      this.skip();
    }
    requirePrograms(this, "sshd", "openssl", "python3", "docker-compose");
    requireEngine(this, "dockerhost over SSH");
    const other = docker(["ps", "-q", "--filter", `label=com.docker.compose.project=${PROJECT}`]);
    skipUnless(this, other === "" ? undefined : `a compose project named ${PROJECT} already runs on this engine`);
    [alice, bob] = [newKey(), newKey()];
    docker(["tag", buildServerImage("warm").tag, IMAGE_TAG]);
    docker(["tag", localImages().nginx, NGINX_IMAGE]);
    sshd = await startSshd();
    scratch = mkdtempSync(join(tmpdir(), "mcp-dockerhost-ssh-"));
    root = join(scratch, "host");
    files = writeSshMaterial(target(), sshd.privateKey, sshd.knownHostsLine, scratch);
  });

  after(async () => {
    if (sshd) {
      recordOutput(composeLogs());
      ssh(asRoot(renderUndeployScript(IMAGE_TAG, root)));
      await sshd.stop();
    }
    await agent?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("connects only when the host presents the pinned key: the connection's hostKey and the docker provider's ssh", () => {
    const t = target();
    const other = "127.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    const connection = { host: t.address, port: t.port, user: t.user, privateKey: sshd?.privateKey };
    const pinned = runRemote({ ...connection, hostKey: hostKeyOf(sshd?.knownHostsLine ?? "") }, "echo pinned");
    expect(pinned.stdout.trim(), pinned.stderr).to.equal("pinned");
    const refused = runRemote({ ...connection, hostKey: hostKeyOf(other) }, "echo pinned");
    expect(refused.status).not.to.equal(0);
    expect(refused.stderr).to.match(/host key/i);
    // The docker provider's ssh (sshOpts): the same pin, whatever name the line was scanned under.
    const sshWith = (f: SshFiles) =>
      spawnSync("ssh", [...sshOptions(f), "-p", String(t.port), `${t.user}@${t.address}`, "true"], {
        encoding: "utf8",
      });
    expect(sshWith(files).status).to.equal(0);
    const renamed = writeSshMaterial(
      t,
      sshd?.privateKey,
      (sshd?.knownHostsLine ?? "").replace(/^\S+/, "scanned-as.example"),
      join(scratch, "renamed"),
    );
    expect(sshWith(renamed).status).to.equal(0);
    const wrong = sshWith(writeSshMaterial(t, sshd?.privateKey, other, join(scratch, "wrong")));
    expect(wrong.status).not.to.equal(0);
    expect(wrong.stderr).to.match(/host key/i);
  });

  it("prepares the host: Docker running, directories with owners and modes; a second run changes nothing", () => {
    const line = asRoot(renderPrepareScript({ logging, root }));
    expect(ok(line)).to.include("mcp-anywhere-prepare: ok");
    const keys = statSync(join(root, "etc/mcp-anywhere/keys"));
    expect([keys.mode & 0o777, keys.uid, keys.gid]).to.deep.equal([0o750, 0, 1000]);
    expect(statSync(join(root, "etc/mcp-anywhere/acme")).mode & 0o777).to.equal(0o700);
    const first = snapshot();
    const again = ssh(line);
    expect(again.stdout).to.include("mcp-anywhere-prepare: ok");
    expect(snapshot()).to.equal(first);
    // An engine before 28.0 (Debian's docker.io here) gets the warning naming the version; a newer one none.
    const major = Number(docker(["version", "--format", "{{.Server.Version}}"]).split(".")[0]);
    if (major < 28) expect(again.stderr).to.match(/warning: Docker Engine \S+ predates 28\.0/);
    else expect(again.stderr).not.to.match(/predates/);
  });

  it("writes every file with its mode; a second run leaves them untouched", () => {
    const line = asRoot(renderWriteFilesScript(renderedFiles()));
    ok(line);
    const deploy = statSync(`${root}${DOCKERHOST_BIN.deploy}`);
    expect(deploy.mode & 0o777).to.equal(0o755);
    expect(readFileSync(join(root, "etc/mcp-anywhere/compose.yaml"), "utf8")).to.include(IMAGE_TAG);
    const first = snapshot();
    ok(line);
    expect(snapshot()).to.equal(first);
  });

  it("makes a local CA and a certificate for 127.0.0.1 on the host; a second run keeps both", () => {
    const line = asRoot(renderLocalCaScript("127.0.0.1", root));
    ca = ok(line);
    expect(ca).to.match(/^-----BEGIN CERTIFICATE-----/);
    const tls = join(root, "etc/mcp-anywhere/tls");
    const leaf = readFileSync(join(tls, "fullchain.pem"), "utf8");
    expect(statSync(join(tls, "privkey.pem")).mode & 0o777).to.equal(0o600);
    expect(statSync(join(root, "etc/mcp-anywhere/acme/ca.key")).mode & 0o777).to.equal(0o600);
    expect(ok(line)).to.equal(ca);
    expect(readFileSync(join(tls, "fullchain.pem"), "utf8")).to.equal(leaf);
    agent = new Agent({ connect: { ca } });
  });

  it("installs the keys from standard input only: key file 0640 root:1000 and the nginx map", () => {
    const line = asRoot(renderKeyInstallScript(root));
    expect(line.includes(alice as string)).to.equal(false);
    const out = ok(line, keysStdin([alice as string]));
    expect(out).to.match(/1 keys/);
    const file = statSync(join(root, "etc/mcp-anywhere/keys/keys"));
    expect([file.mode & 0o777, file.uid, file.gid]).to.deep.equal([0o640, 0, 1000]);
    expect(readFileSync(join(root, "etc/mcp-anywhere/nginx/keys.map"), "utf8")).to.match(/^map \$mcp_key/);
  });

  it("writes the secret compose file (serverEnv, OTLP headers) root-only from standard input", () => {
    const out = ok(
      asRoot(renderSecretComposeScript(root)),
      "services:\n  mcp:\n    environment:\n      MCP_TEST_SECRET: s3cr3t-from-stdin\n",
    );
    expect(out).to.include("written");
    const file = statSync(join(root, "etc/mcp-anywhere/secrets/server-env.yaml"));
    expect([file.mode & 0o777, file.uid]).to.deep.equal([0o600, 0]);
    expect(statSync(join(root, "etc/mcp-anywhere/secrets")).mode & 0o777).to.equal(0o700);
  });

  it("deploys with compose and serves the SDK client over HTTPS through nginx, trusting the host's CA", async () => {
    expect(ok(asRoot(`${root}${DOCKERHOST_BIN.deploy}`))).to.include("mcp-anywhere-deploy: up");
    const t0 = Date.now();
    let up = false;
    while (!up && Date.now() - t0 < 90_000) {
      up = await fetchVia(`${base}${HEALTH}`).then(
        (r) => r.ok,
        () => false,
      );
      if (!up) await sleep(500);
    }
    expect(up, `no ${HEALTH} through nginx in 90 s:\n${composeLogs()}`).to.equal(true);
    const client = new Client({ name: "dockerhost-ssh", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}${MCP}`), {
        requestInit: { headers: { "x-api-key": alice as string } },
        fetch: (url, init) => fetchVia(String(url), init as RequestInit) as unknown as Promise<Response>,
      }),
    );
    const res = await client.callTool({ name: "echo", arguments: { text: "over ssh" } });
    expect(res.content).to.deep.equal([{ type: "text", text: "over ssh" }]);
    await client.close();
    const wrong = await fetchVia(`${base}${MCP}`, {
      method: "POST",
      headers: mcpHeaders(newKey()),
      body: JSON.stringify(INITIALIZE),
    });
    expect(wrong.status).to.equal(401);
    // The secret compose file was merged: the variable reached the server's container.
    const mcp = docker([
      "ps",
      "-q",
      "--filter",
      `label=com.docker.compose.project=${PROJECT}`,
      "--filter",
      "label=com.docker.compose.service=mcp",
    ]);
    expect(docker(["inspect", "-f", "{{json .Config.Env}}", mcp])).to.include("MCP_TEST_SECRET=s3cr3t-from-stdin");
  });

  it("a Node client trusts the local CA through NODE_EXTRA_CA_CERTS, as npm run connect says", () => {
    const caFile = join(scratch, "mcp-ca.pem");
    writeFileSync(caFile, ca);
    const probe = `fetch(${JSON.stringify(`${base}${HEALTH}`)}).then(r => console.log(r.status), e => { console.log(String(e.cause ?? e)); process.exit(1); })`;
    const withCa = spawnSync(process.execPath, ["-e", probe], {
      encoding: "utf8",
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
    });
    expect(withCa.stdout.trim(), withCa.stderr).to.equal("200");
    const without = spawnSync(process.execPath, ["-e", probe], {
      encoding: "utf8",
      env: { ...process.env, NODE_EXTRA_CA_CERTS: "" },
    });
    expect(without.status).not.to.equal(0);
  });

  it("rotates keys over SSH with no container restart: the old key is refused at the edge, the new one served", async () => {
    const started = () =>
      docker(["ps", "-q", "--filter", `label=com.docker.compose.project=${PROJECT}`])
        .split("\n")
        .map((id) => docker(["inspect", "-f", "{{.State.StartedAt}}", id]))
        .sort()
        .join(",");
    const before = started();
    expect(ok(asRoot(renderKeyInstallScript(root)), keysStdin([bob as string]))).to.match(/nginx map changed: yes/);
    const call = (key: string) =>
      fetchVia(`${base}${MCP}`, { method: "POST", headers: mcpHeaders(key), body: JSON.stringify(INITIALIZE) }).then(
        (r) => r.status,
      );
    expect(await call(alice as string)).to.equal(401);
    let status = 0;
    const t0 = Date.now();
    while (status !== 200 && Date.now() - t0 < 15_000) {
      status = await call(bob as string);
      if (status !== 200) await sleep(250);
    }
    expect(status, "the new key within 15 s (the app re-reads its key file within a second)").to.equal(200);
    expect(started()).to.equal(before);
  });

  it("destroy removes the project's containers, volumes, image tag and files, and nothing else", () => {
    const sentinel = join(root, "etc/other-service.conf");
    writeFileSync(sentinel, "not ours\n");
    docker(["volume", "create", "mcp-anywhere-test-unrelated"]);
    recordOutput(composeLogs()); // for the suite's check that no log line holds a key
    try {
      expect(ok(asRoot(renderUndeployScript(IMAGE_TAG, root)))).to.include("mcp-anywhere-undeploy: ok");
      expect(ok(asRoot(renderTeardownScript({ dataDir: logging.dataDir, root })))).to.include("teardown: ok");
      expect(docker(["ps", "-aq", "--filter", `label=com.docker.compose.project=${PROJECT}`])).to.equal("");
      expect(spawnSync("docker", ["image", "inspect", IMAGE_TAG]).status).not.to.equal(0);
      expect(existsSync(join(root, "etc/mcp-anywhere"))).to.equal(false);
      expect(existsSync(`${root}${DOCKERHOST_BIN.deploy}`)).to.equal(false);
      expect(readFileSync(sentinel, "utf8")).to.equal("not ours\n");
      expect(docker(["volume", "ls", "-q"]).split("\n")).to.include("mcp-anywhere-test-unrelated");
      expect(docker(["image", "inspect", "-f", "{{.Id}}", NGINX_IMAGE])).to.match(/^sha256:/);
    } finally {
      docker(["volume", "rm", "mcp-anywhere-test-unrelated"]);
    }
  });
});
