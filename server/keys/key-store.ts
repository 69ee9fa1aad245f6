/**
 * The API-key store: loads keys from its sources, keeps only their SHA-256 digests, re-reads each source when it is
 * due (a dynamic source after its TTL, a file when it changed, a failed source after the retry delay), and merges the
 * last good keys of every source into the set that requests are checked against.
 *
 * Rules (README "The server", "Key sources"):
 * - Sources are independent: one that fails (at start or later) does not take the others' keys with it (the review's
 *   M1: a failing SSM source made an `MCP_API_KEYS` key answer 503).
 * - A source that cannot be read (missing, unreadable, timed out, an SSM error, a key shorter than
 *   {@link MIN_KEY_LENGTH}) keeps its last good keys, with a warning. A source that was read and holds no key (an
 *   emptied file, a parameter set to blanks) revokes its keys (the review's L3).
 * - A refresh never stalls requests once keys are loaded (the review's H1): a request waits for a refresh under way
 *   only while that refresh is younger than `staleWaitMs` (so a quick refresh, a rotation or a revocation, applies to
 *   the request that triggered it), then is judged against the current set. Each source's load is abandoned after
 *   `refreshTimeoutMs`. Only before the first load of every source does a key that matches nothing wait for the load
 *   itself (bounded by the same timeout), since its source may not have been read yet.
 * - A key that matches nothing gets `unavailable` (503), not `invalid`, while some source has never been read: the
 *   key might be in it.
 */
import type { Logger } from "pino";
import { digestKey, findDigest, keyIdOf } from "./digest.js";
import { type KeySource, shortKeyProblem } from "./sources.js";

/** How often sources are asked whether they changed, ms. */
export const CHANGE_CHECK_MS = 1000;
/** Default for {@link ApiKeyStoreOptions.refreshTimeoutMs}, ms. */
export const REFRESH_TIMEOUT_MS = 3000;
/** Default for {@link ApiKeyStoreOptions.staleWaitMs}, ms. */
export const STALE_WAIT_MS = 250;
/** Longest failure reason logged, characters (an SDK message can be long). */
const MAX_REASON_CHARS = 300;

export type KeyCheck =
  | { status: "valid"; keyId: string }
  | { status: "invalid" }
  /** No key is loaded, or the key matched nothing while a source has never been read: the caller answers 503. */
  | { status: "unavailable" };

/**
 * - `ready`: every source was read at its last attempt;
 * - `stale`: keys are served, but some source could not be read at its last attempt (its last good keys, if any, are
 *   used) or a refresh has been under way for longer than `staleWaitMs`;
 * - `unavailable`: no key is loaded (never loaded, or every source is empty): `/mcp` answers 503.
 */
export type KeyState = "ready" | "stale" | "unavailable";

export interface ApiKeyStoreOptions {
  sources: readonly KeySource[];
  /** Cache lifetime for dynamic sources, ms. */
  ttlMs: number;
  /** After a failed load of a source, ms before the next attempt (a changed file is re-read at once). */
  retryMs: number;
  logger: Logger;
  /** Clock, ms since epoch. @default Date.now */
  now?: () => number;
  /** A source's load that takes longer counts as failed, ms. @default {@link REFRESH_TIMEOUT_MS} */
  refreshTimeoutMs?: number;
  /** Longest a request with a key not in the current set waits for a refresh under way, ms. @default {@link STALE_WAIT_MS} */
  staleWaitMs?: number;
}

interface SourceState {
  readonly source: KeySource;
  /** The last good keys; undefined until a load succeeds. */
  digests: Buffer[] | undefined;
  attempted: boolean;
  /** The last attempt failed (or timed out). */
  failed: boolean;
  expiresAt: number;
  retryAt: number;
}

/** Why a load failed, short and without a stack. */
function reasonOf(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

/**
 * Thread of control: loads start inside `check()` and `state` (single-flight), never on a timer, so the store behaves
 * the same on Lambda, where a frozen sandbox runs no timers. Timers only bound waits.
 */
export class ApiKeyStore {
  private readonly sources: SourceState[];
  private merged: Buffer[] = [];
  private mergedIds = "";
  private inflight: Promise<void> | undefined;
  private refreshStartedAt = 0;
  private lastChangeCheck = 0;
  /** Every source has been attempted at least once. */
  private settled = false;
  private readonly now: () => number;
  private readonly refreshTimeoutMs: number;
  private readonly staleWaitMs: number;

  /** @throws {Error} when `sources` is empty. */
  constructor(private readonly opts: ApiKeyStoreOptions) {
    if (opts.sources.length === 0) throw new Error("ApiKeyStore needs at least one key source");
    this.sources = opts.sources.map((source) => ({
      source,
      digests: undefined,
      attempted: false,
      failed: false,
      expiresAt: 0,
      retryAt: 0,
    }));
    this.now = opts.now ?? Date.now;
    this.refreshTimeoutMs = opts.refreshTimeoutMs ?? REFRESH_TIMEOUT_MS;
    this.staleWaitMs = opts.staleWaitMs ?? STALE_WAIT_MS;
  }

  /**
   * See {@link KeyState}. Safe to expose on the health path. Reading it also starts a refresh when one is due (without
   * waiting for it), so that health probes keep the cache fresh on an idle server.
   */
  get state(): KeyState {
    const t = this.now();
    this.kick(t);
    if (this.merged.length === 0) return "unavailable";
    const overdue = this.inflight !== undefined && this.settled && t - this.refreshStartedAt > this.staleWaitMs;
    return overdue || this.sources.some((s) => s.failed) ? "stale" : "ready";
  }

  /** Number of distinct keys currently accepted (0 before the first load). */
  get size(): number {
    return this.merged.length;
  }

  /**
   * True when `candidate` is a currently accepted key (digest lookup; no refresh, no wait). For redacting text that
   * this server did not write (an upstream child's output, server/upstream/redact.ts). Not for authentication: use
   * {@link check}.
   */
  isKnownKey(candidate: string): boolean {
    return findDigest(candidate, this.merged) !== undefined;
  }

  /**
   * Checks a presented key in constant time against every current key (see the rules above for when it waits).
   * Never throws.
   */
  async check(presented: string): Promise<KeyCheck> {
    const t = this.now();
    this.kick(t);
    let match = findDigest(presented, this.merged);
    if (this.inflight && (this.settled || !match)) {
      await (this.settled
        ? this.waitBriefly(this.inflight, this.refreshStartedAt + this.staleWaitMs - t)
        : this.inflight);
      match = findDigest(presented, this.merged);
    }
    if (match) return { status: "valid", keyId: keyIdOf(match) };
    if (this.merged.length === 0 || this.sources.some((s) => s.digests === undefined)) return { status: "unavailable" };
    return { status: "invalid" };
  }

  /** Starts loading every source that is due (single-flight) and resolves when that load ends. Never rejects. */
  refresh(): Promise<void> {
    this.kick(this.now());
    return this.inflight ?? Promise.resolve();
  }

  /** Resolves when `p` settles or after `ms`, whichever is first. */
  private waitBriefly(p: Promise<void>, ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    });
    return Promise.race([p, elapsed]).finally(() => clearTimeout(timer));
  }

  /** Starts a load of the due sources unless one is under way. */
  private kick(t: number): void {
    if (this.inflight) return;
    const checkChanges = t - this.lastChangeCheck >= CHANGE_CHECK_MS;
    if (checkChanges) this.lastChangeCheck = t;
    const due = this.sources.filter(
      (s) =>
        !s.attempted ||
        (s.failed && t >= s.retryAt) ||
        (s.source.dynamic && !s.failed && t >= s.expiresAt) ||
        (checkChanges && (s.source.changed?.() ?? false)),
    );
    if (due.length === 0) return;
    this.refreshStartedAt = t;
    this.inflight = Promise.all(due.map((s) => this.loadOne(s))).then(() => {
      this.settled = this.sources.every((s) => s.attempted);
      this.inflight = undefined;
    });
  }

  /** Loads one source within the refresh timeout and records the outcome. Never rejects. */
  private async loadOne(s: SourceState): Promise<void> {
    const { logger, ttlMs, retryMs } = this.opts;
    const source = s.source.description;
    let timer: NodeJS.Timeout | undefined;
    try {
      const load = s.source.load();
      load.catch(() => {}); // a load abandoned at the timeout must not become an unhandled rejection
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`reading ${source} took longer than ${this.refreshTimeoutMs} ms`)),
          this.refreshTimeoutMs,
        );
        timer.unref();
      });
      const keys = await Promise.race([load, timeout]);
      const problem = shortKeyProblem(source, keys);
      if (problem) throw new Error(problem);
      const unique = new Map<string, Buffer>();
      for (const k of keys) {
        const d = digestKey(k);
        unique.set(d.toString("hex"), d);
      }
      const hadKeys = (s.digests?.length ?? 0) > 0;
      s.digests = [...unique.values()];
      s.attempted = true;
      s.failed = false;
      s.expiresAt = this.now() + ttlMs;
      if (s.digests.length === 0) {
        logger.warn(
          { source },
          hadKeys ? "api key source holds no key: its keys are revoked" : "api key source holds no key",
        );
      }
      this.merge(true);
    } catch (err) {
      s.attempted = true;
      s.failed = true;
      s.retryAt = this.now() + retryMs;
      const reason = reasonOf(err);
      if (s.digests) {
        logger.warn(
          { source, reason, keyCount: s.digests.length },
          "api key refresh failed; serving the last loaded keys",
        );
      } else {
        logger.error({ source, reason }, "api key source unavailable; its keys are refused until a load succeeds");
      }
      this.merge(false);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Rebuilds the accepted set from every source's last good keys; logs at info when it changed (else at debug after a good load). */
  private merge(loaded: boolean): void {
    const unique = new Map<string, Buffer>();
    for (const s of this.sources) for (const d of s.digests ?? []) unique.set(d.toString("hex"), d);
    this.merged = [...unique.values()];
    const keyIds = this.merged.map(keyIdOf);
    const ids = keyIds.join(",");
    const changed = ids !== this.mergedIds;
    this.mergedIds = ids;
    const sources = this.sources.filter((s) => s.digests !== undefined).map((s) => s.source.description);
    if (this.merged.length === 0) {
      if (changed || loaded)
        this.opts.logger.error(
          { sources: this.sources.map((s) => s.source.description) },
          "no api key is loaded; /mcp answers 503 until a key source holds a key",
        );
      return;
    }
    if (changed || loaded)
      this.opts.logger[changed ? "info" : "debug"]({ keyCount: keyIds.length, keyIds, sources }, "api keys loaded");
  }
}
