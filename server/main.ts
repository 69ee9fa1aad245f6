/** The container's entry point: starts the server from `process.env`. A config error exits 1 with its message. */
import { ConfigError } from "./config.js";
import { start } from "./start.js";

start(process.env).catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : `mcp-anywhere failed to start: ${String(err)}`}\n`,
  );
  process.exit(1);
});
