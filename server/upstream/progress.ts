/**
 * Progress routing on the shared upstream client, by a progressToken of our own per forwarded request.
 *
 * Why not the SDK's `onprogress` request option: the v2 client (2.4.0) dispatches notification handlers on a
 * microtask but handles responses synchronously, and drops a request's progress handler when its response arrives;
 * so a progress notification that the upstream sends just before its result (server-everything's
 * trigger-long-running-operation sends its last step that way) reaches `onprogress` after the handler is gone, and is
 * lost ("Received a progress notification for an unknown token"). Routing `notifications/progress` ourselves keeps the
 * route open until the forwarded call has settled, so the last update is relayed before the result.
 */
import type { Client } from "@modelcontextprotocol/client";

/** The fields of a `notifications/progress` after the token. */
export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

type Listener = (update: ProgressUpdate) => void;

const routes = new WeakMap<Client, Map<string, Listener>>();
let next = 0;

/** Installs the `notifications/progress` router on a new client (replacing the SDK's own handler). */
export function routeProgress(client: Client): void {
  const table = new Map<string, Listener>();
  routes.set(client, table);
  client.setNotificationHandler("notifications/progress", (n) => {
    const { progressToken, ...update } = n.params;
    table.get(String(progressToken))?.(update as ProgressUpdate);
  });
}

/**
 * Opens a route: `token` goes into the forwarded request's `_meta.progressToken`; `close` when the call has settled.
 * @throws {Error} when the client has no router (not created by ./connection.ts).
 */
export function openProgressRoute(client: Client, listener: Listener): { token: string; close: () => void } {
  const table = routes.get(client);
  if (!table) throw new Error("upstream client has no progress router");
  const token = `mcp-anywhere-${++next}`;
  table.set(token, listener);
  return { token, close: () => table.delete(token) };
}
