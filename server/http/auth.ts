/**
 * API-key authentication. The key arrives as `x-api-key: <key>` or `Authorization: Bearer <key>`. API-key mode
 * advertises no OAuth metadata: the 401 challenge uses the `ApiKey` scheme, so clients do not start OAuth discovery.
 */
import type { Request, RequestHandler, Response } from "express";
import type { ApiKeyStore, KeyCheck } from "../keys/key-store.js";
import { JsonRpcCode, sendJsonRpcError } from "./errors.js";
import { annotateLog } from "./request-log.js";

export type AuthResult = KeyCheck | { status: "missing" };

const BEARER = /^Bearer[ ]+(.+)$/i;

/** The presented key, or undefined when neither header carries one. `x-api-key` wins when both are present. */
export function presentedKey(req: Request): string | undefined {
  const header = req.headers["x-api-key"];
  if (typeof header === "string" && header.trim() !== "") return header.trim();
  const match = BEARER.exec(req.headers.authorization ?? "");
  const bearer = match?.[1]?.trim();
  return bearer ? bearer : undefined;
}

/** The auth result `identify` stored on the response. */
export function authOf(res: Response): AuthResult {
  return (res.locals.auth as AuthResult | undefined) ?? { status: "missing" };
}

/**
 * Checks the request's key and records the result in `res.locals.auth` (and the key id for the log). Idempotent: a
 * request already identified (by the per-IP guard, which runs first on every path) is not checked again.
 */
export async function identifyRequest(store: ApiKeyStore, req: Request, res: Response): Promise<AuthResult> {
  const known = res.locals.auth as AuthResult | undefined;
  if (known) return known;
  const key = presentedKey(req);
  const result: AuthResult = key === undefined ? { status: "missing" } : await store.check(key);
  res.locals.auth = result;
  if (result.status === "valid") annotateLog(res, { keyId: result.keyId });
  return result;
}

/** Middleware form of {@link identifyRequest}; rejects nothing. */
export function identify(store: ApiKeyStore): RequestHandler {
  return async (req, res, next) => {
    await identifyRequest(store, req, res);
    next();
  };
}

/**
 * A key that is an unexpanded client-config reference such as `${MCP_ANYWHERE_API_KEY}`, `${env:VAR}` or
 * `${input:id}`: the client sent the placeholder because the variable is unset in its environment or, in Kiro, not
 * approved ("Approved environment variables", https://kiro.dev/docs/mcp/security). Such a string is a variable name,
 * never a key, so naming it in the answer leaks nothing.
 */
export const UNEXPANDED_PLACEHOLDER = /^\$\{(?:env:|input:)?[A-Za-z_][A-Za-z0-9_.-]{0,63}\}$/;

/**
 * The 401 messages. They say that this server takes an API key, not OAuth, and where the key comes from, because
 * clients that see a 401 may start OAuth discovery on their own (the MCP Inspector CLI does on any 401) and show that
 * instead; `--stored-auth-only` makes the Inspector print this message.
 */
export const UNAUTHORIZED = {
  missing:
    "Unauthorized: API key missing. This server takes an API key (x-api-key header or Authorization: Bearer), not OAuth",
  invalid:
    "Unauthorized: API key invalid. This server takes an API key, not OAuth: use the key `npm start` printed, or a " +
    "deployed stack's key from SSM (npm run connect -- --embed-key --stack <name>, or MCP_ANYWHERE_API_KEY)",
  placeholder: (text: string) =>
    `Unauthorized: API key invalid: the client sent the unexpanded placeholder ${text}, not a key. Set the variable ` +
    "where the client starts (a GUI app does not see a shell's export) or, in Kiro, approve it; or embed the key",
} as const;

/** Rejects what `identify` did not accept: 401 for a missing or invalid key, 503 when keys are unavailable. */
export const requireKey: RequestHandler = (req, res, next) => {
  const auth = authOf(res);
  switch (auth.status) {
    case "valid":
      return next();
    case "unavailable":
      res.setHeader("Retry-After", "5");
      return sendJsonRpcError(res, 503, JsonRpcCode.ServerError, "Service unavailable: API keys could not be loaded");
    case "missing":
    case "invalid": {
      // Not `Bearer`: a Bearer challenge (with or without resource_metadata) invites OAuth discovery (RFC 9728 §5.1).
      res.setHeader("WWW-Authenticate", 'ApiKey header="x-api-key"');
      const presented = presentedKey(req);
      const message =
        auth.status === "missing"
          ? UNAUTHORIZED.missing
          : presented !== undefined && UNEXPANDED_PLACEHOLDER.test(presented)
            ? UNAUTHORIZED.placeholder(presented)
            : UNAUTHORIZED.invalid;
      return sendJsonRpcError(res, 401, JsonRpcCode.ServerError, message, {
        reason: auth.status === "missing" ? "api_key_missing" : "api_key_invalid",
      });
    }
  }
};
