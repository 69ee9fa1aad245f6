/**
 * The container's entry point: starts the server from `process.env`. A config error exits 1 with its message.
 *
 * `--warm-compile-cache` (used once at image build, with NODE_COMPILE_CACHE set, as the user the container runs as:
 * Node keys the cache directory by uid, see server/Dockerfile): load every module, including the lazily loaded SSM
 * chunk, write Node's compile cache, and exit 0 without listening. Containers then start with the bytecode already
 * compiled (Node >= 22.1; older Node ignores NODE_COMPILE_CACHE).
 */
import module from "node:module";
import { ConfigError } from "./config.js";
import { start } from "./start.js";

if (process.argv.includes("--warm-compile-cache")) {
  await import("./keys/ssm-source.js");
  (module as { flushCompileCache?: () => void }).flushCompileCache?.();
  process.exit(0);
}

start(process.env).catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : `mcp-anywhere failed to start: ${String(err)}`}\n`,
  );
  process.exit(1);
});
