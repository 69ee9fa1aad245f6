/**
 * The Cloud Run target's optional edge: a global external Application Load Balancer in front of a serverless NEG,
 * with a Cloud Armor policy on the backend service. Rules, in priority order:
 * 1. (1000) deny(403) for requests to anything but the health path that carry neither `x-api-key` nor `Authorization`;
 * 2. (2000) a per-client-IP `throttle` for every other request, keyed or not, over the limit deny(429);
 * 3. (default) allow; nothing reaches it, since rule 2 matches every request.
 * With per-tool limits (`perToolRequestsPerSecond`), one more throttle per listed tool sits between 1 and 2
 * (priorities {@link ARMOR_TOOL_PRIORITY} + i), see {@link perToolArmorRules}.
 *
 * Why one throttle, and per IP (review findings M2 and M3):
 * - Cloud Armor acts on the first matching rule only: "Cloud Armor performs the action of the highest priority rule
 *   that matches a request. Rules with a lower priority than the highest priority matching rule are not evaluated"
 *   ("Create and view Cloud Armor security policy rules",
 *   https://cloud.google.com/armor/docs/create-security-policy-rules). A throttle's conform action is `allow`, so a
 *   request meets one throttle at most. With a per-key throttle ahead of the per-IP one (the old policy), a made-up
 *   `x-api-key` per request met only the per-key rule, with a fresh bucket each time, and escaped both limits. A
 *   multi-key throttle (`enforceOnKeyConfigs` [IP, HTTP_HEADER]) counts per (IP, key) pair and escapes the same way.
 *   The edge cannot tell a valid key from a made-up one, so the only throttle that holds for every request is one
 *   keyed on something the client cannot vary per request: its IP.
 * - The limit per key stays the app's (server: `MCP_RATE_LIMIT_RPS`/`MCP_RATE_LIMIT_BURST`, per instance). The
 *   per-IP threshold is the key's rate (rps × 60 per minute), so one address cannot exceed its key's rate at the edge
 *   whatever keys it sends.
 * - Load-balancer request logs record the throttle's key value (`enforcedSecurityPolicy.rateLimitAction.key`, the
 *   first 36 bytes; Cloud Armor "Request logging", https://cloud.google.com/armor/docs/request-logging). Keyed on the
 *   IP, that is the client address the log carries anyway, never part of an API key. The backend logs a sample
 *   (`logSampleRate`, default {@link DEFAULT_EDGE_LOG_SAMPLE_RATE}) to bound Cloud Logging ingestion (finding m3).
 *
 * TLS: a Google-managed certificate for `domain`, or for `<ip-with-dashes>.nip.io` (a public wildcard DNS service that
 * resolves that name to the IP), so no domain of one's own is needed. Google-managed certificates are issued for
 * domain names only (`managed.domains`), so unlike the EC2 target's IP-address certificate there is no IP option here.
 * nip.io is one registered domain shared by all its users, so issuance can wait on the CA's per-domain limits
 * (domain status `FAILED_RATE_LIMITED`; "Troubleshoot SSL certificates",
 * https://cloud.google.com/load-balancing/docs/ssl-certificates/troubleshooting): `domain` is the production path.
 * HTTPS only: no port-80 rule.
 *
 * Every resource here calls the Compute Engine API and lists `computeApi` in `dependsOn` (review finding B1).
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { TOOL_NAME } from "../../infra/core/contract.js";
import { DEPLOY_DEFAULTS } from "../../infra/core/defaults.js";

/** Cloud Armor rate-limit window, s. */
export const ARMOR_INTERVAL_SECONDS = 60;

/**
 * Share of requests the backend service logs (with Cloud Armor's decision), 0 to 1
 * (`BackendService.logConfig.sampleRate`). 0.1: about 150 MB of Cloud Logging per million requests at ~1.5 KB per
 * entry, against 1.5 GB at 1.0 (Cloud Logging ingestion is $0.50/GiB past 50 GiB per project and month,
 * https://cloud.google.com/stackdriver/pricing); enough to see a 403/429 storm.
 */
export const DEFAULT_EDGE_LOG_SAMPLE_RATE: number = DEPLOY_DEFAULTS.cloudrun.edgeLogSampleRate;

/** The request header a 2026-07-28 `tools/call` names its tool in (Cloud Armor sees header names in lower case). */
export const MCP_NAME_HEADER = "mcp-name";
/** Priority of the first per-tool throttle: after the no-key deny (1000), before the per-IP throttle (2000). */
export const ARMOR_TOOL_PRIORITY = 1500;
/** Per-tool throttles one policy takes here: priorities 1500 to 1999. */
export const ARMOR_MAX_TOOL_RULES = 2000 - ARMOR_TOOL_PRIORITY;

export interface LoadBalancerEdgeArgs {
  region: string;
  service: gcp.cloudrunv2.Service;
  requestsPerSecond: number;
  /** Tool name to requests/s (see {@link perToolArmorRules}). @default {} */
  perToolRequestsPerSecond?: Record<string, number>;
  healthPath: string;
  /** Custom domain; otherwise `<ip>.nip.io`. */
  domain: string | undefined;
  labels: Record<string, string>;
  /** The `compute.googleapis.com` Service every resource here waits for. */
  computeApi: gcp.projects.Service;
  /** Share of requests logged, 0 to 1. @default {@link DEFAULT_EDGE_LOG_SAMPLE_RATE} */
  logSampleRate?: number;
}

export interface LoadBalancerEdge {
  /** `https://<host>` without a trailing slash. */
  baseUrl: pulumi.Output<string>;
  /** The reserved IPv4 address; point a custom domain's A record here. */
  ipAddress: pulumi.Output<string>;
  securityPolicy: gcp.compute.SecurityPolicy;
  /** The managed certificate's name, for `gcloud compute ssl-certificates describe <name> --global`. */
  certificateName: pulumi.Output<string>;
  /** The host name the certificate is issued for. */
  host: pulumi.Output<string>;
}

const ALL_IPS = { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } };

/** The host name the managed certificate is issued for. */
export function edgeHost(domain: string | undefined, ip: string): string {
  return domain ?? `${ip.replaceAll(".", "-")}.nip.io`;
}

/**
 * Requests per minute one client IP may send through the edge: the key's rate, rps × 60, at least 1.
 * @param requestsPerSecond - the per-key rate, requests/s.
 */
export function edgePerIpPerMinute(requestsPerSecond: number): number {
  return Math.max(1, Math.ceil(requestsPerSecond * ARMOR_INTERVAL_SECONDS));
}

/**
 * The per-tool throttles, one per listed tool in tool-name order, priority {@link ARMOR_TOOL_PRIORITY} + i. Each
 * matches only requests whose `mcp-name` header is exactly that tool's name (a 2026-07-28 `tools/call` names its tool
 * there; Cloud Armor rules language, https://cloud.google.com/armor/docs/rules-language-reference, `request.headers`
 * with lower-case names, `==` on strings), and throttles per (client IP, `mcp-name` value) with `enforceOnKeyConfigs`
 * (up to 3 keys whose combined values are the key, "Rate limiting overview",
 * https://cloud.google.com/armor/docs/rate-limiting-overview) at `min(rps, key rps) × 60` per minute, over it
 * deny(429).
 *
 * Why it holds the per-IP limit (a throttle's conform action `allow` ends evaluation, so a request meets one throttle):
 * - Placed after the no-key deny, so a request without a key header is refused before any throttle, as before.
 * - Placed before the per-IP throttle, or it would never be reached (the per-IP throttle matches everything).
 * - Matched on one exact header value, so within one rule the key (IP, tool) has one value per IP: a client cannot
 *   open a fresh bucket by varying a header. A made-up or absent `Mcp-Name` matches no tool rule and meets the per-IP
 *   throttle. Keyed on the IP, never on `x-api-key` or `Authorization` (the log records the key value, first 36
 *   bytes, https://cloud.google.com/armor/docs/request-logging): the log shows the IP and the tool name only.
 * - Capped at the per-IP rate, so no listed tool gets more through one address than the per-IP limit.
 * What it cannot do: Cloud Armor has no shared counter across rules, so an address's listed-tool calls are counted
 * in their tool's throttle instead of the per-IP one. One address can send at most `perIp + Σ tool limits` per
 * minute in total (a fixed bound set by the config, never opened up by header values). It limits per IP and tool, not
 * per API key and tool: the per-key, per-tool limit is the app's (`MCP_TOOL_RATE_LIMITS`).
 * @throws {RangeError} naming `perToolRequestsPerSecond` for more than {@link ARMOR_MAX_TOOL_RULES} tools, a rate not
 *   > 0, or a tool name outside `[A-Za-z0-9_.-]` (it is quoted into an expression).
 */
export function perToolArmorRules(perToolRequestsPerSecond: Record<string, number>, requestsPerSecond: number) {
  const tools = Object.keys(perToolRequestsPerSecond).sort();
  if (tools.length > ARMOR_MAX_TOOL_RULES) {
    throw new RangeError(
      `load-balancer edge: \`perToolRequestsPerSecond\` lists ${tools.length} tools; allowed: at most ${ARMOR_MAX_TOOL_RULES}`,
    );
  }
  const perIp = edgePerIpPerMinute(requestsPerSecond);
  return tools.map((tool, i) => {
    const rps = perToolRequestsPerSecond[tool] ?? 0;
    if (!(rps > 0)) {
      throw new RangeError(`load-balancer edge: \`perToolRequestsPerSecond.${tool}\` must be > 0, got ${rps}`);
    }
    if (!TOOL_NAME.test(tool)) {
      throw new RangeError(
        `load-balancer edge: \`perToolRequestsPerSecond\` has the tool name ${JSON.stringify(tool)}; allowed: [A-Za-z0-9_.-]{1,64}`,
      );
    }
    return {
      priority: ARMOR_TOOL_PRIORITY + i,
      action: "throttle",
      description: `per client IP and tool ${tool} (Mcp-Name header)`,
      match: {
        expr: {
          expression: `has(request.headers['${MCP_NAME_HEADER}']) && request.headers['${MCP_NAME_HEADER}'] == '${tool}'`,
        },
      },
      rateLimitOptions: {
        conformAction: "allow",
        exceedAction: "deny(429)",
        enforceOnKeyConfigs: [
          { enforceOnKeyType: "IP" },
          { enforceOnKeyType: "HTTP_HEADER", enforceOnKeyName: MCP_NAME_HEADER },
        ],
        rateLimitThreshold: {
          count: Math.min(perIp, Math.max(1, Math.ceil(rps * ARMOR_INTERVAL_SECONDS))),
          intervalSec: ARMOR_INTERVAL_SECONDS,
        },
      },
    };
  });
}

/**
 * Declares the edge's children, each `${name}-<role>` under `parent`.
 * @throws {RangeError} when `logSampleRate` is not a number from 0 to 1, and from {@link perToolArmorRules}.
 */
export function loadBalancerEdge(name: string, args: LoadBalancerEdgeArgs, parent: pulumi.Resource): LoadBalancerEdge {
  const sampleRate = args.logSampleRate ?? DEFAULT_EDGE_LOG_SAMPLE_RATE;
  if (!(sampleRate >= 0 && sampleRate <= 1)) {
    throw new RangeError(`load-balancer edge ${name}: \`logSampleRate\` must be from 0 to 1, got ${sampleRate}`);
  }
  const opts = { parent, dependsOn: [args.computeApi] };
  const perIp = edgePerIpPerMinute(args.requestsPerSecond);
  const toolRules = perToolArmorRules(args.perToolRequestsPerSecond ?? {}, args.requestsPerSecond);
  const address = new gcp.compute.GlobalAddress(
    `${name}-ip`,
    { addressType: "EXTERNAL", ipVersion: "IPV4", labels: args.labels },
    opts,
  );
  const neg = new gcp.compute.RegionNetworkEndpointGroup(
    `${name}-neg`,
    { region: args.region, networkEndpointType: "SERVERLESS", cloudRun: { service: args.service.name } },
    opts,
  );
  const securityPolicy = new gcp.compute.SecurityPolicy(
    `${name}-armor`,
    {
      type: "CLOUD_ARMOR",
      description: "mcp-anywhere: key header required, per-IP throttle on every request",
      rules: [
        {
          priority: 1000,
          action: "deny(403)",
          description: "no API key header",
          match: {
            expr: {
              expression:
                `!request.path.startsWith('${args.healthPath}') && ` +
                "!has(request.headers['x-api-key']) && !has(request.headers['authorization'])",
            },
          },
        },
        ...toolRules,
        {
          priority: 2000,
          action: "throttle",
          description: "per client IP, every request, keyed or not",
          match: ALL_IPS,
          rateLimitOptions: {
            conformAction: "allow",
            exceedAction: "deny(429)",
            enforceOnKey: "IP",
            rateLimitThreshold: { count: perIp, intervalSec: ARMOR_INTERVAL_SECONDS },
          },
        },
        { priority: 2147483647, action: "allow", description: "default", match: ALL_IPS },
      ],
    },
    opts,
  );
  const backend = new gcp.compute.BackendService(
    `${name}-backend`,
    {
      loadBalancingScheme: "EXTERNAL_MANAGED",
      protocol: "HTTPS",
      backends: [{ group: neg.id }],
      securityPolicy: securityPolicy.selfLink,
      // Only the default fields: no optional fields, and never request headers.
      logConfig: { enable: sampleRate > 0, sampleRate },
    },
    opts,
  );
  const urlMap = new gcp.compute.URLMap(`${name}-urls`, { defaultService: backend.id }, opts);
  const host = address.address.apply((ip) => edgeHost(args.domain, ip));
  const certificate = new gcp.compute.ManagedSslCertificate(`${name}-cert`, { managed: { domains: [host] } }, opts);
  const proxy = new gcp.compute.TargetHttpsProxy(
    `${name}-https`,
    { urlMap: urlMap.id, sslCertificates: [certificate.id] },
    opts,
  );
  new gcp.compute.GlobalForwardingRule(
    `${name}-https`,
    {
      target: proxy.id,
      ipAddress: address.id,
      portRange: "443",
      ipProtocol: "TCP",
      loadBalancingScheme: "EXTERNAL_MANAGED",
      labels: args.labels,
    },
    opts,
  );
  return {
    baseUrl: pulumi.interpolate`https://${host}`,
    ipAddress: address.address,
    securityPolicy,
    certificateName: certificate.name,
    host,
  };
}
