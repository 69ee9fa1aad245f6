/**
 * Redaction of API keys in text this server did not write (an upstream child's stderr/stdout, its log
 * notifications), and the line cap for such text.
 *
 * The key store keeps only SHA-256 digests (server/keys/digest.ts), so redaction cannot search for a key's text.
 * Instead every candidate token is digested and looked up: a token is a run of characters between whitespace, quotes
 * and `, ; & ? ( ) [ ] { } < > | \` ` (so `x-api-key: KEY`, `"KEY"`, `key=KEY&…` and `Bearer KEY` are all caught);
 * a token that contains `=` or `:` is also tried as the part after the first of them (`key=KEY`, `k:KEY`). Tokens
 * shorter than MIN_KEY_LENGTH (20, server/keys/sources.ts) are skipped: no key is that short.
 * Limitation: a key glued to other characters with none of those separators (`abcKEY`) is not recognised.
 */
import { MIN_KEY_LENGTH } from "../keys/sources.js";

/** Longest line logged from an upstream, characters; longer lines are cut and marked with `…`. */
export const UPSTREAM_LINE_MAX = 2000;

/** What replaces a key. */
export const REDACTED = "[REDACTED]";

const TOKEN = /[^\s"'`,;&?()[\]{}<>|\\]+/g;

/**
 * @param text - any text; cut to {@link UPSTREAM_LINE_MAX} first.
 * @param isKey - true when the candidate is a currently accepted API key (ApiKeyStore.isKnownKey).
 * @returns the text with every recognised key replaced by {@link REDACTED}.
 */
export function redactKeys(text: string, isKey: (candidate: string) => boolean): string {
  const capped = text.length > UPSTREAM_LINE_MAX ? `${text.slice(0, UPSTREAM_LINE_MAX)}…` : text;
  return capped.replace(TOKEN, (token) => {
    if (token.length < MIN_KEY_LENGTH) return token;
    if (isKey(token)) return REDACTED;
    const sep = token.search(/[=:]/);
    if (sep >= 0) {
      const tail = token.slice(sep + 1);
      if (tail.length >= MIN_KEY_LENGTH && isKey(tail)) return `${token.slice(0, sep + 1)}${REDACTED}`;
    }
    return token;
  });
}
