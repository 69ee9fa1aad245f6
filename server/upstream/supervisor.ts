/**
 * The upstream supervisor: keeps ONE connection to the upstream (./connection.ts) alive for the life of the process,
 * shared by every request, and reports its state for `/health`.
 *
 * States ({@link UpstreamState}):
 * - `starting`: the first start is under way (spawn, and `initialize` within MCP_UPSTREAM_READY_TIMEOUT_MS);
 * - `ready`: initialized; calls are forwarded;
 * - `restarting`: a child that was ready exited (or a sidecar stopped answering); it is started again after a backoff;
 * - `failed`: the last start failed (the command could not be spawned, exited early, or did not initialize in time; a
 *   sidecar refused the connection); it is tried again after a backoff;
 * - `stopped`: shutdown.
 * Backoff: UPSTREAM_DEFAULTS.restartMinMs (500 ms), doubled per consecutive failure up to restartMaxMs (30 s); a
 * child that stayed ready for at least restartMaxMs before it failed counts as healthy and starts the count again.
 * Every transition is logged (`upstream ready`, `upstream unavailable; restarting`).
 */
import { type Client, ProtocolError, SdkHttpError } from "@modelcontextprotocol/client";
import type { Logger } from "pino";
import { UPSTREAM_DEFAULTS } from "../../infra/core/upstream.js";
import type { UpstreamLink } from "./bridge.js";
import type { ChildExit } from "./child-process.js";
import { type ActiveUpstream, type Connection, connectHttp, connectStdio } from "./connection.js";
import { isUpstreamAnswer, shortReason } from "./errors.js";

export type UpstreamState = "starting" | "ready" | "restarting" | "failed" | "stopped";

/** The last time the upstream went away. No secrets: exit status and a short reason. */
export interface UpstreamExit {
  code: number | null;
  signal: string | null;
  /** e.g. `exited (signal SIGTERM)`, `did not initialize within 1000 ms`. */
  reason: string;
  /** ISO 8601. */
  at: string;
}

/** The `upstream` block of `/health`. */
export interface UpstreamHealth {
  mode: ActiveUpstream["mode"];
  state: UpstreamState;
  /** Starts after the first one. */
  restarts: number;
  lastExit?: UpstreamExit;
}

export interface SupervisorOptions {
  logger: Logger;
  /** True when the candidate is a currently accepted API key (for redacting the child's output). */
  isKey: (candidate: string) => boolean;
  /** @default UPSTREAM_DEFAULTS.restartMinMs (500) */
  restartMinMs?: number;
  /** @default UPSTREAM_DEFAULTS.restartMaxMs (30 000) */
  restartMaxMs?: number;
}

/** Implements the bridge's {@link UpstreamLink} (./bridge.ts). */
export class UpstreamSupervisor implements UpstreamLink {
  private conn: Connection | undefined;
  private state: UpstreamState = "starting";
  private restarts = 0;
  private failures = 0;
  private lastExit: UpstreamExit | undefined;
  private readyAt = 0;
  /** Bumped on every failure, so late events of an older connection are ignored. */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** A `ping` after an HTTP error answer is under way (http mode, {@link noteCallFailure}). */
  private probing = false;
  private readonly minMs: number;
  private readonly maxMs: number;

  constructor(
    readonly config: ActiveUpstream,
    private readonly opts: SupervisorOptions,
  ) {
    this.minMs = opts.restartMinMs ?? UPSTREAM_DEFAULTS.restartMinMs;
    this.maxMs = opts.restartMaxMs ?? UPSTREAM_DEFAULTS.restartMaxMs;
  }

  /** Starts the first connection (without waiting for it). */
  start(): void {
    void this.attempt();
  }

  /** The shared client while ready, else undefined. */
  get client(): Client | undefined {
    return this.state === "ready" ? this.conn?.client : undefined;
  }

  /** The child's pid while there is one (tests kill it). */
  get pid(): number | undefined {
    return this.conn?.pid;
  }

  /** Per-call timeout for forwarded requests, ms (MCP_UPSTREAM_TIMEOUT_MS). */
  get timeoutMs(): number {
    return this.config.timeoutMs;
  }

  get ready(): boolean {
    return this.state === "ready";
  }

  health(): UpstreamHealth {
    return {
      mode: this.config.mode,
      state: this.state,
      restarts: this.restarts,
      ...(this.lastExit ? { lastExit: { ...this.lastExit } } : {}),
    };
  }

  /**
   * A forwarded call failed. In http mode a failure that is not the upstream's own JSON-RPC answer may mean the sidecar
   * or child is gone (stdio notices an exit by itself):
   * - no HTTP answer at all (connection refused or reset): reconnect at once;
   * - an HTTP error status (`SdkHttpError`: a 413 for a body over the upstream's own limit, a 500 from one handler, or
   *   a 400/404 for a session the upstream no longer knows after it restarted): the upstream is alive but the session
   *   may not be, so one `ping` on the shared client decides: answered (even with a JSON-RPC error), the connection
   *   stays and so does a stateful upstream's state and every other caller's call in flight; not answered, reconnect.
   *   One probe at a time; the ping's timeout is MCP_UPSTREAM_TIMEOUT_MS.
   */
  noteCallFailure(err: unknown): void {
    if (this.config.mode !== "http" || this.state !== "ready" || isUpstreamAnswer(err)) return;
    const gen = this.generation;
    const lost = (reason: unknown) =>
      this.fail(gen, { code: null, signal: null, reason: `call failed: ${shortReason(reason)}` });
    const client = this.conn?.client;
    if (!(err instanceof SdkHttpError) || !client) {
      lost(err);
      return;
    }
    if (this.probing) return;
    this.probing = true;
    client
      .ping({ timeout: this.config.timeoutMs })
      .then(
        () => {},
        (pingErr: unknown) => (pingErr instanceof ProtocolError ? undefined : lost(err)),
      )
      .finally(() => {
        this.probing = false;
      });
  }

  /** Stops restarting, closes the client and stops the child (SIGTERM, then SIGKILL after a grace). */
  async close(): Promise<void> {
    this.closed = true;
    this.state = "stopped";
    clearTimeout(this.timer);
    const conn = this.conn;
    this.conn = undefined;
    await conn?.stop().catch(() => {});
    this.opts.logger.info({ upstream: { mode: this.config.mode } }, "upstream stopped");
  }

  private async attempt(): Promise<void> {
    const gen = this.generation;
    const handle: { stop?: () => Promise<void> } = {};
    const deps = {
      logger: this.opts.logger,
      isKey: this.opts.isKey,
      handle,
      onGone: (exit: ChildExit & { reason: string }) => this.fail(gen, exit),
    };
    try {
      const conn = await (this.config.mode === "stdio"
        ? connectStdio(this.config, deps)
        : connectHttp(this.config, deps));
      if (this.closed || gen !== this.generation) {
        await conn.stop().catch(() => {});
        return;
      }
      this.conn = conn;
      this.state = "ready";
      this.readyAt = Date.now();
      const info = conn.client.getServerVersion();
      this.opts.logger.info(
        {
          upstream: { mode: this.config.mode, pid: conn.pid, restarts: this.restarts },
          serverInfo: info ? { name: info.name, version: info.version } : undefined,
        },
        "upstream ready",
      );
    } catch (err) {
      this.fail(gen, { code: null, signal: null, reason: shortReason(err) });
      await handle.stop?.().catch(() => {});
    }
  }

  /** Records a failure of generation `gen` (ignored if stale or closed) and schedules the next start. */
  private fail(gen: number, exit: ChildExit & { reason: string }): void {
    if (this.closed || gen !== this.generation) return;
    this.generation++;
    const wasReady = this.state === "ready";
    if (wasReady && Date.now() - this.readyAt >= this.maxMs) this.failures = 0;
    this.failures++;
    this.lastExit = { code: exit.code, signal: exit.signal, reason: exit.reason, at: new Date().toISOString() };
    this.state = wasReady ? "restarting" : this.state === "restarting" ? "restarting" : "failed";
    const old = this.conn;
    this.conn = undefined;
    void old?.stop().catch(() => {});
    const delayMs = Math.min(this.maxMs, this.minMs * 2 ** (this.failures - 1));
    this.opts.logger.error(
      {
        upstream: { mode: this.config.mode, state: this.state, restarts: this.restarts, lastExit: this.lastExit },
        delayMs,
      },
      "upstream unavailable; restarting",
    );
    this.timer = setTimeout(() => {
      this.restarts++;
      void this.attempt();
    }, delayMs);
    this.timer.unref();
  }
}
