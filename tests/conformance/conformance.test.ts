/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned in package.json; README:
 * https://github.com/modelcontextprotocol/conformance#readme) against the real server, in both protocol eras:
 * `--spec-version 2026-07-28` (stateless, per-request `_meta`, `server/discover`) and `--spec-version 2025-11-25`
 * (initialize, then calls, served by the SDK's stateless legacy path). `--suite all` runs every server scenario of
 * that revision, the draft and pending ones included; the suite's extensions (tasks, skills) are not selected by a
 * dated `--spec-version`, and this server implements neither.
 *
 * The suite cannot send headers, so it talks to a loopback proxy (./key-proxy.ts) that adds the API key and passes
 * everything else through. The server allows the proxy's own origin (`MCP_ALLOWED_ORIGINS`) and loopback hosts
 * (`MCP_ALLOWED_HOSTS`), as a deployment would list its own, so the DNS-rebinding scenario tests both a valid and an
 * invalid Host/Origin; with no list configured the server refuses every browser Origin, the localhost one included.
 *
 * Run twice, on a server in the default response mode and on one with `MCP_JSON_RESPONSE=true` (Lambda without
 * response streaming), since the 2026-07-28 leg answers differently in each.
 *
 * Expected failures (./expected-failures-<era>.yaml): one entry per check, each needing a fixture tool, resource,
 * prompt or capability of the suite's "everything server" that this server does not have, with the reason. The suite
 * exits 1 on a failure not listed and on a listed check that passes (stale entry); this test fails on either, prints
 * the suite's verdict, and also checks that every listed check was actually emitted (the suite tolerates absent ones)
 * and that the scenarios this server must pass ran and passed checks. Network: none (loopback only).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { ROOT } from "../helpers/process.js";
import { newKey, recordOutput } from "../helpers/secrets.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type KeyProxy, startKeyProxy } from "./key-proxy.js";

const CLI = join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");
const KEY = newKey();

/** Scenarios that exercise what this server has; each must run and pass at least `min` checks. */
const MUST_PASS: Record<string, Record<string, number>> = {
  "2026-07-28": {
    "server-stateless": 20,
    "tools-list": 1,
    "resources-list": 1,
    "sep-2164-resource-not-found": 1,
    caching: 5,
    "http-header-validation": 10,
    "dns-rebinding-protection": 2,
    "server-sse-multiple-streams": 1,
    "input-required-result-unsupported-methods": 1,
    "input-required-result-validate-input": 1,
  },
  "2025-11-25": {
    "server-initialize": 1,
    ping: 1,
    "tools-list": 1,
    "resources-list": 1,
    "dns-rebinding-protection": 2,
  },
};

interface Check {
  id: string;
  status: string;
}

interface SuiteRun {
  code: number | null;
  output: string;
  /** scenario name -> its checks, from the suite's results directory. */
  checks: Map<string, Check[]>;
}

/** Runs `conformance server` for one revision against `url`, results in a temporary directory. */
async function runSuite(url: string, revision: string): Promise<SuiteRun> {
  const outDir = mkdtempSync(join(tmpdir(), `mcp-conformance-${revision}-`));
  const baseline = join(ROOT, `tests/conformance/expected-failures-${revision}.yaml`);
  const args = [CLI, "server", "--url", url, "--suite", "all", "--spec-version", revision];
  args.push("--expected-failures", baseline, "--output-dir", outDir, "--timeout", "10000");
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  recordOutput(output);
  const checks = new Map<string, Check[]>();
  for (const dir of readdirSync(outDir)) {
    // server-<scenario>-<ISO timestamp with - for : and .>
    const scenario = dir.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT[\d-]+Z$/, "");
    const file = join(outDir, dir, "checks.json");
    if (existsSync(file)) checks.set(scenario, JSON.parse(readFileSync(file, "utf8")) as Check[]);
  }
  rmSync(outDir, { recursive: true, force: true });
  return { code, output, checks };
}

/**
 * The suite's own verdict, short: its summary and baseline evaluation without the passing scenarios (`✓`) and the
 * expected failures (`~`), so what is left names the unexpected failures and stale entries.
 */
function verdict(output: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const at = plain.indexOf("=== SUMMARY ===");
  if (at < 0) return plain.slice(-4000);
  return plain
    .slice(at)
    .split("\n")
    .filter((line) => !/^\s*[✓~]/.test(line))
    .join("\n");
}

/** One server behind its own key proxy; `jsonResponse` sets MCP_JSON_RESPONSE (what Lambda without streaming runs). */
async function startTarget(jsonResponse: boolean): Promise<{ server: TestServer; proxy: KeyProxy }> {
  const proxy = await startKeyProxy(KEY);
  const server = await startTestServer({
    MCP_API_KEYS: KEY,
    // The suite sends a few hundred requests in a second or two; the per-key limit is not under test here.
    MCP_RATE_LIMIT_RPS: "10000",
    MCP_RATE_LIMIT_BURST: "100000",
    MCP_ALLOWED_ORIGINS: proxy.base,
    MCP_ALLOWED_HOSTS: "127.0.0.1,localhost",
    MCP_JSON_RESPONSE: String(jsonResponse),
  });
  proxy.setTarget(server.base);
  return { server, proxy };
}

for (const jsonResponse of [false, true]) {
  describe(`conformance: the official MCP suite against the real server, both eras (MCP_JSON_RESPONSE=${jsonResponse})`, function () {
    this.timeout(60_000);
    let target: { server: TestServer; proxy: KeyProxy } | undefined;

    before(async () => {
      target = await startTarget(jsonResponse);
    });

    after(async () => {
      await target?.proxy.close();
      await target?.server.close();
    });

    for (const revision of ["2026-07-28", "2025-11-25"]) {
      it(`--spec-version ${revision}: every scenario passes, except the listed checks that need fixtures this server does not have`, async () => {
        const run = await runSuite(`${target?.proxy.base}/mcp`, revision);
        expect(run.code, `conformance suite at ${revision}:\n${verdict(run.output)}`).to.equal(0);

        for (const [scenario, min] of Object.entries(MUST_PASS[revision] ?? {})) {
          const checks = run.checks.get(scenario);
          expect(checks, `scenario ${scenario} did not run at ${revision}`).to.not.equal(undefined);
          const passed = (checks ?? []).filter((c) => c.status === "SUCCESS").length;
          expect(passed, `${scenario} at ${revision}: passed checks`).to.be.at.least(min);
        }

        const baseline = parse(
          readFileSync(join(ROOT, `tests/conformance/expected-failures-${revision}.yaml`), "utf8"),
        ) as { server: string[] };
        for (const entry of baseline.server) {
          const [scenario, checkId] = entry.split(":");
          const emitted = run.checks.get(scenario ?? "")?.find((c) => c.id === checkId);
          expect(emitted?.status, `baseline entry ${entry} at ${revision}: the check was not emitted`).to.be.oneOf([
            "FAILURE",
            "WARNING",
          ]);
        }
      });
    }
  });
}
