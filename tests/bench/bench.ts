/**
 * `npm run bench`: throughput, latency, memory and cold start of the bundled server (dist/server.mjs), as ratios
 * against two peers that this run starts itself on the same machine (the project's rule: a speed is a ratio against a
 * peer the same run starts). A script, not a test: it prints numbers and asserts nothing.
 *
 * Peers, each bundled with esbuild exactly as the server is (tests/bench/peer-*.ts; their docstrings give the source
 * example each follows):
 * - v1: the SDK v1 stateless example (express, a new `McpServer` and `StreamableHTTPServerTransport` per request,
 *   JSON responses, one echo tool). Speaks 2025-era MCP only.
 * - v2: the SDK v2's own stateless handler example (`createMcpHandler` defaults, `toNodeHandler` on node:http, one
 *   echo tool). Speaks both eras.
 * - bare: a node:http endpoint that parses the JSON and answers, no MCP: the ceiling of the machine.
 *
 * Runtime: Node 22 (what the image ships), fetched by tests/helpers/node22.ts when this Node is older.
 * Load: autocannon, 10 connections, BENCH_SECONDS (default 10) s of POST /mcp `tools/call` echo per era, after a
 * warm-up of 3 s that is not reported. Two eras: 2025-11-25 (no envelope, what every peer speaks; the server and v2
 * answer it with a one-event SSE stream, v1 with JSON) and 2026-07-28 (`_meta` envelope and `Mcp-Method`/`Mcp-Name`;
 * JSON from the server and v2). The server runs as deployed (keys, limits raised out of the way, guards, logs at
 * info), so its figures include what the peers do not do.
 * Cold start: ms from spawn to the first 200 answer to a `tools/call` echo (every process), and to the first 200 on
 * /health (the server: what a platform waits for), median of 5 after one start that warms the compile cache
 * (NODE_COMPILE_CACHE, as the Dockerfile warms it for the server). RSS: from /proc, 500 ms after start (idle) and after
 * the load.
 * Profile (BENCH_PROFILE=1, or BENCH_PROFILE=only to skip everything else): the server bundled without minifying, run
 * with `node --cpu-prof` under the 2025-era and then the 2026-era load; prints the top frames by self time, each with
 * the module it comes from.
 *
 * Container cold start (needs a Docker engine, tests/helpers/docker-engine.ts; skipped with a line saying why
 * otherwise): server/Dockerfile built twice in the same run, COMPILE_CACHE=warm and COMPILE_CACHE=none, then 5 starts
 * of each, alternating, run as Fargate runs it (`--read-only`, host network). Three figures per start: ms from
 * `docker run` (create + start) to the first 200 on the health path (what a platform waits for); from `docker start`
 * (without the file system setup, a full copy of the image on the vfs storage driver); and the server's own
 * `coldStartMs` from its "listening" log line (process start to listening, the part the compile cache acts on). Medians of 5, and
 * the ratio warm / none of each. BENCH_CONTAINER=0 skips it.
 *
 * Goals (issue 14): requests/s >= 3.5x the v1 peer's and ahead of the v2 peer's, p99 <= 10 ms, idle RSS <= 70 MB,
 * cold start <= 150 ms. Each is printed with its figure from this run.
 */
import { type ChildProcess, execSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { build } from "esbuild";
import { EDGE_AND_APP_DEFAULTS } from "../../infra/core/defaults.js";
import { buildServerImage, docker, dockerCli, engineMissing } from "../helpers/docker-engine.js";
import { node22 } from "../helpers/node22.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 3;
const CONNECTIONS = 10;
const KEY = "bench0123456789abcdef0123456789ab";
const PROFILE = process.env.BENCH_PROFILE;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Era = "2025-11-25" | "2026-07-28";
const ERAS: readonly Era[] = ["2025-11-25", "2026-07-28"];

/** The `tools/call` echo request of each era: body and protocol headers (the API key is added per target). */
const REQUESTS: Record<Era, { body: string; headers: Record<string, string> }> = {
  "2025-11-25": {
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "hello" } },
    }),
    headers: { "mcp-protocol-version": "2025-11-25" },
  },
  // https://modelcontextprotocol.io/specification/2026-07-28/basic/transports: the `_meta` envelope on every request,
  // and Mcp-Method / Mcp-Name headers that agree with the body.
  "2026-07-28": {
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        name: "echo",
        arguments: { text: "hello" },
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientInfo": { name: "bench", version: "1.0.0" },
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    }),
    headers: { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo" },
  },
};

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

function spawnNode(args: string[], port: number, env: Record<string, string> = {}): ChildProcess {
  return spawn(NODE, args, {
    env: { PATH: process.env.PATH, PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: "ignore",
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Polls `probe` every 2 ms until it returns true; resolves with the ms it took. */
async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    try {
      if (await probe()) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    await sleep(2);
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms`);
}

const healthy = (url: string) => async () => (await fetch(url)).status === 200;
const echoes = (url: string, headers: Record<string, string>) => async () => {
  const res = await fetch(url, {
    method: "POST",
    headers: headersFor(headers, "2025-11-25"),
    body: REQUESTS["2025-11-25"].body,
  });
  await res.arrayBuffer();
  return res.status === 200;
};

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

function headersFor(extra: Record<string, string>, era: Era): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...REQUESTS[era].headers,
    ...extra,
  };
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function load(
  url: string,
  headers: Record<string, string>,
  body: string,
  seconds = SECONDS,
): Promise<LoadResult> {
  const r = await autocannon({ url, method: "POST", headers, body, connections: CONNECTIONS, duration: seconds });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

/** A process under test: how to start it, which eras it speaks, the headers it needs, and its health probe. */
interface Target {
  name: string;
  args: string[];
  env: Record<string, string>;
  eras: readonly Era[];
  headers: Record<string, string>;
  healthPath?: string;
}

interface TargetResult {
  byEra: Partial<Record<Era, LoadResult>>;
  idleRss: number;
  loadedRss: number;
  /** Spawn to first 200 on a tools/call, ms, sorted. */
  coldEcho: number[];
  /** Spawn to first 200 on the health path, ms, sorted (targets with one). */
  coldHealth: number[];
}

const SERVER_ENV = {
  MCP_API_KEYS: KEY,
  MCP_RATE_LIMIT_RPS: "100000",
  MCP_RATE_LIMIT_BURST: "1000000",
  MCP_TARGET: "local",
};

let nextPort = 19100;

async function coldStarts(t: Target, cacheDir: string): Promise<{ echo: number[]; health: number[] }> {
  const echo: number[] = [];
  const health: number[] = [];
  for (let i = 0; i < 6; i++) {
    // Health first (when the target has one), then the echo, in separate starts so neither waits for the other.
    for (const kind of t.healthPath ? (["health", "echo"] as const) : (["echo"] as const)) {
      const port = nextPort++;
      const t0 = performance.now();
      const child = spawnNode(t.args, port, { ...t.env, NODE_COMPILE_CACHE: cacheDir });
      const base = `http://127.0.0.1:${port}`;
      await until(kind === "health" ? healthy(`${base}${t.healthPath}`) : echoes(`${base}/mcp`, t.headers), t.name);
      const ms = performance.now() - t0;
      await stop(child);
      if (i > 0) (kind === "health" ? health : echo).push(ms); // start 0 warms the compile cache
    }
  }
  return { echo: echo.sort((a, b) => a - b), health: health.sort((a, b) => a - b) };
}

async function measure(t: Target, cacheDir: string): Promise<TargetResult> {
  const cold = await coldStarts(t, cacheDir);
  const port = nextPort++;
  const child = spawnNode(t.args, port, { ...t.env, NODE_COMPILE_CACHE: cacheDir });
  const url = `http://127.0.0.1:${port}/mcp`;
  await until(echoes(url, t.headers), t.name);
  await sleep(500);
  const idleRss = rssMiB(child.pid ?? 0);
  const byEra: TargetResult["byEra"] = {};
  for (const era of t.eras) {
    const headers = headersFor(t.headers, era);
    await load(url, headers, REQUESTS[era].body, WARMUP_SECONDS);
    byEra[era] = await load(url, headers, REQUESTS[era].body);
  }
  const loadedRss = rssMiB(child.pid ?? 0);
  await stop(child);
  return { byEra, idleRss, loadedRss, coldEcho: cold.echo, coldHealth: cold.health };
}

/** Bundles a peer as server/build.ts bundles the server (esm, node22, minified, one file). */
async function bundlePeer(entry: string, outDir: string): Promise<string> {
  const outfile = join(outDir, `${entry.replace(/^.*\//, "").replace(/\.ts$/, "")}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    logLevel: "warning",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return outfile;
}

/** One cpuprofile's top frames by self time, with the bundle module (esbuild's `// path` comments) of each. */
function topFrames(profileFile: string, bundleFile: string, n = 15): string[] {
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }
  const prof = JSON.parse(readFileSync(profileFile, "utf8")) as {
    nodes: Node[];
    startTime: number;
    endTime: number;
    samples: number[];
  };
  const bundleLines = readFileSync(bundleFile, "utf8").split("\n");
  const moduleAt = (line: number): string => {
    for (let i = line; i >= 0; i--) {
      const m = /^\/\/ ((?:node_modules|server|infra)\/\S+)/.exec(bundleLines[i] ?? "");
      if (m?.[1]) return m[1].replace(/^node_modules\//, "");
    }
    return "?";
  };
  const total = prof.samples.length;
  const self = new Map<string, number>();
  for (const node of prof.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.endsWith(bundleFile.replace(/^.*\//, ""))
      ? moduleAt(lineNumber)
      : url.replace(/^node:/, "node:") || "(native)";
    const key = `${functionName || "(anonymous)"} [${where}]`;
    self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0));
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, hits]) => `${((100 * hits) / total).toFixed(1).padStart(5)} %  ${k}`);
}

/** The server, bundled without minifying, under load with --cpu-prof: prints the top frames per era. */
async function profile(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mcp-bench-prof-"));
  const bundle = join(dir, "server.mjs");
  await build({
    entryPoints: ["server/main.ts"],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    logLevel: "warning",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  for (const era of ERAS) {
    const profDir = join(dir, era);
    const port = nextPort++;
    const child = spawnNode(["--cpu-prof", "--cpu-prof-dir", profDir, bundle], port, SERVER_ENV);
    const url = `http://127.0.0.1:${port}/mcp`;
    await until(echoes(url, { "x-api-key": KEY }), "profiled server");
    await load(url, headersFor({ "x-api-key": KEY }, era), REQUESTS[era].body, SECONDS);
    await stop(child);
    const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error(`no .cpuprofile written in ${profDir}`);
    console.log(`\nCPU profile, ${era} tools/call echo under load (${SECONDS} s), top frames by self time:`);
    for (const line of topFrames(join(profDir, file), bundle)) console.log(`  ${line}`);
  }
}

if (PROFILE === "only") {
  await profile();
  process.exit(0);
}

execSync("npm run build --silent", { stdio: "inherit" });
const nodeVersion = execSync(`"${NODE}" --version`, { encoding: "utf8" }).trim();
const peerDir = mkdtempSync(join(tmpdir(), "mcp-bench-peers-"));
const v1Bundle = await bundlePeer("tests/bench/peer-v1-stateless.ts", peerDir);
const v2Bundle = await bundlePeer("tests/bench/peer-v2-stateless.ts", peerDir);
const v1Version = JSON.parse(readFileSync("node_modules/@modelcontextprotocol/sdk/package.json", "utf8")).version;
const v2Version = JSON.parse(readFileSync("node_modules/@modelcontextprotocol/server/package.json", "utf8")).version;
console.log(
  `server on node ${nodeVersion} (load generator on ${process.version}), ${CONNECTIONS} connections, ${SECONDS} s per run after ${WARMUP_SECONDS} s of warm-up`,
);
console.log(
  `peers: SDK v1 ${v1Version} stateless example, SDK v2 ${v2Version} stateless handler example, bare node:http\n`,
);

const serverCache = mkdtempSync(join(tmpdir(), "mcp-bench-cache-"));
execSync(`"${NODE}" dist/server.mjs --warm-compile-cache`, {
  env: { ...process.env, NODE_COMPILE_CACHE: serverCache },
});

const TARGETS: Record<"server" | "v1" | "v2" | "bare", Target> = {
  server: {
    name: "mcp-anywhere",
    args: ["dist/server.mjs"],
    env: SERVER_ENV,
    eras: ERAS,
    headers: { "x-api-key": KEY },
    healthPath: EDGE_AND_APP_DEFAULTS.healthPath,
  },
  v1: { name: "SDK v1 example", args: [v1Bundle], env: {}, eras: ["2025-11-25"], headers: {} },
  v2: { name: "SDK v2 example", args: [v2Bundle], env: {}, eras: ERAS, headers: {} },
  bare: { name: "bare node:http", args: ["-e", BARE], env: {}, eras: ERAS, headers: {} },
};

const results = {} as Record<keyof typeof TARGETS, TargetResult>;
for (const key of ["server", "v1", "v2", "bare"] as const) {
  results[key] = await measure(
    TARGETS[key],
    key === "server" ? serverCache : mkdtempSync(join(tmpdir(), `mcp-bench-${key}-`)),
  );
}

const fmt = (n: number) => n.toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const cell = (r: LoadResult | undefined, f: (r: LoadResult) => string) => (r ? f(r) : "n/a (2025 only)");
const keys = ["server", "v1", "v2", "bare"] as const;
console.log(`| measure | ${keys.map((k) => TARGETS[k].name).join(" | ")} |`);
console.log(`|---|${keys.map(() => "---").join("|")}|`);
for (const era of ERAS) {
  const row = (label: string, f: (r: LoadResult) => string) =>
    console.log(`| ${label}, ${era} | ${keys.map((k) => cell(results[k].byEra[era], f)).join(" | ")} |`);
  row("requests/s", (r) => String(Math.round(r.rps)));
  row("p50 / p99 latency (ms)", (r) => `${r.p50} / ${r.p99}`);
  row("non-2xx / errors", (r) => `${r.non2xx} / ${r.errors}`);
}
console.log(
  `| RSS idle / after load (MiB) | ${keys.map((k) => `${fmt(results[k].idleRss)} / ${fmt(results[k].loadedRss)}`).join(" | ")} |`,
);
console.log(
  `| cold start to first tools/call 200, median of 5 (ms) | ${keys.map((k) => fmt(median(results[k].coldEcho))).join(" | ")} |`,
);

const s = results.server;
const rps = (k: keyof typeof TARGETS, era: Era) => results[k].byEra[era]?.rps ?? Number.NaN;
const ratio = (a: number, b: number) => (a / b).toFixed(2);
console.log("\nratios (mcp-anywhere / peer, requests/s, same run):");
console.log(
  `  vs SDK v1 example: ${ratio(rps("server", "2025-11-25"), rps("v1", "2025-11-25"))}x (2025-era both), ${ratio(rps("server", "2026-07-28"), rps("v1", "2025-11-25"))}x (mcp-anywhere 2026-07-28 vs v1 2025-era)`,
);
for (const era of ERAS) {
  console.log(
    `  vs SDK v2 example, ${era}: ${ratio(rps("server", era), rps("v2", era))}x; vs bare node:http: ${ratio(rps("server", era), rps("bare", era))}x`,
  );
}
const coldHealth = median(s.coldHealth);
console.log(
  `\ncold start of mcp-anywhere (spawn to first 200 on ${TARGETS.server.healthPath}), median of 5: ${fmt(coldHealth)} ms [${s.coldHealth.map(fmt).join(", ")}]`,
);

console.log("\ngoals (issue 14):");
const goal = (label: string, ok: boolean, figure: string) =>
  console.log(`  ${ok ? "met   " : "MISSED"} ${label}: ${figure}`);
for (const era of ERAS) {
  const v1 = rps("server", era) / rps("v1", "2025-11-25");
  goal(`>= 3.5x the v1 example's requests/s (${era})`, v1 >= 3.5, `${v1.toFixed(2)}x`);
  const v2 = rps("server", era) / rps("v2", era);
  goal(`ahead of the v2 example (${era})`, v2 > 1, `${v2.toFixed(2)}x`);
  const p99 = s.byEra[era]?.p99 ?? Number.NaN;
  goal(`p99 <= 10 ms (${era})`, p99 <= 10, `${p99} ms`);
}
goal("idle RSS <= 70 MB", s.idleRss * 1.048576 <= 70, `${fmt(s.idleRss * 1.048576)} MB (${fmt(s.idleRss)} MiB)`);
goal("cold start <= 150 ms (spawn to /health 200)", coldHealth <= 150, `${fmt(coldHealth)} ms`);

if (PROFILE) await profile();

// Container cold start, with and without the compile cache warmed at build.
const HEALTH = EDGE_AND_APP_DEFAULTS.healthPath;
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
    await until(healthy(`http://127.0.0.1:${port}${HEALTH}`), "container", 60_000);
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
