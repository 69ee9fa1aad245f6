/**
 * Starting and stopping an upstream child process that we spawn ourselves (http mode with a command; stdio children
 * are spawned by the SDK's StdioClientTransport with the same environment rule).
 *
 * Environment: the SDK's safe default (`getDefaultEnvironment()` of @modelcontextprotocol/client/stdio: HOME, LOGNAME,
 * PATH, SHELL, TERM, USER on POSIX) plus `MCP_UPSTREAM_ENV`, and nothing else: the child never sees this server's
 * API keys (MCP_API_KEYS*), AWS credentials or any other variable of ours unless the operator puts it in
 * MCP_UPSTREAM_ENV.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { getDefaultEnvironment } from "@modelcontextprotocol/client/stdio";

/** Grace between SIGTERM and SIGKILL when stopping a child we spawned, ms. */
export const CHILD_KILL_GRACE_MS = 5000;

/** The child's environment: the SDK's safe default plus `extra` (extra wins). */
export function childEnvironment(extra: Readonly<Record<string, string>>): Record<string, string> {
  return { ...getDefaultEnvironment(), ...extra };
}

/** How a child ended. */
export interface ChildExit {
  code: number | null;
  signal: string | null;
}

/** Spawns `argv` with stdin ignored and stdout/stderr piped. Spawn errors surface as the `error` event. */
export function spawnChild(argv: readonly string[], env: Readonly<Record<string, string>>, cwd?: string): ChildProcess {
  const [command = "", ...args] = argv;
  return spawn(command, args, { env: childEnvironment(env), cwd, stdio: ["ignore", "pipe", "pipe"], shell: false });
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<ChildExit> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: null, signal: null }));
  });
}

/** SIGTERM, then SIGKILL after `graceMs` if it is still running; resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs = CHILD_KILL_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const done = exited(child);
  child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), graceMs);
    timer.unref();
  });
  if ((await Promise.race([done, late])) === "late") child.kill("SIGKILL");
  clearTimeout(timer);
  await done;
}

/**
 * Polls `url` until it answers any HTTP response (a 400, 404 or 405 counts: something is listening).
 * @throws {Error} when `deadline` (ms since epoch) passes, or when `child` exits first.
 */
export async function waitForUrl(url: string, deadline: number, child?: ChildProcess): Promise<void> {
  let gone: ChildExit | undefined;
  child?.once("exit", (code, signal) => {
    gone = { code, signal };
  });
  for (;;) {
    if (gone) throw new Error(`the upstream command exited (${describeExit(gone)}) before ${url} answered`);
    try {
      const res = await fetch(url, { method: "GET", signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return;
    } catch {
      // not listening yet
    }
    if (Date.now() >= deadline) throw new Error(`${url} did not answer before the ready timeout`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `code 1`, `signal SIGKILL`, or `unknown`. */
export function describeExit(exit: ChildExit): string {
  if (exit.signal) return `signal ${exit.signal}`;
  if (exit.code !== null) return `code ${exit.code}`;
  return "unknown";
}
