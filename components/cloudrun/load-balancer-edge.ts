/**
 * The Cloud Run target's optional edge: a global external Application Load Balancer in front of a serverless NEG,
 * with a Cloud Armor policy on the backend service. Rules, in priority order:
 * 1. (1000) deny(403) for requests to anything but the health path that carry neither `x-api-key` nor `Authorization`;
 * 2. (2000) a per-client-IP `throttle` for every other request, keyed or not, over the limit deny(429);
 * 3. (default) allow; nothing reaches it, since rule 2 matches every request.
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

export interface LoadBalancerEdgeArgs {
  region: string;
  service: gcp.cloudrunv2.Service;
  requestsPerSecond: number;
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
 * Declares the edge's children, each `${name}-<role>` under `parent`.
 * @throws {RangeError} when `logSampleRate` is not a number from 0 to 1.
 */
export function loadBalancerEdge(name: string, args: LoadBalancerEdgeArgs, parent: pulumi.Resource): LoadBalancerEdge {
  const sampleRate = args.logSampleRate ?? DEFAULT_EDGE_LOG_SAMPLE_RATE;
  if (!(sampleRate >= 0 && sampleRate <= 1)) {
    throw new RangeError(`load-balancer edge ${name}: \`logSampleRate\` must be from 0 to 1, got ${sampleRate}`);
  }
  const opts = { parent, dependsOn: [args.computeApi] };
  const perIp = edgePerIpPerMinute(args.requestsPerSecond);
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
