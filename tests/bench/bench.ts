/**
 * `npm run bench`: throughput, latency, memory and cold start of the bundled server (dist/server.mjs), next to a bare
 * node:http JSON endpoint on the same machine. A script, not a test: it prints numbers and asserts nothing.
 *
 * Runtime: Node 22 (what the image ships), fetched by tests/helpers/node22.ts when this Node is older.
 * Load: autocannon, 10 connections, BENCH_SECONDS (default 10) s of POST /mcp tools/call echo, SSE responses (the
 * default mode), rate limits raised out of the way. Cold start: ms from spawn to the first 200 on /health, median of
 * 5. RSS: after start (idle) and after the load, from /proc (Linux) or process.memoryUsage of the child.
 *
 * Container cold start (needs a Docker engine, tests/helpers/docker-engine.ts; skipped with a line saying why
 * otherwise): server/Dockerfile built twice in the same run, COMPILE_CACHE=warm and COMPILE_CACHE=none, then 5 starts
 * of each, alternating, run as Fargate runs it (`--read-only`, host network). Three figures per start: ms from
 * `docker run` (create + start) to the first 200 on the health path (what a platform waits for); from `docker start`
 * (without the file system setup, a full copy of the image on the vfs storage driver); and the server's own
 * `coldStartMs` from its "listening" log line (process start to listening, the part the compile cache acts on). Medians of 5, and
 * the ratio warm / none of each (the project's rule: a speed is a ratio against a peer the same run starts).
 * BENCH_CONTAINER=0 skips it.
 */
import { type ChildProcess, execSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { EDGE_AND_APP_DEFAULTS } from "../../infra/core/defaults.js";
import { buildServerImage, docker, dockerCli, engineMissing } from "../helpers/docker-engine.js";
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

// Container cold start, with and without the compile cache warmed at build.
const HEALTH = EDGE_AND_APP_DEFAULTS.healthPath;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

interface ContainerStart {
  /** `docker create` + `docker start` (what `docker run` does) to the first 200, ms. */
  runToHealthMs: number;
  /** `docker start` to the first 200, ms: without the container's file system setup (a full copy on vfs). */
  startToHealthMs: number;
  /** The server's own figure: process start to listening, ms. */
  coldStartMs: number;
}

async function containerStart(image: string, port: number): Promise<ContainerStart> {
  const name = `mcp-anywhere-bench-${process.pid}-${port}`;
  const t0 = performance.now();
  docker(["create", "--name", name, "--read-only", "--network", "host", "-e", "PORT", "-e", "MCP_API_KEYS", image], {
    env: { PORT: String(port), MCP_API_KEYS: KEY },
  });
  try {
    const t1 = performance.now();
    docker(["start", name]);
    await waitHealthy(`http://127.0.0.1:${port}${HEALTH}`, 60_000);
    const t2 = performance.now();
    const logs = docker(["logs", name]);
    const coldStartMs = Number(/"coldStartMs":(\d+)/.exec(logs)?.[1] ?? Number.NaN);
    return { runToHealthMs: t2 - t0, startToHealthMs: t2 - t1, coldStartMs };
  } finally {
    docker(["rm", "-f", name]);
  }
}

const missing = process.env.BENCH_CONTAINER === "0" ? "BENCH_CONTAINER=0" : engineMissing();
if (missing) {
  console.log(`\ncontainer cold start: skipped (${missing})`);
} else {
  const warm = buildServerImage("warm");
  const none = buildServerImage("none");
  console.log(
    `\ncontainer cold start (${dockerCli()?.bin}; images built in ${fmt(warm.ms / 1000)} s and ${fmt(none.ms / 1000)} s)`,
  );
  const runs: Record<"warm" | "none", ContainerStart[]> = { warm: [], none: [] };
  for (let i = 0; i < 5; i++) {
    runs.warm.push(await containerStart(warm.tag, 19400 + i));
    runs.none.push(await containerStart(none.tag, 19450 + i));
  }
  const m = (k: "warm" | "none", f: keyof ContainerStart) => median(runs[k].map((r) => r[f]));
  console.log("| measure (median of 5) | compile cache warmed | no compile cache | ratio warm / none |");
  console.log("|---|---|---|---|");
  for (const [label, f] of [
    [`docker run to first 200 on ${HEALTH} (ms)`, "runToHealthMs"],
    [`docker start to first 200 on ${HEALTH} (ms)`, "startToHealthMs"],
    ["process start to listening, coldStartMs (ms)", "coldStartMs"],
  ] as const) {
    console.log(
      `| ${label} | ${fmt(m("warm", f))} | ${fmt(m("none", f))} | ${(m("warm", f) / m("none", f)).toFixed(2)} |`,
    );
  }
  for (const k of ["warm", "none"] as const) {
    console.log(
      `${k}: ${runs[k].map((r) => `${fmt(r.runToHealthMs)}/${fmt(r.startToHealthMs)}/${r.coldStartMs}`).join(", ")} (run/start to health, coldStartMs)`,
    );
  }
}
