/**
 * Short -32602 errors for invalid params. The v2 SDK (2.4.0) checks each request against the revision's wire schema
 * before the handler runs, and on failure answers with the raw zod issue list as the message: -32603 ("Internal
 * error") for `resources/read` without `uri` (its `setRequestHandler` throws a plain `Error`), -32602 with the same
 * raw dump for `tools/call` with `name: 1` or `arguments: "x"`. JSON-RPC 2.0 §5.1 and MCP say invalid params is
 * -32602, and a client needs one readable line, not validator internals (hostile-input review, L5).
 * https://www.jsonrpc.org/specification#error_object
 *
 * Only error responses whose message is (or ends in) a zod issue list are rewritten; every other message passes
 * through unchanged, so real internal errors stay -32603.
 */
import type { JSONRPCMessage } from "@modelcontextprotocol/server";

/** JSON-RPC "Invalid params". */
export const INVALID_PARAMS = -32602;
/** Longest message sent, characters. */
export const INVALID_PARAMS_MESSAGE_MAX = 200;
/** At most this many issues are named. */
const ISSUES_MAX = 3;

interface Issue {
  path: (string | number)[];
  message: string;
}

function isIssueList(v: unknown): v is Issue[] {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every(
      (i) =>
        typeof i === "object" &&
        i !== null &&
        Array.isArray((i as Issue).path) &&
        typeof (i as Issue).message === "string",
    )
  );
}

/** The zod issue list inside an SDK error message (`[...]` or `Invalid tools/call request: [...]`), if any. */
export function parseIssueList(message: string): Issue[] | undefined {
  const start = message.indexOf("[");
  if (start < 0 || !message.trimEnd().endsWith("]")) return undefined;
  try {
    const parsed: unknown = JSON.parse(message.slice(start));
    return isIssueList(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** `Invalid params: uri: Invalid input: expected string, received undefined` (the leading `params.` dropped). */
export function formatIssues(issues: Issue[]): string {
  const parts = issues.slice(0, ISSUES_MAX).map((i) => {
    const path = (i.path[0] === "params" ? i.path.slice(1) : i.path).join(".");
    return path ? `${path}: ${i.message}` : i.message;
  });
  const more = issues.length > ISSUES_MAX ? ` (+${issues.length - ISSUES_MAX} more)` : "";
  const text = `Invalid params: ${parts.join("; ")}${more}`;
  return text.length > INVALID_PARAMS_MESSAGE_MAX ? `${text.slice(0, INVALID_PARAMS_MESSAGE_MAX - 1)}…` : text;
}

/** Returns `message` unchanged, or, for an error carrying a raw issue list, the same error as a short -32602. */
export function shortInvalidParams(message: JSONRPCMessage): JSONRPCMessage {
  const error = (message as { error?: { code?: unknown; message?: unknown } }).error;
  if (!error || typeof error.message !== "string") return message;
  if (error.code !== -32603 && error.code !== INVALID_PARAMS) return message;
  const issues = parseIssueList(error.message);
  if (!issues) return message;
  return { ...message, error: { code: INVALID_PARAMS, message: formatIssues(issues) } } as JSONRPCMessage;
}
