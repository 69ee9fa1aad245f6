/** MCP_API_KEYS_FILE: keys from a file, re-read within a second when it changes (atomic rename included). */
import { mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parseKeyFile } from "../../server/keys/sources.js";
import { logLines, newKey } from "../helpers/secrets.js";
import { INITIALIZE, mcpHeaders, startTestServer, type TestServer } from "../helpers/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("MCP_API_KEYS_FILE", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "mcp-keyfile-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("parses one key per line, commas too, skipping comments and blanks", () => {
    expect(parseKeyFile("# keys\nk1\n\n k2 , k3 # trailing\n#k4\n")).to.deep.equal(["k1", "k2", "k3"]);
  });

  it("serves the file's keys, and picks up an atomically replaced file within a second, without a restart", async () => {
    const file = join(dir, "keys");
    const [oldKey, newer] = [newKey(), newKey()];
    writeFileSync(file, `${oldKey}\n`);
    const srv: TestServer = await startTestServer({ MCP_API_KEYS_FILE: file });
    const status = async (key: string) => {
      const res = await fetch(srv.url, { method: "POST", headers: mcpHeaders(key), body: JSON.stringify(INITIALIZE) });
      await res.arrayBuffer();
      return res.status;
    };
    try {
      expect(await status(oldKey)).to.equal(200);
      expect(await status(newer)).to.equal(401);
      writeFileSync(join(dir, "keys.tmp"), `# rotated\n${newer}\n`);
      renameSync(join(dir, "keys.tmp"), file);
      await sleep(1100);
      expect(await status(newer)).to.equal(200);
      expect(await status(oldKey)).to.equal(401);
    } finally {
      await srv.close();
    }
  });

  it("keeps the last keys when the file disappears, and fails closed when it never held a key", async () => {
    const file = join(dir, "keys2");
    const key = newKey();
    writeFileSync(file, key);
    const srv = await startTestServer({ MCP_API_KEYS_FILE: file });
    try {
      // Make sure the first load happened before the file goes away.
      const first = await fetch(srv.url, {
        method: "POST",
        headers: mcpHeaders(key),
        body: JSON.stringify(INITIALIZE),
      });
      expect(first.status).to.equal(200);
      await first.arrayBuffer();
      rmSync(file);
      await sleep(1100);
      const res = await fetch(srv.url, { method: "POST", headers: mcpHeaders(key), body: JSON.stringify(INITIALIZE) });
      expect(res.status, "last good keys keep serving").to.equal(200);
    } finally {
      await srv.close();
    }
    writeFileSync(join(dir, "empty"), "# nothing here\n");
    const empty = await startTestServer({ MCP_API_KEYS_FILE: join(dir, "empty") });
    try {
      const res = await fetch(empty.url, {
        method: "POST",
        headers: mcpHeaders(newKey()),
        body: JSON.stringify(INITIALIZE),
      });
      expect(res.status).to.equal(503);
    } finally {
      await empty.close();
    }
  });

  describe("hostile-input review: faults", () => {
    const post = async (srv: TestServer, key: string) => {
      const res = await fetch(srv.url, { method: "POST", headers: mcpHeaders(key), body: JSON.stringify(INITIALIZE) });
      await res.arrayBuffer();
      return res.status;
    };
    const health = async (srv: TestServer) =>
      ((await (await fetch(`${srv.base}/health`)).json()) as { keys: string }).keys;

    it("L3: notices an in-place rewrite with the same size and a preserved mtime within about a second", async () => {
      const file = join(dir, "same-size");
      const [oldKey, newer] = [newKey(), newKey()];
      expect(oldKey.length).to.equal(newer.length);
      writeFileSync(file, `${oldKey}\n`);
      const srv = await startTestServer({ MCP_API_KEYS_FILE: file });
      try {
        expect(await post(srv, oldKey)).to.equal(200);
        const { atime, mtime } = statSync(file);
        writeFileSync(file, `${newer}\n`); // same inode, same size
        utimesSync(file, atime, mtime); // as `cp -p` or `touch -r` would
        await sleep(1100);
        expect(await post(srv, newer)).to.equal(200);
        expect(await post(srv, oldKey)).to.equal(401);
      } finally {
        await srv.close();
      }
    });

    it("L3: emptying the file revokes its keys; deleting it keeps them with a warning", async () => {
      const file = join(dir, "revoke");
      const key = newKey();
      writeFileSync(file, `${key}\n`);
      const srv = await startTestServer({ MCP_API_KEYS_FILE: file });
      try {
        expect(await post(srv, key)).to.equal(200);
        rmSync(file);
        await sleep(1100);
        expect(await post(srv, key), "a missing file is an outage: last keys kept").to.equal(200);
        await sleep(50);
        expect(logLines.some((l) => l.includes("ENOENT") && l.includes('"level":"warn"'))).to.equal(true);
        writeFileSync(file, "# all keys revoked\n");
        await sleep(1100);
        expect(await post(srv, key), "an emptied file revokes").to.equal(503);
        expect(await health(srv)).to.equal("unavailable");
        expect(logLines.some((l) => l.includes("its keys are revoked"))).to.equal(true);
      } finally {
        await srv.close();
      }
    });

    it("L3: picks up a file recreated after a failed read within about a second, not after the retry delay", async () => {
      const file = join(dir, "recreated");
      const [first, second] = [newKey(), newKey()];
      writeFileSync(file, first);
      const srv = await startTestServer({ MCP_API_KEYS_FILE: file });
      try {
        expect(await post(srv, first)).to.equal(200);
        rmSync(file);
        await sleep(1100);
        await post(srv, first); // the failed read happens here
        await sleep(100);
        writeFileSync(file, second);
        await sleep(1100);
        expect(await post(srv, second)).to.equal(200);
      } finally {
        await srv.close();
      }
    });

    it("M1: an MCP_API_KEYS key works when the key file is missing at start", async () => {
      const staticKey = newKey();
      const srv = await startTestServer({ MCP_API_KEYS: staticKey, MCP_API_KEYS_FILE: join(dir, "no-dir", "keys") });
      try {
        expect(await post(srv, staticKey)).to.equal(200);
        expect(await health(srv)).to.equal("stale");
      } finally {
        await srv.close();
      }
    });
  });
});
