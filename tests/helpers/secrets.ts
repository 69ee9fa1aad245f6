/**
 * Every secret the suite uses, and every log line any server printed during it. A root hook (tests/helpers/hooks.ts)
 * fails the run if any log line contains any of the secrets.
 */
import { randomBytes } from "node:crypto";

export const secrets = new Set<string>();
export const logLines: string[] = [];

/** A fresh random key (alphanumeric, 32 chars), remembered for the log check. */
export function newKey(): string {
  const key = randomBytes(16).toString("hex");
  secrets.add(key);
  return key;
}

/** Records output from a child process: only JSON lines are log lines (the dev banner is deliberate output). */
export function recordOutput(text: string): void {
  for (const line of text.split("\n")) if (line.startsWith("{")) logLines.push(line);
}
