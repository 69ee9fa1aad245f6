/**
 * An upstream child's own output (stderr in stdio mode; stdout and stderr in http mode, where stdout is not the
 * protocol) as structured log lines: one pino line per text line, `{upstream: {stream, pid}, line}`, capped and with
 * every known API key redacted (./redact.ts). Never throws; a stream error ends the piping.
 */
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { Logger } from "pino";
import { redactKeys } from "./redact.js";

export interface OutputLogOptions {
  logger: Logger;
  /** Which of the child's streams this is, for the log line. */
  stream: "stdout" | "stderr";
  pid?: number;
  /** True when the candidate is a currently accepted API key. */
  isKey: (candidate: string) => boolean;
}

/** Logs every line of `readable` at info level (blank lines skipped). */
export function logOutputLines(readable: Readable, opts: OutputLogOptions): void {
  const lines = createInterface({ input: readable, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on("line", (raw) => {
    if (raw.trim() === "") return;
    opts.logger.info(
      {
        upstream: { stream: opts.stream, ...(opts.pid === undefined ? {} : { pid: opts.pid }) },
        line: redactKeys(raw, opts.isKey),
      },
      "upstream output",
    );
  });
  readable.on("error", () => lines.close());
}
