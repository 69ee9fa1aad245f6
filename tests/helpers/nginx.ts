/**
 * A real nginx (Debian's; .ci/run installs it) running the config components/ec2/nginx.ts renders, with the test
 * limits and this machine's paths. Callers guard with `requireProgram(this, "nginx")` (tests/helpers/programs.ts: skip
 * with a line naming it, fail under CI=true); if they do not, a missing nginx throws here.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { expect } from "chai";
import { type NginxConfigOptions, renderNginxConfig } from "../../components/ec2/nginx.js";
import { type Spawned, spawnProcess } from "./process.js";
import { installHint } from "./programs.js";

/** @returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface TestNginxOptions {
  /** Working directory: logs, pid file and `tmp/` (created, mode 0777 for the unprivileged workers) go here. */
  dir: string;
  /** Where the config is written. */
  conf: string;
  serverName: string;
  httpsPort: number;
  /** Port 80's stand-in (ACME HTTP-01 and the redirect). */
  httpPort: number;
  /** `host:port` of the app. */
  upstream: string;
  certificate: string;
  certificateKey: string;
  keyMapPath: string;
  acmeWebroot: string;
  /** Per-tool limits (tool name to requests/s per key and tool). @default none */
  perToolRequestsPerSecond?: Record<string, number>;
}

/**
 * The edge's config options for a test, listening on 127.0.0.1. Per key: 2/s, 5 at once (an SDK session sends 4
 * POSTs); keyless: 3 per minute per IP; bodies up to 4096 bytes.
 */
export function testNginxConfig(o: TestNginxOptions): NginxConfigOptions {
  return {
    serverName: o.serverName,
    httpsListen: `127.0.0.1:${o.httpsPort}`,
    httpListen: `127.0.0.1:${o.httpPort}`,
    upstream: o.upstream,
    certificate: o.certificate,
    certificateKey: o.certificateKey,
    keyMapPath: o.keyMapPath,
    acmeWebroot: o.acmeWebroot,
    mcpPath: "/mcp",
    healthPath: "/health",
    rateLimit: {
      requestsPerSecond: 2,
      burst: 5,
      ipRequestsPerMinute: 3,
      perToolRequestsPerSecond: o.perToolRequestsPerSecond,
    },
    maxBodyBytes: 4096,
    readTimeoutSeconds: 60,
    accessLog: join(o.dir, "access.log"),
    errorLog: join(o.dir, "error.log"),
    pidPath: join(o.dir, "nginx.pid"),
    tempDir: join(o.dir, "tmp"),
  };
}

/**
 * Writes {@link testNginxConfig} to `o.conf`, checks it with `nginx -t` and starts nginx in the foreground. Does not
 * wait for it to listen (the caller knows what to probe).
 * @throws {Error} "nginx could not run (…); .ci/run installs it, or: sudo apt-get install nginx" when nginx is missing; a chai
 *   assertion error with nginx's message when the config is refused.
 */
export function startTestNginx(o: TestNginxOptions): Spawned {
  mkdirSync(join(o.dir, "tmp"), { recursive: true });
  chmodSync(join(o.dir, "tmp"), 0o777);
  writeFileSync(o.conf, renderNginxConfig(testNginxConfig(o)));
  const check = spawnSync("nginx", ["-t", "-c", o.conf], { encoding: "utf8" });
  if (check.error) throw new Error(`nginx could not run (${check.error.message}); ${installHint("nginx")}`);
  expect(check.status, check.stderr).to.equal(0);
  return spawnProcess("nginx", ["-c", o.conf, "-g", "daemon off;"], process.env, o.dir);
}
