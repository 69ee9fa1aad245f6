/**
 * Real upstream MCP servers for the bridge tests, run with this Node (`process.execPath`) and their dist entry from
 * node_modules: no npx, no network.
 */
import { expect } from "chai";

const modulePath = (rel: string) => new URL(`../../${rel}`, import.meta.url).pathname;

/** @modelcontextprotocol/server-everything (stdio by default; `streamableHttp` takes PORT from its environment). */
export const EVERYTHING = modulePath("node_modules/@modelcontextprotocol/server-everything/dist/index.js");
/** @modelcontextprotocol/server-memory (stdio; MEMORY_FILE_PATH sets its store). */
export const MEMORY = modulePath("node_modules/@modelcontextprotocol/server-memory/dist/index.js");
/** tests/fixtures/upstream-stdio-server.mjs: `quick`, `hang`, `--never-initialize`, `--stderr <text>`. */
export const FIXTURE = modulePath("tests/fixtures/upstream-stdio-server.mjs");

/** `MCP_UPSTREAM_COMMAND` for `node <entry> ...args`. */
export function nodeCommand(entry: string, ...args: string[]): string {
  return JSON.stringify([process.execPath, entry, ...args]);
}

export interface HealthAnswer {
  status: number;
  body: {
    status: string;
    upstream?: {
      mode: string;
      state: string;
      restarts: number;
      lastExit?: { reason: string; code: number | null; signal: string | null };
    };
  };
}

export async function health(base: string): Promise<HealthAnswer> {
  const res = await fetch(`${base}/health`);
  return { status: res.status, body: (await res.json()) as HealthAnswer["body"] };
}

/** Polls /health until `pred` holds. @throws (a chai failure) after `ms`, with the last answer. */
export async function waitForHealth(
  base: string,
  pred: (h: HealthAnswer) => boolean,
  ms = 10_000,
): Promise<HealthAnswer> {
  const deadline = Date.now() + ms;
  let last: HealthAnswer | undefined;
  while (Date.now() < deadline) {
    last = await health(base);
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect.fail(`health never matched within ${ms} ms; last: ${JSON.stringify(last)}`);
}

export const isReady = (h: HealthAnswer) => h.status === 200 && h.body.upstream?.state === "ready";
