/** Key digests: keys are held and compared only as SHA-256 digests, so comparison time does not depend on length. */
import { createHash, timingSafeEqual } from "node:crypto";

/** SHA-256 of the key's UTF-8 bytes (32 bytes). */
export function digestKey(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** A short, non-reversible id for logs: the first 8 hex characters of the digest. Never the key itself. */
export function keyIdOf(digest: Buffer): string {
  return digest.subarray(0, 4).toString("hex");
}

/**
 * Finds `presented` among `digests` in constant time: every digest is compared (no early exit on a match or on
 * length), and each comparison is `timingSafeEqual` over 32 bytes.
 *
 * @returns the matching digest, or undefined.
 */
export function findDigest(presented: string, digests: readonly Buffer[]): Buffer | undefined {
  const probe = digestKey(presented);
  let match: Buffer | undefined;
  for (const d of digests) {
    if (timingSafeEqual(probe, d) && match === undefined) match = d;
  }
  return match;
}
