/**
 * The second `pulumi up` of a dockerhost stack, for real: the real stack program is synthesized under mocks before and
 * after each kind of change (server code, a generated file, a secret, the SSH key, port, user and address), the engine
 * model (tests/helpers/engine-model.ts: @pulumi/command 1.x and @pulumi/docker rules, create-before-delete, deletes
 * last in reverse dependency order) plans the steps, and exactly those steps run: each Command's line over a real SSH
 * connection (Debian's sshd, the connection's own host key, key, port and user; tests/helpers/remote-command.ts),
 * each `docker.Image` as a tag of an image built in this machine's real Docker engine. After every rollout the SDK
 * client reaches the user's stdio server through nginx over HTTPS (trusting the host's local CA), and that server
 * reads a note from the workspace volume, so the volume, the keys, the certificate and the CA are shown to survive.
 * Last, `pulumi destroy`'s planned deletes remove the project, and only then.
 *
 * What is emulated, and why: the Pulumi engine and the providers do not run here (no Pulumi CLI or plugins). The
 * model stands for the engine; OpenSSH stands for the provider's Go SSH client; a `docker tag` of a prebuilt image
 * stands for the docker provider's build (its `build.contextDigest`, which pulumi-docker's Check adds from a hash of
 * the build context, is the built image's id here). Host paths are moved under a scratch directory, inside every
 * base64 script too, so the test never writes /etc/mcp-anywhere on the machine running it (as tests/dockerhost/
 * ssh-host.test.ts does); ports 80 and 443, the compose project and the engine are the real ones.
 *
 * Needs root (owners, a second user), sshd, sudo, openssl, python3, docker-compose and a Docker engine; skips with a
 * line naming what is missing, and fails under CI=true (tests/helpers/programs.ts).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect } from "chai";
import { Agent, fetch as undiciFetch } from "undici";
import { PROJECT, relocate } from "../../components/dockerhost/host-files.js";
import { NGINX_IMAGE } from "../../components/ec2/host-files.js";
import { DEPLOY_DEFAULTS, EDGE_AND_APP_DEFAULTS } from "../../infra/core/defaults.js";
import { buildServerImage, docker, localImages, requireEngine } from "../helpers/docker-engine.js";
import {
  type ModelResource,
  PROVIDER_RULES,
  plan,
  planDestroy,
  type Step,
  synthesized,
} from "../helpers/engine-model.js";
import { requirePrograms, skipUnless } from "../helpers/programs.js";
import { type Connection, runRemote } from "../helpers/remote-command.js";
import { resourceOptions } from "../helpers/resource-options.js";
import { runStack } from "../helpers/run-stack.js";
import { newKey, recordOutput } from "../helpers/secrets.js";
import { type Sshd, startSshd } from "../helpers/sshd.js";

const T = {
  remote: "command:remote:Command",
  local: "command:local:Command",
  image: "docker:index/image:Image",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  provider: "pulumi:providers:docker",
} as const;
const DATA_DIR = DEPLOY_DEFAULTS.dockerhost.dataDir;
const VOLUME = `${PROJECT}_workspace`;
const B64 = /echo '([A-Za-z0-9+/=]+)' \| base64 -d/g;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("dockerhost: every later pulumi up keeps the service (planned steps over real SSH)", function () {
  this.timeout(1_800_000);
  const options = resourceOptions();
  const user2 = `mcpdeploy${randomBytes(3).toString("hex")}`;
  const note = `note-${randomBytes(6).toString("hex")}`;
  const alice = newKey();
  let sshd: Sshd | undefined;
  let scratch = "";
  let root = "";
  let ca = "";
  let state: ModelResource[] = [];
  let config: Record<string, string> = {};
  let digest = "";
  let userMade = false;

  /** A command line with every host path moved under the scratch root, inside nested base64 scripts too. */
  const relocateLine = (text: string): string =>
    relocate(
      text.replace(
        B64,
        (_, b: string) =>
          `echo '${Buffer.from(relocateLine(Buffer.from(b, "base64").toString("utf8"))).toString("base64")}' | base64 -d`,
      ),
      root,
      DATA_DIR,
    );

  const synthesize = async (): Promise<ModelResource[]> => {
    const run = await runStack("dev", config, {}, (m) => m.imageDigests.set("dev-server", digest));
    const resources = synthesized(run.mocks.resources, options, Object.values(T));
    const image = resources.find((r) => r.type === T.image);
    // pulumi-docker's Check adds build.contextDigest (a hash of the build context): here, the built image's id.
    (image?.inputs.build as Record<string, unknown>).contextDigest = digest;
    return resources;
  };

  /** Runs the planned steps as the providers would; a failed step fails the test with its output. */
  const execute = (steps: Step[]) => {
    for (const s of steps) {
      const i = s.inputs;
      if (s.type === T.remote) {
        const line = s.op === "delete" ? i.delete : (i.update ?? i.create);
        if (typeof line !== "string") continue;
        const r = runRemote(
          i.connection as Connection,
          relocateLine(line),
          s.op === "delete" ? "" : String(i.stdin ?? ""),
        );
        expect(r.status, `${s.op} ${s.name} failed:\n${r.stderr}\n${r.stdout}`).to.equal(0);
        if (s.name === "dev-tls") {
          if (ca === "") ca = r.stdout;
          expect(r.stdout, "the local CA is kept").to.equal(ca);
        }
      } else if (s.type === T.image && s.op !== "delete") {
        docker(["tag", String((i.build as Record<string, unknown>).contextDigest), String(i.imageName)]);
      } else if (s.type === T.remoteImage && s.op !== "delete") {
        expect(i.name).to.equal(NGINX_IMAGE);
        docker(["tag", localImages().nginx, NGINX_IMAGE]);
      } else if (s.type === T.local) {
        throw new Error(`unexpected local.Command ${s.name}`);
      }
    }
  };

  const composeLogs = (tail = "all") =>
    docker(["ps", "-aq", "--filter", `label=com.docker.compose.project=${PROJECT}`])
      .split("\n")
      .filter(Boolean)
      .map((id) => {
        const r = spawnSync("docker", ["logs", "--tail", tail, id], { encoding: "utf8" });
        return `${r.stdout}${r.stderr}`;
      })
      .join("\n");

  /** The SDK client through nginx at `address`: the user's server reads the note from the volume, with NOTE_TAG. */
  const serves = async (address: string, tag: string) => {
    const agent = new Agent({ connect: { ca } });
    const via = (url: string, init: RequestInit = {}) => undiciFetch(url, { ...(init as object), dispatcher: agent });
    const base = `https://${address}:443`;
    try {
      const t0 = Date.now();
      let up = false;
      while (!up && Date.now() - t0 < 120_000) {
        up = await via(`${base}${EDGE_AND_APP_DEFAULTS.healthPath}`).then(
          (r) => r.ok,
          () => false,
        );
        if (!up) await sleep(500);
      }
      expect(up, `no health through nginx at ${base} in 120 s:\n${composeLogs("40")}`).to.equal(true);
      const client = new Client({ name: "second-up", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${base}${EDGE_AND_APP_DEFAULTS.mcpPath}`), {
          requestInit: { headers: { "x-api-key": alice } },
          fetch: (url, init) => via(String(url), init as RequestInit) as unknown as Promise<Response>,
        }),
      );
      const res = await client.callTool({ name: "read_note", arguments: {} });
      expect(res.content).to.deep.equal([{ type: "text", text: `${note}|${tag}` }]);
      await client.close();
    } finally {
      await agent.close();
    }
  };

  /** One more `pulumi up`: synthesize, plan from the last state, check the plan is updates only, run it, serve. */
  const up = async (change: Record<string, string>, expectUpdated: string[], address: string, tag: string) => {
    config = { ...config, ...change };
    const next = await synthesize();
    const steps = plan(state, next, PROVIDER_RULES.command1x);
    expect(
      steps.filter((s) => s.op !== "update").map((s) => `${s.op} ${s.name}`),
      "a rollout plans updates only",
    ).to.deep.equal([]);
    expect(steps.map((s) => s.name)).to.include.members(expectUpdated);
    execute(steps);
    state = next;
    await serves(address, tag);
  };

  before(async function () {
    if (process.getuid?.() !== 0) {
      console.log(
        "      [skipped] dockerhost second pulumi up: the host scripts set owners and add a user; run as root",
      );
      this.skip();
    }
    requirePrograms(this, "sshd", "sudo", "openssl", "python3", "docker-compose");
    requireEngine(this, "dockerhost second pulumi up");
    const other = docker(["ps", "-q", "--filter", `label=com.docker.compose.project=${PROJECT}`]);
    skipUnless(this, other === "" ? undefined : `a compose project named ${PROJECT} already runs on this engine`);
    digest = docker(["image", "inspect", "-f", "{{.Id}}", buildServerImage("warm").tag]);
    docker(["tag", localImages().nginx, NGINX_IMAGE]);
    sshd = await startSshd({ addresses: ["127.0.0.1", "127.0.0.2"], ports: 2, clientKeys: 2 });
    scratch = mkdtempSync(join(tmpdir(), "mcp-second-up-"));
    root = join(scratch, "host");
    // A second SSH user with passwordless sudo (dockerhostSshUser other than root).
    // Password "*": no password login, but not locked (sshd without PAM refuses a locked account, "!", even by key).
    expect(spawnSync("useradd", ["-m", "-p", "*", "-s", "/bin/bash", user2]).status).to.equal(0);
    userMade = true;
    writeFileSync(`/etc/sudoers.d/${user2}`, `${user2} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
    // The user's server and its note, in the workspace volume the compose project mounts (labelled as compose would).
    const labels = [`com.docker.compose.project=${PROJECT}`, "com.docker.compose.volume=workspace"];
    docker(["volume", "create", ...labels.flatMap((l) => ["--label", l]), VOLUME]);
    copyFileSync(new URL("../fixtures/workspace-stdio-server.mjs", import.meta.url), join(scratch, "server.mjs"));
    writeFileSync(join(scratch, "note.txt"), `${note}\n`);
    docker([
      ...["run", "--rm", "--network", "none", "--user", "0", "--entrypoint", "sh"],
      ...["-v", `${VOLUME}:/w`, "-v", `${scratch}:/f:ro`, digest],
      ...["-c", "cp /f/server.mjs /f/note.txt /w/"],
    ]);
    config = {
      "mcp-anywhere:target": "dockerhost",
      "mcp-anywhere:dockerhostAddress": "127.0.0.1",
      "mcp-anywhere:dockerhostSshUser": sshd.user,
      "mcp-anywhere:dockerhostSshPort": String(sshd.ports[0]),
      "mcp-anywhere:dockerhostSshPrivateKey": sshd.privateKeys[0] as string,
      "mcp-anywhere:dockerhostKnownHosts": sshd.knownHostsLine,
      "mcp-anywhere:dockerhostKeySource": "config",
      "mcp-anywhere:dockerhostApiKeys": JSON.stringify([alice]),
      "mcp-anywhere:dockerhostTls": "localca",
      "mcp-anywhere:serverMode": "stdio",
      "mcp-anywhere:serverCommand": JSON.stringify(["node", "/workspace/server.mjs"]),
      "mcp-anywhere:serverWorkspace": "/workspace",
      "mcp-anywhere:serverEnv": JSON.stringify(["NOTE_TAG=v1"]),
    };
  });

  after(async () => {
    if (sshd) {
      recordOutput(composeLogs());
      // Whatever a failed test left: the planned destroy, then the volume if it is still there.
      if (state.length > 0) {
        for (const s of planDestroy(state)) {
          const line = s.inputs.delete;
          if (s.type === T.remote && typeof line === "string")
            runRemote(s.inputs.connection as Connection, relocateLine(line));
        }
      }
      spawnSync("docker", ["volume", "rm", "-f", VOLUME]);
      await sshd.stop();
    }
    if (userMade) {
      rmSync(`/etc/sudoers.d/${user2}`, { force: true });
      spawnSync("userdel", ["-r", user2]);
    }
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("the first pulumi up creates everything; the user's server answers from the workspace volume", async () => {
    state = await synthesize();
    const steps = plan([], state, PROVIDER_RULES.command1x);
    expect(new Set(steps.map((s) => s.op))).to.deep.equal(new Set(["create"]));
    execute(steps);
    await serves("127.0.0.1", "v1");
  });

  it("new server code: the image and the deploy are updated, compose recreates the server", async () => {
    const before = docker(["ps", "-q", "--filter", "label=com.docker.compose.service=mcp"]);
    const build = spawnSync("docker", ["build", "-t", "mcp-anywhere-test/server:second-up", "-"], {
      input: `FROM ${digest}\nLABEL org.opencontainers.image.revision=${randomBytes(4).toString("hex")}\n`,
      encoding: "utf8",
    });
    expect(build.status, build.stderr).to.equal(0);
    digest = docker(["image", "inspect", "-f", "{{.Id}}", "mcp-anywhere-test/server:second-up"]);
    await up({}, ["dev-server", "dev-deploy"], "127.0.0.1", "v1");
    expect(docker(["ps", "-q", "--filter", "label=com.docker.compose.service=mcp"])).not.to.equal(before);
  });

  it("a changed generated file (nginx.conf, from rateLimitRps): files and deploy are updated", async () => {
    await up({ "mcp-anywhere:rateLimitRps": "17" }, ["dev-files", "dev-deploy"], "127.0.0.1", "v1");
  });

  it("a changed secret (serverEnv): the secret compose file and the deploy are updated, the server sees it", async () => {
    await up(
      { "mcp-anywhere:serverEnv": JSON.stringify(["NOTE_TAG=v2"]) },
      ["dev-secrets", "dev-deploy"],
      "127.0.0.1",
      "v2",
    );
  });

  it("a new SSH key: every Command is updated over the new key; nothing is torn down", async () => {
    const all = [
      "dev-teardown",
      "dev-prepare",
      "dev-files",
      "dev-keys",
      "dev-secrets",
      "dev-tls",
      "dev-deploy",
      "dev-undeploy",
    ];
    await up({ "mcp-anywhere:dockerhostSshPrivateKey": sshd?.privateKeys[1] as string }, all, "127.0.0.1", "v2");
  });

  it("a new SSH port: every Command is updated; nothing is torn down", async () => {
    await up(
      { "mcp-anywhere:dockerhostSshPort": String(sshd?.ports[1]) },
      ["dev-prepare", "dev-deploy"],
      "127.0.0.1",
      "v2",
    );
  });

  it("a non-root SSH user with sudo: every Command is updated through sudo; nothing is torn down", async () => {
    await up({ "mcp-anywhere:dockerhostSshUser": user2 }, ["dev-prepare", "dev-deploy"], "127.0.0.1", "v2");
  });

  it("a new address: the certificate is re-issued by the same CA and served there", async () => {
    await up({ "mcp-anywhere:dockerhostAddress": "127.0.0.2" }, ["dev-tls", "dev-deploy"], "127.0.0.2", "v2");
  });

  it("pulumi destroy: the undeploy runs first and the teardown last; the project, its volume and files are gone", () => {
    const steps = planDestroy(state);
    const names = steps.map((s) => s.name);
    expect(names[0]).to.equal("dev-undeploy");
    expect(names.indexOf("dev-teardown")).to.be.greaterThan(names.indexOf("dev-prepare"));
    recordOutput(composeLogs()); // for the suite's check that no log line holds a key
    execute(steps);
    state = [];
    expect(docker(["ps", "-aq", "--filter", `label=com.docker.compose.project=${PROJECT}`])).to.equal("");
    expect(docker(["volume", "ls", "-q"]).split("\n")).not.to.include(VOLUME);
    expect(existsSync(join(root, "etc/mcp-anywhere"))).to.equal(false);
  });
});
