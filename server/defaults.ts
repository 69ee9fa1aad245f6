/**
 * The server's defaults, in one place. `server/config.ts` applies them. The port, paths, body limit, shutdown grace and
 * rate limits come from the pure layer (infra/core/defaults.ts), which the Pulumi side reads too, so that the edge and
 * the app cannot drift.
 */
import { EDGE_AND_APP_DEFAULTS } from "../infra/core/defaults.js";

export const SERVER_DEFAULTS = {
  ...EDGE_AND_APP_DEFAULTS,
  /** SSM key cache lifetime, seconds. */
  apiKeysTtlSeconds: 300,
  /** After a failed SSM read, seconds before the next attempt (so an outage is not hammered); never above the TTL. */
  apiKeysRetrySeconds: 5,
} as const;
