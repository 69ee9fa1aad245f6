/** Runs a command as a child process (own process group) and reads its output until a pattern appears. */
import { type ChildProcess, spawn } from "node:child_process";
import { recordOutput } from "./secrets.js";

export const ROOT = new URL("../../", import.meta.url).pathname;

export interface Spawned {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output: () => string;
  /** Resolves with the first match of `re` in the output; rejects after `ms` or if the process exits first. */
  waitFor: (re: RegExp, ms?: number) => Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  /** Sends a signal to the whole process group (npm and its children). */
  signal: (sig: NodeJS.Signals) => void;
}

export function spawnProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Spawned {
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const waiters = new Set<() => void>();
  const onData = (c: Buffer) => {
    out += c.toString("utf8");
    for (const w of waiters) w();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, sig) => {
      recordOutput(out);
      for (const w of waiters) w();
      resolve(code ?? sig ?? "unknown");
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    child,
    output: () => out,
    exited,
    signal: (sig) => {
      if (child.pid && !done) process.kill(-child.pid, sig);
    },
    waitFor: (re, ms = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${re}; output:\n${out}`)), ms);
        const check = () => {
          const m = out.match(re);
          if (m) return finish(undefined, m);
          if (done) finish(new Error(`process exited before ${re}; output:\n${out}`));
        };
        const finish = (err?: Error, m?: RegExpMatchArray) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else if (m) resolve(m);
        };
        waiters.add(check);
        check();
      }),
  };
}
