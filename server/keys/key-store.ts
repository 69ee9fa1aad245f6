/**
 * The API-key store: loads keys from its sources, keeps only their SHA-256 digests, re-reads dynamic sources after a
 * TTL, keeps serving the last good keys through an outage, and fails closed when keys were never loaded.
 */
import type { Logger } from "pino";
import { digestKey, findDigest, keyIdOf } from "./digest.js";
import type { KeySource } from "./sources.js";

/** How often sources are asked whether they changed, ms. */
export const CHANGE_CHECK_MS = 1000;

export type KeyCheck =
  | { status: "valid"; keyId: string }
  | { status: "invalid" }
  /** Keys were never loaded (or every load failed): the caller must answer 503, never let the request in. */
  | { status: "unavailable" };

export interface ApiKeyStoreOptions {
  sources: readonly KeySource[];
  /** Cache lifetime for dynamic sources, ms. */
  ttlMs: number;
  /** After a failed load, ms before the next attempt. */
  retryMs: number;
  logger: Logger;
  /** Clock, ms since epoch. @default Date.now */
  now?: () => number;
}

/**
 * Thread of control: loads happen inside `check()` (single-flight), never on a timer, so the store behaves the same on
 * Lambda, where a frozen sandbox runs no timers.
 */
export class ApiKeyStore {
  private digests: Buffer[] | undefined;
  private expiresAt = 0;
  private retryAt = 0;
  private inflight: Promise<void> | undefined;
  private lastChangeCheck = 0;
  private readonly dynamic: boolean;
  private readonly now: () => number;

  /** @throws {Error} when `sources` is empty. */
  constructor(private readonly opts: ApiKeyStoreOptions) {
    if (opts.sources.length === 0) throw new Error("ApiKeyStore needs at least one key source");
    this.dynamic = opts.sources.some((s) => s.dynamic);
    this.now = opts.now ?? Date.now;
  }

  /** `ready` once any load succeeded; `unavailable` before that. Safe to expose on the health path. */
  get state(): "ready" | "unavailable" {
    return this.digests ? "ready" : "unavailable";
  }

  /** Number of distinct keys currently accepted (0 before the first load). */
  get size(): number {
    return this.digests?.length ?? 0;
  }

  /**
   * Checks a presented key in constant time against every current key, refreshing first when the cache has expired.
   * Never throws: a failed load yields the last good keys, or `unavailable` when there are none.
   */
  async check(presented: string): Promise<KeyCheck> {
    const digests = await this.current();
    if (!digests) return { status: "unavailable" };
    const match = findDigest(presented, digests);
    return match ? { status: "valid", keyId: keyIdOf(match) } : { status: "invalid" };
  }

  /** Loads now (single-flight) unless a load is already under way. Never throws; failures are logged. */
  refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Asks sources that can tell (e.g. a key file) whether they changed, at most once a second. */
  private sourcesChanged(t: number): boolean {
    if (t - this.lastChangeCheck < CHANGE_CHECK_MS) return false;
    this.lastChangeCheck = t;
    return this.opts.sources.some((s) => s.changed?.() ?? false);
  }

  private async current(): Promise<Buffer[] | undefined> {
    const t = this.now();
    const changed = this.digests !== undefined && this.sourcesChanged(t);
    const fresh = this.digests !== undefined && !changed && (t < this.expiresAt || !this.dynamic);
    if (!fresh && t >= this.retryAt) await this.refresh();
    return this.digests;
  }

  private async load(): Promise<void> {
    const { sources, logger, ttlMs, retryMs } = this.opts;
    try {
      const keys = (await Promise.all(sources.map((s) => s.load()))).flat();
      if (keys.length === 0) throw new Error("the key sources hold no key");
      const unique = new Map<string, Buffer>();
      for (const k of keys) {
        const d = digestKey(k);
        unique.set(d.toString("hex"), d);
      }
      const first = this.digests === undefined;
      this.digests = [...unique.values()];
      this.expiresAt = this.now() + ttlMs;
      logger[first ? "info" : "debug"](
        {
          keyCount: this.digests.length,
          keyIds: this.digests.map(keyIdOf),
          sources: sources.map((s) => s.description),
        },
        "api keys loaded",
      );
    } catch (err) {
      this.retryAt = this.now() + retryMs;
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (this.digests) {
        logger.warn({ reason, keyCount: this.digests.length }, "api key refresh failed; serving the last loaded keys");
      } else {
        logger.error({ reason }, "api keys unavailable; /mcp answers 503 until a load succeeds");
      }
    }
  }
}
