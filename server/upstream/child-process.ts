/**
 * Starting and stopping an upstream child process that we spawn ourselves (http mode with a command; stdio children
 * are spawned by the SDK's StdioClientTransport with the same environment rule).
 *
 * Environment ({@link childEnvironment}): the SDK's safe default (`getDefaultEnvironment()` of
 * @modelcontextprotocol/client/stdio: HOME, LOGNAME, PATH, SHELL, TERM, USER on POSIX), the image's runtime settings
 * ({@link RUNTIME_VARIABLE}: where uv and npm cache, locale, time zone), a writable HOME, and `MCP_UPSTREAM_ENV`, and
 * nothing else: the child never sees this server's API keys (MCP_API_KEYS*), AWS credentials or any other variable of
 * ours unless the operator puts it in MCP_UPSTREAM_ENV.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDefaultEnvironment } from "@modelcontextprotocol/client/stdio";

/** Grace between SIGTERM and SIGKILL when stopping a child we spawned, ms. */
export const CHILD_KILL_GRACE_MS = 5000;

/**
 * Variables of this process the child inherits: the runtime settings server/Dockerfile bakes into the image for
 * `uvx` and `npx` servers (UV_CACHE_DIR, UV_TOOL_DIR, UV_PYTHON_*, npm_config_cache, …), the locale and the time zone.
 * None of them is a secret; our own variables (MCP_*, AWS_*) never match.
 */
export const RUNTIME_VARIABLE = /^(UV_[A-Z_]+|npm_config_cache|PYTHON[A-Z_]*|LANG|LC_ALL|TZ)$/;

/** Whether this process may write to `path` (false when it is missing or on a read-only file system). */
function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A HOME the child can write to: this process's HOME when it is writable (a developer's machine), else
 * `<tmpdir>/mcp-upstream-home`, created 0700. The image's root file system is read-only on EC2 and Fargate and only
 * /tmp is writable on Lambda, while servers write under HOME as they start (npx's cache, uv's tools, Serena's
 * ~/.serena). `MCP_UPSTREAM_ENV` may set another (e.g. `HOME=/workspace/.home` to keep it across restarts).
 */
export function writableHome(home: string | undefined = process.env.HOME, canWrite = isWritable): string {
  if (home && canWrite(home)) return home;
  const fallback = join(tmpdir(), "mcp-upstream-home");
  mkdirSync(fallback, { recursive: true, mode: 0o700 });
  return fallback;
}

/**
 * The child's environment: the SDK's safe default, the runtime settings ({@link RUNTIME_VARIABLE}), a writable HOME
 * ({@link writableHome}) and `extra` (MCP_UPSTREAM_ENV), in that order of precedence (extra wins).
 */
export function childEnvironment(
  extra: Readonly<Record<string, string>>,
  parent: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const runtime = Object.fromEntries(
    Object.entries(parent).filter((e): e is [string, string] => RUNTIME_VARIABLE.test(e[0]) && e[1] !== undefined),
  );
  return { ...getDefaultEnvironment(), ...runtime, HOME: writableHome(parent.HOME), ...extra };
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
