/**
 * An upstream child's own output (stderr in stdio mode; stdout and stderr in http mode, where stdout is not the
 * protocol) as structured log lines: one pino line per text line, `{upstream: {stream, pid}, line}`, capped and with
 * every known API key redacted (./redact.ts). Bounded both ways, so a child cannot exhaust our memory or flood the
 * logs (which are billed per GB on every target):
 * - a line longer than {@link MAX_LINE_CHARS} is logged cut at that length, and the rest up to its newline dropped,
 *   never buffered;
 * - at most {@link MAX_LINES_PER_SECOND} lines per second and stream are logged; the lines over it are counted and
 *   reported once a second as one warning (`upstream output dropped`, `{dropped}`).
 * Never throws; a stream error ends the piping.
 */
import type { Readable } from "node:stream";
import type { Logger } from "pino";
import { redactKeys, UPSTREAM_LINE_MAX } from "./redact.js";

/**
 * Longest line logged, characters (./redact.ts's cap); the rest of a longer line is dropped, and so is the word cut
 * at the end, so that a key split by the cut never shows in part.
 */
export const MAX_LINE_CHARS = UPSTREAM_LINE_MAX;
/** Lines logged per second and stream; the rest are counted, not logged. */
export const MAX_LINES_PER_SECOND = 200;

export interface OutputLogOptions {
  logger: Logger;
  /** Which of the child's streams this is, for the log line. */
  stream: "stdout" | "stderr";
  pid?: number;
  /** True when the candidate is a currently accepted API key. */
  isKey: (candidate: string) => boolean;
  /** Clock, ms (tests). @default Date.now */
  now?: () => number;
}

/** Logs every line of `readable` at info level (blank lines skipped), within the bounds above. */
export function logOutputLines(readable: Readable, opts: OutputLogOptions): void {
  const now = opts.now ?? Date.now;
  const where = { stream: opts.stream, ...(opts.pid === undefined ? {} : { pid: opts.pid }) };
  let line = "";
  let overlong = false;
  let windowStart = now();
  let inWindow = 0;
  let dropped = 0;

  const flushDropped = () => {
    if (dropped > 0) opts.logger.warn({ upstream: where, dropped }, "upstream output dropped");
    dropped = 0;
  };
  const emit = (raw: string) => {
    if (raw.trim() === "") return;
    const t = now();
    if (t - windowStart >= 1000) {
      flushDropped();
      windowStart = t;
      inWindow = 0;
    }
    if (inWindow >= MAX_LINES_PER_SECOND) {
      dropped++;
      return;
    }
    inWindow++;
    opts.logger.info({ upstream: where, line: redactKeys(raw.replace(/\r$/, ""), opts.isKey) }, "upstream output");
  };

  readable.setEncoding("utf8");
  readable.on("data", (chunk: string) => {
    let start = 0;
    for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", start)) {
      if (!overlong) emit(line + chunk.slice(start, Math.min(nl, start + MAX_LINE_CHARS - line.length)));
      line = "";
      overlong = false;
      start = nl + 1;
    }
    if (overlong) return;
    line += chunk.slice(start, start + MAX_LINE_CHARS - line.length);
    if (line.length >= MAX_LINE_CHARS) {
      emit(`${line.replace(/\S+$/, "")}…`);
      line = "";
      overlong = true;
    }
  });
  readable.on("end", () => {
    if (!overlong) emit(line);
    flushDropped();
  });
  readable.on("error", () => readable.removeAllListeners("data"));
}
