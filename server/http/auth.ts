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

/** Rejects what `identify` did not accept: 401 for a missing or invalid key, 503 when keys are unavailable. */
export const requireKey: RequestHandler = (_req, res, next) => {
  const auth = authOf(res);
  switch (auth.status) {
    case "valid":
      return next();
    case "unavailable":
      res.setHeader("Retry-After", "5");
      return sendJsonRpcError(res, 503, JsonRpcCode.ServerError, "Service unavailable: API keys could not be loaded");
    case "missing":
    case "invalid":
      res.setHeader("WWW-Authenticate", 'ApiKey header="x-api-key"');
      return sendJsonRpcError(
        res,
        401,
        JsonRpcCode.ServerError,
        auth.status === "missing"
          ? "Unauthorized: API key missing (send x-api-key or Authorization: Bearer)"
          : "Unauthorized: API key invalid",
        { reason: auth.status === "missing" ? "api_key_missing" : "api_key_invalid" },
      );
  }
};
