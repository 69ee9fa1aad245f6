/**
 * `npm run verify`: a black-box check of any deployment (or the local server) through its public URL. Each check
 * passes, warns or fails; the key is never part of any output.
 */
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { connect, rootCertificates } from "node:tls";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { EDGE_AND_APP_DEFAULTS } from "../../infra/core/defaults.js";

export interface CheckResult {
  name: string;
  status: "pass" | "warn" | "fail";
  detail: string;
}

export interface VerifyOptions {
  /** The MCP endpoint, `https://…/mcp`. */
  url: string;
  apiKey: string;
  /** Also send a bounded burst that must meet 429 with Retry-After. @default false */
  rate?: boolean;
  /** Echo calls for the latency figures. @default 20 */
  calls?: number;
  /** Most requests the burst may send. @default 300 */
  burstLimit?: number;
  /** Extra CA certificates (PEM) the tls check trusts besides Node's bundled roots. @default none */
  ca?: string;
}

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "mcp-anywhere-verify", version: "1" },
  },
});
const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/** The current MCP revision: https://modelcontextprotocol.io/specification/2026-07-28 */
export const MODERN_REVISION = "2026-07-28";

/** The sessions verify opens, in order; the first is the one whose echo calls give the latency figures. */
const ERAS = [
  {
    label: "2026-07-28 (server/discover, tools/list, tools/call echo)",
    mode: { pin: MODERN_REVISION },
    measured: true,
  },
  { label: "2025-era (initialize, tools/list, tools/call echo)", mode: "legacy", measured: false },
] as const;

/** The health URL next to the MCP endpoint: the last path segment replaced by the health path's (`health`). */
export function healthUrlFor(url: string): string {
  const u = new URL(url);
  u.pathname = u.pathname.replace(/[^/]*$/, EDGE_AND_APP_DEFAULTS.healthPath.slice(1));
  return u.toString();
}

/** Longest single wait for a 429's Retry-After, and the most verify waits in all (ms). */
export const RATE_WAIT_MAX_MS = { each: 10_000, total: 30_000 } as const;

/**
 * A `fetch` that waits out a 429 and sends the request again: Retry-After seconds (1 when absent), at most
 * {@link RATE_WAIT_MAX_MS}.each per wait and .total in all, then it returns the 429. This is what lets `verify` run
 * twice in a row: a previous run (or its `--rate` burst) may have used the key's budget, which recovers within
 * Retry-After (the app's per-key window: EDGE_AND_APP_DEFAULTS.rateLimitBurst per 2 s). Bodies here are strings, so a
 * retry can send them again. `waited.ms` adds up the time spent waiting.
 */
export function patientFetch(waited: { ms: number }, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    for (;;) {
      const res = await fetch(input, init);
      if (res.status !== 429) return res;
      const seconds = Number(res.headers.get("retry-after"));
      const ms = Math.min(RATE_WAIT_MAX_MS.each, (Number.isFinite(seconds) && seconds > 0 ? seconds : 1) * 1000);
      if (waited.ms + ms > RATE_WAIT_MAX_MS.total) return res;
      await res.arrayBuffer().catch(() => undefined);
      waited.ms += ms;
      await sleep(ms);
    }
  };
}

async function status(
  url: string,
  init: RequestInit,
  send: typeof fetch = fetch,
): Promise<{ status: number; retryAfter: string | null }> {
  const res = await send(url, init);
  await res.arrayBuffer().catch(() => undefined);
  return { status: res.status, retryAfter: res.headers.get("retry-after") };
}

/**
 * The TLS check from the URL alone, for plain http: passes on loopback and warns elsewhere. An https URL "passes" here
 * only as a scheme; {@link verify} checks its certificate with {@link tlsCertificateCheck}.
 */
export function tlsCheck(url: string): Omit<CheckResult, "name"> {
  const u = new URL(url);
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  if (u.protocol === "https:") return { status: "pass", detail: "https" };
  return loopback
    ? { status: "pass", detail: "plain http on loopback" }
    : { status: "warn", detail: "plain http: keys cross the network unencrypted" };
}

/** Below this much validity left, the tls check warns: renewal is failing (a 6-day certificate renews with ~80 h left). */
export const TLS_WARN_HOURS_LEFT = 48;

/**
 * The TLS check for an https URL: a handshake with Node's trust store (plus `ca`), as every MCP client does.
 * - pass: the chain is trusted and names the host; the detail gives the expiry.
 * - warn: trusted, but fewer than {@link TLS_WARN_HOURS_LEFT} hours left.
 * - fail: untrusted (self-signed, unknown issuer, wrong name, expired), with what it means and what to do; or no
 *   handshake at all.
 */
export function tlsCertificateCheck(url: string, ca?: string, timeoutMs = 10_000): Promise<Omit<CheckResult, "name">> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const port = Number(u.port || 443);
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      ca: ca ? [...rootCertificates, ca] : undefined,
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    const done = (r: Omit<CheckResult, "name">) => {
      socket.destroy();
      resolve(r);
    };
    socket.on("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const expires = new Date(cert.valid_to);
      const hoursLeft = (expires.getTime() - Date.now()) / 3_600_000;
      const names = cert.subjectaltname ?? `CN=${cert.subject?.CN ?? "?"}`;
      if (!socket.authorized) {
        const code = String(socket.authorizationError ?? "unknown");
        const selfSigned = /SELF_SIGNED/.test(code);
        return done({
          status: "fail",
          detail:
            `the server's certificate is not trusted (${code}; ${names}), so MCP clients refuse to connect. ` +
            (selfSigned
              ? "A self-signed certificate: on EC2 the host serves one until Let's Encrypt issues the real certificate, " +
                "which needs port 80 reachable from the whole internet; see `pulumi stack output tlsStatus` and " +
                "/etc/mcp-anywhere/tls/status on the host, then run verify again."
              : "Check the certificate's issuer, name and dates."),
        });
      }
      if (hoursLeft < TLS_WARN_HOURS_LEFT)
        return done({
          status: "warn",
          detail: `trusted (${names}) but expires ${expires.toISOString()}, in ${Math.max(0, Math.round(hoursLeft))} h: renewal is failing`,
        });
      return done({
        status: "pass",
        detail: `https, trusted certificate (${names}), expires ${expires.toISOString()}`,
      });
    });
    socket.on("timeout", () =>
      done({ status: "fail", detail: `no TLS handshake with ${host}:${port} within ${timeoutMs} ms` }),
    );
    socket.on("error", (err) =>
      done({ status: "fail", detail: `TLS handshake with ${host}:${port} failed: ${err.message}` }),
    );
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Runs every check in order; never throws for a failing endpoint (a failure is a result). */
export async function verify(o: VerifyOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const check = async (name: string, run: () => Promise<Omit<CheckResult, "name">>) => {
    try {
      results.push({ name, ...(await run()) });
    } catch (err) {
      results.push({
        name,
        status: "fail",
        detail: err instanceof Error ? err.message.replaceAll(o.apiKey, "[key]") : "failed",
      });
    }
  };
  const u = new URL(o.url);
  const waited = { ms: 0 };
  const patient = patientFetch(waited);

  await check("tls", async () => (u.protocol === "https:" ? tlsCertificateCheck(o.url, o.ca) : tlsCheck(o.url)));
  await check("health", async () => {
    const res = await fetch(healthUrlFor(o.url));
    const body = (await res.json().catch(() => ({}))) as { status?: string; keys?: string };
    return res.status === 200 && body.status === "ok"
      ? { status: "pass", detail: `200, keys ${body.keys ?? "?"}` }
      : { status: "fail", detail: `${res.status} ${JSON.stringify(body).slice(0, 80)}` };
  });

  // Both protocol eras, with the v2 SDK's Client: 2026-07-28 pinned (server/discover, then calls with the per-request
  // envelope and Mcp-Method/Mcp-Name headers; no fallback), and the plain 2025 sequence (initialize, then calls), which
  // is what today's clients send. https://ts.sdk.modelcontextprotocol.io/v2/protocol-versions
  const latencies: number[] = [];
  const eras: string[] = [];
  for (const era of ERAS) {
    await check(`mcp session ${era.label}`, async () => {
      const client = new Client(
        { name: "mcp-anywhere-verify", version: "1.0.0" },
        { versionNegotiation: { mode: era.mode } },
      );
      await client.connect(
        new StreamableHTTPClientTransport(new URL(o.url), {
          requestInit: { headers: { "x-api-key": o.apiKey } },
          fetch: patient,
        }),
      );
      try {
        const { tools } = await client.listTools();
        if (!tools.some((t) => t.name === "echo")) return { status: "fail", detail: "no echo tool" };
        const calls = era.measured ? (o.calls ?? 20) : 1;
        for (let i = 0; i < calls; i++) {
          const t0 = performance.now();
          const res = await client.callTool({ name: "echo", arguments: { text: `verify ${i}` } });
          if (era.measured) latencies.push(performance.now() - t0);
          if ((res.structuredContent as { text?: string } | undefined)?.text !== `verify ${i}`)
            return { status: "fail", detail: "echo answered wrongly" };
        }
        const version = client.getNegotiatedProtocolVersion() ?? "?";
        eras.push(version);
        return { status: "pass", detail: `protocol ${version}; ${tools.length} tools; echo round-trips` };
      } finally {
        await client.close();
      }
    });
  }
  await check("protocol era", async () => {
    const modern = eras.some((v) => v >= MODERN_REVISION);
    const legacy = eras.some((v) => v < MODERN_REVISION);
    if (modern && legacy)
      return { status: "pass", detail: `speaks ${MODERN_REVISION} and the 2025 era (${eras.join(", ")})` };
    if (legacy)
      return {
        status: "warn",
        detail: `speaks the 2025 era only (${eras.join(", ")}): an older release; ${MODERN_REVISION} clients fall back to initialize`,
      };
    if (modern)
      return { status: "fail", detail: `speaks ${MODERN_REVISION} only: 2025-era clients (most today) cannot connect` };
    return { status: "fail", detail: "no era answered" };
  });
  await check("no key -> 401", async () => {
    const r = await status(o.url, { method: "POST", headers: HEADERS, body: INIT }, patient);
    return { status: r.status === 401 ? "pass" : "fail", detail: `got ${r.status}` };
  });
  await check("wrong key -> 401", async () => {
    const r = await status(
      o.url,
      {
        method: "POST",
        headers: { ...HEADERS, "x-api-key": randomBytes(20).toString("hex") },
        body: INIT,
      },
      patient,
    );
    return { status: r.status === 401 ? "pass" : "fail", detail: `got ${r.status}` };
  });
  await check("foreign Origin -> 403", async () => {
    const r = await status(
      o.url,
      {
        method: "POST",
        headers: { ...HEADERS, "x-api-key": o.apiKey, origin: "https://evil.example" },
        body: INIT,
      },
      patient,
    );
    return { status: r.status === 403 ? "pass" : "fail", detail: `got ${r.status}` };
  });
  await check("oversized body -> 413", async () => {
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(2 * 1024 * 1024) } });
    const r = await status(
      o.url,
      { method: "POST", headers: { ...HEADERS, "x-api-key": o.apiKey }, body: big },
      patient,
    );
    return { status: r.status === 413 ? "pass" : "fail", detail: `got ${r.status}` };
  });
  await check("latency", async () => {
    if (latencies.length < 2) return { status: "fail", detail: "no calls measured" };
    const [first, ...rest] = latencies;
    const sorted = [...rest].sort((a, b) => a - b);
    return {
      status: "pass",
      detail: `first call ${Math.round(first ?? 0)} ms (cold start); next ${rest.length}: p50 ${Math.round(percentile(sorted, 50))} ms, p95 ${Math.round(percentile(sorted, 95))} ms`,
    };
  });
  if (waited.ms > 0) {
    results.push({
      name: "rate-limit budget",
      status: "pass",
      detail: `waited ${Math.round(waited.ms / 1000)} s in all for 429 Retry-After (an earlier run, or this one, used the key's budget)`,
    });
  }
  // Last, because it uses up the key's budget on purpose; the budget recovers within the Retry-After it reports.
  if (o.rate) {
    await check("burst -> 429 with Retry-After", async () => {
      const limit = o.burstLimit ?? 300;
      for (let sent = 0; sent < limit; sent += 20) {
        const batch = await Promise.all(
          Array.from({ length: 20 }, () =>
            status(o.url, { method: "POST", headers: { ...HEADERS, "x-api-key": o.apiKey }, body: INIT }),
          ),
        );
        const limited = batch.find((r) => r.status === 429);
        if (limited) {
          return limited.retryAfter
            ? {
                status: "pass",
                detail: `429 after at most ${sent + 20} requests, Retry-After ${limited.retryAfter} (the key's budget is back after that)`,
              }
            : { status: "fail", detail: "429 without Retry-After" };
        }
      }
      return { status: "fail", detail: `no 429 within ${limit} requests` };
    });
  }
  return results;
}
