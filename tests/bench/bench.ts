/**
 * `npm run bench`: throughput, latency, memory and cold start of the bundled server (dist/server.mjs), next to a bare
 * node:http JSON endpoint on the same machine. A script, not a test: it prints numbers and asserts nothing.
 *
 * Runtime: Node 22 (what the image ships), fetched by tests/helpers/node22.ts when this Node is older.
 * Load: autocannon, 10 connections, BENCH_SECONDS (default 10) s of POST /mcp tools/call echo, SSE responses (the
 * default mode), rate limits raised out of the way. Cold start: ms from spawn to the first 200 on /health, median of
 * 5. RSS: after start (idle) and after the load, from /proc (Linux) or process.memoryUsage of the child.
 */
import { type ChildProcess, execSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { node22 } from "../helpers/node22.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const KEY = "bench0123456789abcdef0123456789ab";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ECHO = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: "echo", arguments: { text: "hello" } },
});

const BARE = `
const http = require("node:http");
http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const msg = JSON.parse(body);
    const out = JSON.stringify({ jsonrpc: "2.0", id: msg.id, result: { content: [{ type: "text", text: msg.params.arguments.text }] } });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(out);
  });
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

const NODE = node22();

function start(args: string[], port: number, env: Record<string, string> = {}): ChildProcess {
  return spawn(NODE, args, {
    env: { PATH: process.env.PATH, PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: "ignore",
  });
}

async function waitHealthy(url: string, timeoutMs = 10_000): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    await sleep(2);
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms`);
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function load(url: string, headers: Record<string, string>) {
  const r = await autocannon({ url, method: "POST", headers, body: ECHO, connections: CONNECTIONS, duration: SECONDS });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

const SERVER_ENV = {
  MCP_API_KEYS: KEY,
  MCP_RATE_LIMIT_RPS: "100000",
  MCP_RATE_LIMIT_BURST: "1000000",
  MCP_TARGET: "local",
};
const MCP_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "x-api-key": KEY,
  "mcp-protocol-version": "2025-11-25",
};

execSync("npm run build --silent", { stdio: "inherit" });
const nodeVersion = execSync(`"${NODE}" --version`, { encoding: "utf8" }).trim();
console.log(
  `server on node ${nodeVersion} (load generator on ${process.version}), ${CONNECTIONS} connections, ${SECONDS} s per run`,
);
console.log("cold start with a compile cache warmed as the Dockerfile does (NODE_COMPILE_CACHE)\n");
const cacheDir = mkdtempSync(join(tmpdir(), "mcp-bench-cache-"));
execSync(`"${NODE}" dist/server.mjs --warm-compile-cache`, { env: { ...process.env, NODE_COMPILE_CACHE: cacheDir } });

// Cold start: spawn to first 200 on /health, 5 runs.
const colds: number[] = [];
for (let i = 0; i < 5; i++) {
  const port = 19100 + i;
  const t0 = performance.now();
  const child = start(["dist/server.mjs"], port, { ...SERVER_ENV, NODE_COMPILE_CACHE: cacheDir });
  await waitHealthy(`http://127.0.0.1:${port}/health`);
  colds.push(performance.now() - t0);
  child.kill("SIGTERM");
}
colds.sort((a, b) => a - b);

// The server under load.
const server = start(["dist/server.mjs"], 19200, { ...SERVER_ENV, NODE_COMPILE_CACHE: cacheDir });
await waitHealthy("http://127.0.0.1:19200/health");
await sleep(500);
const idleRss = rssMiB(server.pid ?? 0);
await load("http://127.0.0.1:19200/mcp", MCP_HEADERS).catch(() => undefined); // warm-up, not reported
const mcp = await load("http://127.0.0.1:19200/mcp", MCP_HEADERS);
const loadedRss = rssMiB(server.pid ?? 0);
server.kill("SIGTERM");

// The same server answering plain JSON (MCP_JSON_RESPONSE=true), as behind a buffering edge.
const jsonServer = start(["dist/server.mjs"], 19201, {
  ...SERVER_ENV,
  NODE_COMPILE_CACHE: cacheDir,
  MCP_JSON_RESPONSE: "true",
});
await waitHealthy("http://127.0.0.1:19201/health");
await load("http://127.0.0.1:19201/mcp", MCP_HEADERS).catch(() => undefined); // warm-up
const json = await load("http://127.0.0.1:19201/mcp", MCP_HEADERS);
jsonServer.kill("SIGTERM");

// The bare endpoint.
const bare = start(["-e", BARE], 19300);
await sleep(300);
const bareResult = await load("http://127.0.0.1:19300/", { "content-type": "application/json" });
bare.kill("SIGTERM");

const fmt = (n: number) => n.toFixed(1);
console.log("| measure | mcp-anywhere (SSE) | mcp-anywhere (JSON) | bare node:http |");
console.log("|---|---|---|---|");
const row = (name: string, f: (r: typeof mcp) => string | number) =>
  console.log(`| ${name} | ${f(mcp)} | ${f(json)} | ${f(bareResult)} |`);
row("requests/s", (r) => Math.round(r.rps));
row("p50 latency (ms)", (r) => r.p50);
row("p99 latency (ms)", (r) => r.p99);
row("non-2xx / errors", (r) => `${r.non2xx} / ${r.errors}`);
console.log(`\nthroughput ratio mcp-anywhere / bare: ${(mcp.rps / bareResult.rps).toFixed(2)}`);
console.log(`RSS idle: ${fmt(idleRss)} MiB, after load: ${fmt(loadedRss)} MiB`);
console.log(
  `cold start (spawn to first 200 on /health), median of 5: ${fmt(colds[2] ?? 0)} ms [${colds.map(fmt).join(", ")}]`,
);
