/**
 * The answer for every path the server does not serve: 404 with a JSON-RPC error body that says where the MCP
 * endpoint is. OAuth discovery and registration paths (RFC 9728 protected-resource metadata, RFC 8414 / OpenID
 * authorization-server metadata, and the `/register`, `/authorize`, `/token` defaults the MCP authorization spec falls
 * back to, https://modelcontextprotocol.io/specification/2025-06-18/basic/authorization#fallbacks-for-servers-without-metadata-discovery)
 * get a message saying that this server uses API keys, so a client that tries OAuth after a 401 shows why it failed.
 */
import type { RequestHandler } from "express";
import { JsonRpcCode, sendJsonRpcError } from "./errors.js";

/** Paths a client probes when it tries OAuth against this server. */
export const OAUTH_PATHS =
  /^\/(?:\.well-known\/(?:oauth-protected-resource|oauth-authorization-server|openid-configuration)(?:\/.*)?|register|authorize|token)\/?$/;

/** The 404 message for an OAuth path. */
export const NO_OAUTH =
  "Not Found: this server has no OAuth. It takes an API key in the x-api-key header (or Authorization: Bearer)";

/** @param mcpPath - the MCP endpoint's path (e.g. `/mcp`), named in the message for any other path. */
export function notFound(mcpPath: string): RequestHandler {
  return (req, res) => {
    const message = OAUTH_PATHS.test(req.path) ? NO_OAUTH : `Not Found: the MCP endpoint is ${mcpPath}`;
    sendJsonRpcError(res, 404, JsonRpcCode.ServerError, message, {
      reason: OAUTH_PATHS.test(req.path) ? "no_oauth" : "not_found",
    });
  };
}
