/** `npm run connect`: each client's documented shape, and --write against temporary home and workspace directories. */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { z } from "zod";
import type { PathEnv } from "../../infra/core/client-configs.js";
import { connect } from "../../stacks/cli/connect-cli.js";
import { node22 } from "../helpers/node22.js";
import { newKey } from "../helpers/secrets.js";
import { startTestServer } from "../helpers/server.js";

const URL_ = "https://abc.execute-api.ap-northeast-1.amazonaws.com/v1/mcp";
const header = (value: string) => z.object({ "x-api-key": z.literal(value) }).strict();
const entry = (shape: z.ZodRawShape) => z.object({ "mcp-anywhere": z.object(shape).strict() }).strict();

/** The documented shapes (issue 8), one schema per client. */
const SCHEMAS = {
  kiro: z.object({ mcpServers: entry({ url: z.literal(URL_), headers: header(`\${MCP_ANYWHERE_API_KEY}`) }) }).strict(),
  cline: z
    .object({
      mcpServers: entry({
        type: z.literal("streamableHttp"),
        url: z.literal(URL_),
        headers: header("REPLACE_WITH_YOUR_API_KEY"),
      }),
    })
    .strict(),
  vscode: z
    .object({
      inputs: z.tuple([
        z
          .object({
            type: z.literal("promptString"),
            id: z.literal("mcp-anywhere-key"),
            description: z.string(),
            password: z.literal(true),
          })
          .strict(),
      ]),
      servers: entry({ type: z.literal("http"), url: z.literal(URL_), headers: header(`\${input:mcp-anywhere-key}`) }),
    })
    .strict(),
  cursor: z
    .object({ mcpServers: entry({ url: z.literal(URL_), headers: header(`\${env:MCP_ANYWHERE_API_KEY}`) }) })
    .strict(),
};

async function run(args: string[], pathEnv: PathEnv) {
  let out = "";
  let err = "";
  const io = {
    out: (t: string) => {
      out += t;
    },
    err: (t: string) => {
      err += t;
    },
    pathEnv,
  };
  await connect(args, io);
  return { out, err };
}

describe("npm run connect", function () {
  this.timeout(120_000);
  let dir: string;
  let env: PathEnv;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mcp-connect-"));
    env = { platform: "linux", home: join(dir, "home"), cwd: join(dir, "work") };
    mkdirSync(env.cwd, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [client, schema] of Object.entries(SCHEMAS)) {
    it(`--print gives ${client}'s documented shape, with the key referenced, not embedded`, async () => {
      const { out } = await run(["--client", client, "--url", URL_, "--print"], env);
      const parsed = schema.safeParse(JSON.parse(out));
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).to.equal(true);
    });
  }

  it("--print for claude-code is the `claude mcp add` command line, project scope, header single-quoted", async () => {
    const { out } = await run(["--client", "claude-code", "--url", URL_], env);
    expect(out).to.equal(
      `claude mcp add --transport http --scope project mcp-anywhere '${URL_}' --header 'x-api-key: \${MCP_ANYWHERE_API_KEY}'\n`,
    );
  });

  it("--write merges into an existing file, keeping other servers and top-level keys, and makes a backup", async () => {
    const path = join(env.cwd, ".kiro", "settings", "mcp.json");
    mkdirSync(join(env.cwd, ".kiro", "settings"), { recursive: true });
    const before = JSON.stringify(
      { mcpServers: { other: { command: "uvx", args: ["x"] } }, powers: { enabled: true } },
      null,
      2,
    );
    writeFileSync(path, before);
    const { err } = await run(["--client", "kiro", "--url", URL_, "--write"], env);
    const after = JSON.parse(readFileSync(path, "utf8"));
    expect(after.mcpServers.other).to.deep.equal({ command: "uvx", args: ["x"] });
    expect(after.powers).to.deep.equal({ enabled: true });
    expect(after.mcpServers["mcp-anywhere"].url).to.equal(URL_);
    expect(readFileSync(`${path}.bak`, "utf8")).to.equal(before);
    expect(err).to.include(`wrote mcp-anywhere to ${path}`);
  });

  it("--write refuses to replace a same-named entry without --force, and replaces it with --force", async () => {
    await run(["--client", "cursor", "--url", URL_, "--write"], env);
    const path = join(env.home, ".cursor", "mcp.json");
    const first = readFileSync(path, "utf8");
    const refused = await run(["--client", "cursor", "--url", "https://other.example/mcp", "--write"], env).then(
      () => "",
      (e: Error) => e.message,
    );
    expect(refused).to.match(/left untouched: it already has a server named "mcp-anywhere"; pass --force/);
    expect(readFileSync(path, "utf8")).to.equal(first);
    await run(["--client", "cursor", "--url", "https://other.example/mcp", "--write", "--force"], env);
    expect(JSON.parse(readFileSync(path, "utf8")).mcpServers["mcp-anywhere"].url).to.equal("https://other.example/mcp");
  });

  it("--write leaves a file that is not valid JSON untouched, and says why", async () => {
    const path = join(env.cwd, ".mcp.json");
    writeFileSync(path, '{ "mcpServers": { oops ');
    const message = await run(["--client", "claude-code", "--write"], env).then(
      () => "",
      (e: Error) => e.message,
    );
    expect(message).to.match(/\.mcp\.json left untouched: not valid JSON/);
    expect(readFileSync(path, "utf8")).to.equal('{ "mcpServers": { oops ');
  });

  it("--write keeps comments in VS Code's JSONC file, and adds the password input once", async () => {
    const path = join(env.cwd, ".vscode", "mcp.json");
    mkdirSync(join(env.cwd, ".vscode"));
    writeFileSync(path, '{\n  // my servers\n  "servers": {}\n}\n');
    await run(["--client", "vscode", "--url", URL_, "--write"], env);
    await run(["--client", "vscode", "--url", URL_, "--write", "--force"], env);
    const text = readFileSync(path, "utf8");
    expect(text).to.include("// my servers");
    expect(text.match(/"promptString"/g)).to.have.length(1);
  });

  it("--write creates missing directories, and --embed-key writes a 0600 file with a warning", async () => {
    const key = newKey();
    const { err } = await run(["--client", "cursor", "--url", URL_, "--write", "--embed-key", "--api-key", key], env);
    const path = join(env.home, ".cursor", "mcp.json");
    expect(JSON.parse(readFileSync(path, "utf8")).mcpServers["mcp-anywhere"].headers["x-api-key"]).to.equal(key);
    expect(statSync(path).mode & 0o777).to.equal(0o600);
    expect(err).to.include("warning: --embed-key put the API key in this config");
  });

  it("rejects bad flags, naming them", async () => {
    const fail = (args: string[]) =>
      run(args, env).then(
        () => "",
        (e: Error) => e.message,
      );
    expect(await fail(["--client", "zed"])).to.match(
      /--client "zed" is invalid; allowed: kiro, cline, vscode, claude-code, cursor/,
    );
    expect(await fail(["--client", "cline", "--write", "--scope", "workspace"])).to.match(
      /--scope workspace is not available for cline/,
    );
    expect(await fail(["--client", "kiro", "--embed-key"])).to.match(/--embed-key needs --api-key/);
    expect(await fail(["--client", "kiro", "--stack", "dev"])).to.match(
      /--stack needs the Pulumi CLI|pulumi stack output failed/,
    );
  });

  it("writes a config a real client reads: the MCP Inspector lists the tools from the claude-code file", async () => {
    const key = newKey();
    const srv = await startTestServer({ MCP_API_KEYS: key });
    try {
      await run(["--client", "claude-code", "--url", srv.url, "--write", "--embed-key", "--api-key", key], env);
      const inspector = new URL(
        "../../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js",
        import.meta.url,
      ).pathname;
      const { stdout } = await promisify(execFile)(
        node22(),
        [
          inspector,
          "--cli",
          "--config",
          join(env.cwd, ".mcp.json"),
          "--server",
          "mcp-anywhere",
          "--method",
          "tools/list",
        ],
        { env: { ...process.env, HOME: env.home, MCP_INSPECTOR_SECRET_STORE: "memory" }, timeout: 60_000 },
      );
      expect((JSON.parse(stdout) as { tools: { name: string }[] }).tools.map((t) => t.name)).to.include("echo");
    } finally {
      await srv.close();
    }
  });
});
