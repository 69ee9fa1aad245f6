/**
 * Structured JSON logs with pino: one line per request, never a key. Header values are never serialized; the
 * `redact` list is a second guard for anything that attaches headers by mistake.
 */
import { type DestinationStream, type Logger, pino } from "pino";
import type { ServerConfig } from "./config.js";

/** Paths pino replaces with "[Redacted]" wherever they appear. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  "headers.authorization",
  'headers["x-api-key"]',
  "apiKey",
  "apiKeys",
];

/**
 * @param config - only `logLevel` and `target` are read.
 * @param destination - where lines go. @default stdout (synchronous, so nothing is lost on exit)
 */
export function createLogger(
  config: Pick<ServerConfig, "logLevel" | "target">,
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: "mcp-anywhere", target: config.target },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
