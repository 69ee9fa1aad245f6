/**
 * `npm run connect` on a newcomer's path (review findings F5 and F12): workspace files go into the user's project
 * (INIT_CWD or --project), never into this checkout; a file with an embedded key is kept out of git; and each client's
 * key reference behaves as the README says (Kiro's unapproved variable, Claude Code's quoting, Cline's --api-key).
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { API_KEY_ENV, type PathEnv } from "../../infra/core/client-configs.js";
import { type ConnectIo, connect } from "../../stacks/cli/connect-cli.js";
import { newKey } from "../helpers/secrets.js";
import { startTestServer } from "../helpers/server.js";

const URL_ = "https://abc.execute-api.ap-northeast-1.amazonaws.com/v1/mcp";
const CHECKOUT = new URL("../..", import.meta.url).pathname;
const REFERENCE = `\${${API_KEY_ENV}}`;

async function run(args: string[], pathEnv: PathEnv, extra: Partial<ConnectIo> = {}) {
  let out = "";
  let err = "";
  await connect(args, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    pathEnv,
    ...extra,
  });
  return { out, err };
}
const failure = (p: Promise<unknown>) =>
  p.then(
    () => "",
    (e: Error) => e.message,
  );

describe("npm run connect: the user's project, and each client's key reference", function () {
  this.timeout(120_000);
  let dir: string;
  let env: PathEnv;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mcp-connect-project-"));
    env = { platform: "linux", home: join(dir, "home"), cwd: join(dir, "project") };
    mkdirSync(env.cwd, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("npm run connect -- --write, started in the user's project, writes there (INIT_CWD), not into the checkout", async () => {
    const inCheckout = join(CHECKOUT, ".kiro", "settings", "mcp.json");
    const before = existsSync(inCheckout) ? statSync(inCheckout).mtimeMs : undefined;
    const { stderr } = await promisify(execFile)(
      "npm",
      ["--prefix", CHECKOUT, "run", "connect", "--", "--client", "kiro", "--url", URL_, "--write"],
      { cwd: env.cwd, env: { ...process.env, HOME: env.home }, timeout: 60_000 },
    );
    const written = join(env.cwd, ".kiro", "settings", "mcp.json");
    expect(stderr).to.include(`wrote mcp-anywhere to ${written}`);
    expect(JSON.parse(readFileSync(written, "utf8")).mcpServers["mcp-anywhere"].url).to.equal(URL_);
    const after = existsSync(inCheckout) ? statSync(inCheckout).mtimeMs : undefined;
    expect(after, "the checkout's .kiro/settings/mcp.json is untouched").to.equal(before);
  });

  it("refuses to write workspace files into the checkout itself, naming --project; --project DIR writes there", async () => {
    const message = await failure(
      run(["--client", "vscode", "--url", URL_, "--write"], { ...env, cwd: CHECKOUT }, { checkout: CHECKOUT }),
    );
    expect(message).to.match(/this is the mcp-anywhere checkout .* pass --project DIR/);
    expect(existsSync(join(CHECKOUT, ".vscode", "mcp.json"))).to.equal(false);

    const other = join(dir, "elsewhere");
    const { err } = await run(
      ["--client", "vscode", "--url", URL_, "--write", "--project", other],
      { ...env, cwd: CHECKOUT },
      { checkout: CHECKOUT },
    );
    expect(err).to.include(`wrote mcp-anywhere to ${join(other, ".vscode", "mcp.json")}`);
  });

  it("an embedded key in a workspace file inside a git work tree is added (with its .bak) to that tree's .gitignore, once", async () => {
    mkdirSync(join(env.cwd, ".git"));
    writeFileSync(join(env.cwd, ".gitignore"), "node_modules");
    const key = newKey();
    const args = ["--client", "claude-code", "--url", URL_, "--write", "--embed-key", "--api-key", key];
    const first = await run(args, env);
    expect(first.err).to.match(/added \/\.mcp\.json, \/\.mcp\.json\.bak to .*\.gitignore: the file holds the key/);
    await run([...args, "--force"], env);
    const lines = readFileSync(join(env.cwd, ".gitignore"), "utf8").split("\n");
    expect(lines.slice(0, 1)).to.deep.equal(["node_modules"]);
    expect(lines.filter((l) => l === "/.mcp.json")).to.have.length(1);
    expect(lines.filter((l) => l === "/.mcp.json.bak")).to.have.length(1);
  });

  it("the same file without a key (a reference only) leaves .gitignore alone", async () => {
    mkdirSync(join(env.cwd, ".git"));
    await run(["--client", "claude-code", "--url", URL_, "--write"], env);
    expect(existsSync(join(env.cwd, ".gitignore"))).to.equal(false);
  });

  it("Kiro: says how the variable gets approved; unexpanded, the real server's 401 names it; expanded, it works", async () => {
    const key = newKey();
    const srv = await startTestServer({ MCP_API_KEYS: key });
    try {
      const { out, err } = await run(["--client", "kiro", "--url", srv.url], env);
      expect(err).to.match(/Kiro expands .* only if the variable is set where Kiro starts and approved in Kiro/);
      const header = JSON.parse(out).mcpServers["mcp-anywhere"].headers["x-api-key"] as string;
      expect(header).to.equal(REFERENCE);
      const post = (value: string) =>
        fetch(srv.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-protocol-version": "2025-11-25",
            "x-api-key": value,
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });
      // Not approved: Kiro sends the text as written (kiro.dev/docs/mcp/security, "Approved environment variables").
      const refused = await post(header);
      expect(refused.status).to.equal(401);
      expect(((await refused.json()) as { error: { message: string } }).error.message).to.include(
        `unexpanded placeholder ${REFERENCE}`,
      );
      // Approved and set: Kiro substitutes the value.
      const accepted = await post(header.replace(REFERENCE, key));
      expect(accepted.status).to.equal(200);
    } finally {
      await srv.close();
    }
  });

  it("Claude Code: the printed command, run by a real shell with the variable unset, passes the reference literally", async () => {
    const { out, err } = await run(["--client", "claude-code", "--url", URL_], env);
    expect(err).to.match(/single quotes keep your shell from expanding/);
    // `claude` replaced by a shell function printing its arguments, one a line.
    const shell = spawnSync("sh", ["-c", `claude() { printf '%s\\n' "$@"; }\n${out}`], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(shell.status, shell.stderr).to.equal(0);
    expect(shell.stdout.trimEnd().split("\n")).to.deep.equal([
      "mcp",
      "add",
      "--transport",
      "http",
      "--scope",
      "project",
      "mcp-anywhere",
      URL_,
      "--header",
      `x-api-key: ${REFERENCE}`,
    ]);
    const embedded = await run(
      ["--client", "claude-code", "--url", URL_, "--embed-key", "--api-key", "k'ey$HOME"],
      env,
    );
    const args = spawnSync("sh", ["-c", `claude() { printf '%s\\n' "$@"; }\n${embedded.out}`], { encoding: "utf8" });
    expect(args.stdout).to.include("--scope\nlocal\n");
    expect(args.stdout).to.include("x-api-key: k'ey$HOME\n");
  });

  it("Cline: --api-key without --embed-key is refused, saying to add it; with --embed-key the key is in the file", async () => {
    const key = newKey();
    expect(await failure(run(["--client", "cline", "--url", URL_, "--api-key", key], env))).to.match(
      /--api-key only goes with --embed-key .* cline expands no variables, so add --embed-key/,
    );
    expect(await failure(run(["--client", "kiro", "--url", URL_, "--api-key", key], env))).to.match(
      /--api-key only goes with --embed-key .* references \$MCP_ANYWHERE_API_KEY/,
    );
    const { out } = await run(["--client", "cline", "--url", URL_, "--api-key", key, "--embed-key"], env);
    expect(JSON.parse(out).mcpServers["mcp-anywhere"].headers["x-api-key"]).to.equal(key);
  });

  it("--embed-key takes the key from $MCP_ANYWHERE_API_KEY (no --api-key on the command line)", async () => {
    const key = newKey();
    const { out } = await run(["--client", "cursor", "--url", URL_, "--embed-key"], env, {
      deps: { env: { [API_KEY_ENV]: key } },
    });
    expect(JSON.parse(out).mcpServers["mcp-anywhere"].headers["x-api-key"]).to.equal(key);
  });
});
