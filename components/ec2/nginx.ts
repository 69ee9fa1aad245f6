/**
 * The EC2 target's nginx edge, rendered by a pure function so the same text runs in production (the `nginx`
 * container) and in the real-nginx test. It terminates TLS (1.2+), checks the API key (`x-api-key` or
 * `Authorization: Bearer`) against a `map` include that the key timer rewrites from SSM, and rate-limits with
 * `limit_req`: per key, per key and tool (the `Mcp-Name` header, for tools listed in `perToolRequestsPerSecond`), and
 * per IP for requests without a valid key. Phases matter: `limit_req` (preaccess) runs
 * before `auth_request` (access), so keyless requests are counted per IP before they are refused, and a refused
 * request never reaches the app. Every error is a JSON-RPC body.
 */
import { TOOL_NAME, toolBurst } from "../../infra/core/contract.js";

export interface NginxConfigOptions {
  /** `server_name`: the certificate's host. */
  serverName: string;
  /** `listen` for HTTPS, e.g. `443` or `127.0.0.1:18443`. */
  httpsListen: string;
  /** `listen` for HTTP (ACME challenges and the redirect), e.g. `80`. */
  httpListen: string;
  /** The app, `host:port`. */
  upstream: string;
  certificate: string;
  certificateKey: string;
  /** The key map include: `map $mcp_key $mcp_key_id { … }`, written by the key timer (components/ec2/key-refresh.ts). */
  keyMapPath: string;
  /** Directory served at /.well-known/acme-challenge/. */
  acmeWebroot: string;
  mcpPath: string;
  healthPath: string;
  rateLimit: {
    requestsPerSecond: number;
    burst: number;
    ipRequestsPerMinute: number;
    /** Tool name to requests/s per key and tool; see {@link nginxToolZones}. @default {} */
    perToolRequestsPerSecond?: Record<string, number>;
  };
  /** Largest body, bytes (the app's MCP_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Read timeout toward the app for long calls and SSE, s. */
  readTimeoutSeconds: number;
  accessLog: string;
  errorLog: string;
  pidPath: string;
  /** Writable directory for nginx's temporary files when not running as root in a container. */
  tempDir?: string;
}

const rpcError = (message: string) => `'{"jsonrpc":"2.0","error":{"code":-32000,"message":"${message}"},"id":null}'`;

/** The key map before the key timer's first run: no key is valid. */
export const EMPTY_KEY_MAP = 'map $mcp_key $mcp_key_id {\n    default "";\n}\n';

/** One per-tool `limit_req` zone. */
export interface NginxToolZone {
  tool: string;
  /** `mcp_tool_<n>`, n in tool-name order. */
  zone: string;
  /** The variable the zone is keyed on: "<key id> <tool>" for a valid key calling this tool, "" otherwise. */
  variable: string;
  /** Requests per minute (nginx's `rate=…r/m`), at least 1. */
  perMinute: number;
  /** Requests allowed at once (the directive's `burst=` is this minus 1). */
  burst: number;
}

/**
 * The per-tool zones: one `limit_req_zone` per listed tool, because a zone has one rate ("limit_req_zone key
 * zone=name:size rate=rate", https://nginx.org/en/docs/http/ngx_http_limit_req_module.html). A `map` from
 * `$http_mcp_name` to the zone's variable picks the zone: the variable is "<key id> <tool>" when the header is exactly
 * the tool's name (a case-sensitive regex: plain map strings ignore case, https://nginx.org/en/docs/http/ngx_http_map_module.html)
 * and the key is valid, "" otherwise, and nginx does not count a request whose zone key is empty. Every `limit_req`
 * of the location applies, so a listed tool's call counts toward the per-key zone too; a tool not listed (or a request
 * without `Mcp-Name`, as 2025-era clients send) meets the per-key zone only. A request one zone refuses is not
 * counted in the others (nginx accounts only when every zone passes). Rate: `rps × 60` per minute, rounded, at least
 * 1. Burst: the key's burst scaled by `rps / key rps`, rounded up, from 1 to the key's burst.
 * @throws {Error} naming `rateLimit.perToolRequestsPerSecond` for a tool name outside `[A-Za-z0-9_.-]{1,64}` (it is
 *   written into the config) or a rate not > 0.
 */
export function nginxToolZones(rateLimit: NginxConfigOptions["rateLimit"]): NginxToolZone[] {
  const perTool = rateLimit.perToolRequestsPerSecond ?? {};
  return Object.keys(perTool)
    .sort()
    .map((tool, i) => {
      const rps = perTool[tool] ?? 0;
      if (!TOOL_NAME.test(tool)) {
        throw new Error(
          `renderNginxConfig: \`rateLimit.perToolRequestsPerSecond\` has the tool name ${JSON.stringify(tool)}; allowed: [A-Za-z0-9_.-]{1,64}`,
        );
      }
      if (!(rps > 0)) {
        throw new Error(`renderNginxConfig: \`rateLimit.perToolRequestsPerSecond.${tool}\` must be > 0, got ${rps}`);
      }
      return {
        tool,
        zone: `mcp_tool_${i}`,
        variable: `$mcp_tool_${i}`,
        perMinute: Math.max(1, Math.round(rps * 60)),
        burst: toolBurst(rateLimit, rps),
      };
    });
}

/** The `http`-level part of the per-tool limits: the maps and zones of {@link nginxToolZones}. */
function toolZonesHttp(zones: NginxToolZone[]): string {
  if (zones.length === 0) return "";
  const lines = [
    "",
    "    # Per key and tool, for the tools in toolRateLimits: the Mcp-Name header (2026-07-28 requests) picks the zone.",
    '    # "<key id> <tool>" for a valid key, "" (not counted) otherwise; a tool not listed has the per-key zone only.',
    "    map $mcp_key_id $mcp_key_and_tool {",
    '        "" "";',
    '        default "$mcp_key_id $http_mcp_name";',
    "    }",
  ];
  for (const z of zones) {
    lines.push(
      `    map $http_mcp_name ${z.variable} {`,
      '        default "";',
      `        "~^${z.tool.replaceAll(".", "\\.")}$" $mcp_key_and_tool;`,
      "    }",
      `    limit_req_zone ${z.variable} zone=${z.zone}:1m rate=${z.perMinute}r/m;`,
    );
  }
  return lines.join("\n");
}

/** @returns a complete nginx.conf. @throws {Error} when a value would break the config's syntax. */
export function renderNginxConfig(o: NginxConfigOptions): string {
  for (const [name, value] of Object.entries(o)) {
    if (typeof value === "string" && /[;{}"'\s]/.test(value) && name !== "serverName") {
      throw new Error(
        `renderNginxConfig: \`${name}\` must not contain whitespace, quotes, braces or semicolons: ${value}`,
      );
    }
  }
  if (!/^[A-Za-z0-9.-]+$|^_$/.test(o.serverName))
    throw new Error(`renderNginxConfig: \`serverName\` is not a host name: ${o.serverName}`);
  const perKeyPerMinute = Math.max(1, Math.round(o.rateLimit.requestsPerSecond * 60));
  const toolZones = nginxToolZones(o.rateLimit);
  const toolLimits = toolZones
    .map((z) => `\n            limit_req zone=${z.zone} burst=${z.burst - 1} nodelay;`)
    .join("");
  const temp = o.tempDir
    ? ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        .map((t) => `    ${t}_temp_path ${o.tempDir}/${t};`)
        .join("\n")
    : "";
  return `# mcp-anywhere nginx edge. Generated by components/ec2/nginx.ts; do not edit on the host.
worker_processes auto;
pid ${o.pidPath};
error_log ${o.errorLog} warn;

events {
    worker_connections 1024;
}

http {
    server_tokens off;
    default_type application/json;
${temp}
    # The request's key id (never the key) is the only key-related field in access logs.
    log_format mcp_json escape=json '{"time":"$time_iso8601","requestId":"$request_id","ip":"$remote_addr",'
        '"method":"$request_method","path":"$uri","status":$status,"bytes":$body_bytes_sent,'
        '"requestTimeS":$request_time,"keyId":"$mcp_key_id"}';
    access_log ${o.accessLog} mcp_json;

    # The presented key: x-api-key, else the Bearer token.
    map $http_authorization $mcp_bearer {
        default "";
        "~^Bearer\\s+(?<mcp_token>\\S+)$" $mcp_token;
    }
    map $http_x_api_key $mcp_key {
        default $http_x_api_key;
        "" $mcp_bearer;
    }
    # $mcp_key_id: the key's id when the key is valid, "" otherwise. Rewritten from SSM by the key timer.
    include ${o.keyMapPath};

    # Requests with a valid key are limited per key; the others per client IP. An empty zone key is not counted.
    map $mcp_key_id $mcp_keyless_ip {
        "" $binary_remote_addr;
        default "";
    }
    limit_req_zone $mcp_key_id zone=mcp_per_key:10m rate=${perKeyPerMinute}r/m;
    limit_req_zone $mcp_keyless_ip zone=mcp_per_ip:10m rate=${o.rateLimit.ipRequestsPerMinute}r/m;${toolZonesHttp(toolZones)}
    limit_req_status 429;

    client_max_body_size ${o.maxBodyBytes};

    upstream mcp_app {
        server ${o.upstream};
        keepalive 16;
    }

    server {
        listen ${o.httpListen};
        server_name ${o.serverName};
        location /.well-known/acme-challenge/ {
            root ${o.acmeWebroot};
            default_type text/plain;
        }
        location / {
            return 301 https://$host$request_uri;
        }
    }

    server {
        listen ${o.httpsListen} ssl;
        server_name ${o.serverName};
        ssl_certificate ${o.certificate};
        ssl_certificate_key ${o.certificateKey};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_prefer_server_ciphers off;
        ssl_session_cache shared:mcp_tls:10m;
        add_header Strict-Transport-Security "max-age=31536000" always;

        error_page 401 = @unauthorized;
        error_page 413 = @too_large;
        error_page 429 = @too_many;
        error_page 502 503 504 = @unavailable;

        location = ${o.healthPath} {
            proxy_pass http://mcp_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }

        location = ${o.mcpPath} {
            limit_req zone=mcp_per_ip burst=${Math.max(0, o.rateLimit.ipRequestsPerMinute - 1)} nodelay;
            limit_req zone=mcp_per_key burst=${Math.max(0, o.rateLimit.burst - 1)} nodelay;${toolLimits}
            auth_request /_mcp_auth;

            proxy_pass http://mcp_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Request-Id $request_id;
            # Streamable HTTP answers with SSE: pass every event on at once.
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout ${o.readTimeoutSeconds}s;
            proxy_send_timeout ${o.readTimeoutSeconds}s;
        }

        location = /_mcp_auth {
            internal;
            if ($mcp_key_id = "") {
                return 401;
            }
            return 204;
        }

        location / {
            return 404 ${rpcError("Not Found")};
        }

        location @unauthorized {
            add_header WWW-Authenticate 'ApiKey header="x-api-key"' always;
            return 401 ${rpcError("Unauthorized: API key missing or invalid")};
        }
        location @too_large {
            return 413 ${rpcError("Payload Too Large")};
        }
        location @too_many {
            add_header Retry-After 1 always;
            return 429 ${rpcError("Too many requests: rate limit exceeded")};
        }
        location @unavailable {
            add_header Retry-After 5 always;
            return 503 ${rpcError("Service unavailable")};
        }
    }
}
`;
}
