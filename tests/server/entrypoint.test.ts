/** The real entry point as a process: `npm start` in dev mode, key hygiene, a refused start, and SIGTERM. */
import { expect } from "chai";
import { API_KEY_ENV } from "../../infra/core/client-configs.js";
import { connectClient } from "../helpers/client.js";
import { spawnProcess } from "../helpers/process.js";
import { newKey, secrets } from "../helpers/secrets.js";

const ENTRY = ["--import", "tsx", "server/main.ts"];

describe("entry point", function () {
  this.timeout(60_000);

  it("`npm start` prints a URL, a generated key and Kiro and Cline configs that a real client can use", async () => {
    const p = spawnProcess("npm", ["start", "--silent"], { ...process.env, PORT: "0" });
    try {
      const [, url] = await p.waitFor(/running \(development mode\): (http:\/\/127\.0\.0\.1:\d+\/mcp)/);
      const [, key] = await p.waitFor(/generated, printed once\): ([0-9a-f]{40})/);
      if (!url || !key) throw new Error("no url or key printed");
      secrets.add(key);
      await p.waitFor(/Cline \(cline_mcp_settings\.json\):\n(\{[\s\S]*?\n\})/);
      const cline = JSON.parse(p.output().match(/Cline \(cline_mcp_settings\.json\):\n(\{[\s\S]*?\n\})/)?.[1] ?? "");
      expect(cline.mcpServers["mcp-anywhere"]).to.deep.equal({
        type: "streamableHttp",
        url,
        headers: { "x-api-key": key },
      });
      const kiro = JSON.parse(p.output().match(/Kiro \(\.kiro\/settings\/mcp\.json\):\n(\{[\s\S]*?\n\})/)?.[1] ?? "");
      expect(kiro.mcpServers["mcp-anywhere"]).to.deep.equal({ url, headers: { "x-api-key": key } });

      const client = await connectClient(url, { "x-api-key": key });
      const res = await client.callTool({ name: "echo", arguments: { text: "npm start works" } });
      expect(res.structuredContent).to.deep.equal({ text: "npm start works" });
      await client.close();
      expect(
        p
          .output()
          .split("\n")
          .filter((l) => l.includes(key)),
      ).to.have.length(4, "key line, Kiro, Cline and the Inspector command only");
    } finally {
      p.signal("SIGTERM");
      await p.exited;
    }
  });

  it("never prints a key that came from the environment, even in dev mode", async () => {
    const key = newKey();
    const p = spawnProcess(process.execPath, ENTRY, { ...process.env, PORT: "0", MCP_DEV: "1", MCP_API_KEYS: key });
    try {
      await p.waitFor(/Try it: .*\n/);
      expect(p.output()).to.include("from your configuration (not printed)");
      expect(p.output()).to.include(`"x-api-key": "\${${API_KEY_ENV}}"`);
      expect(p.output()).not.to.include(key);
    } finally {
      p.signal("SIGTERM");
      await p.exited;
    }
  });

  it("refuses to start with no key source, exiting 1 with a message naming both variables", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0" };
    delete env.MCP_API_KEYS;
    delete env.MCP_API_KEYS_SSM_PARAMETERS;
    delete env.MCP_DEV;
    const p = spawnProcess(process.execPath, ENTRY, env);
    expect(await p.exited).to.equal(1);
    expect(p.output()).to.match(
      /No API key source: set MCP_API_KEYS .*MCP_API_KEYS_SSM_PARAMETERS .* or MCP_API_KEYS_FILE/,
    );
    expect(p.output()).not.to.match(/\n\s+at /, "no stack trace");
  });

  it("exits 0 on SIGTERM after draining, logging the shutdown", async () => {
    const p = spawnProcess(process.execPath, ENTRY, { ...process.env, PORT: "0", MCP_API_KEYS: newKey() });
    await p.waitFor(/"msg":"listening"/);
    p.signal("SIGTERM");
    expect(await p.exited).to.equal(0);
    expect(p.output()).to.include('"msg":"shutting down: draining in-flight requests"');
    expect(p.output()).to.include('"msg":"stopped"');
  });
});
