/**
 * The Cloud Run target's optional edge: a global external Application Load Balancer in front of a serverless NEG,
 * with a Cloud Armor policy on the backend service:
 * 1. deny(403) for requests to anything but the health path that carry neither `x-api-key` nor `Authorization`;
 * 2. a `throttle` keyed on the `x-api-key` header (rps × 60 per minute), over the limit deny(429);
 * 3. a per-IP `throttle` backstop (twice that) for every request;
 * 4. allow the rest (Cloud Armor's default rule).
 * TLS: a Google-managed certificate for `domain`, or for `<ip-with-dashes>.nip.io` (a public wildcard DNS service
 * that resolves that name to the IP), so no domain of one's own is needed. HTTPS only: no port-80 rule.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/** Cloud Armor rate-limit window, s. */
export const ARMOR_INTERVAL_SECONDS = 60;

export interface LoadBalancerEdgeArgs {
  region: string;
  service: gcp.cloudrunv2.Service;
  requestsPerSecond: number;
  healthPath: string;
  /** Custom domain; otherwise `<ip>.nip.io`. */
  domain: string | undefined;
  labels: Record<string, string>;
}

export interface LoadBalancerEdge {
  /** `https://<host>` without a trailing slash. */
  baseUrl: pulumi.Output<string>;
  /** The reserved IPv4 address; point a custom domain's A record here. */
  ipAddress: pulumi.Output<string>;
  securityPolicy: gcp.compute.SecurityPolicy;
}

const ALL_IPS = { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } };

/** The host name the managed certificate is issued for. */
export function edgeHost(domain: string | undefined, ip: string): string {
  return domain ?? `${ip.replaceAll(".", "-")}.nip.io`;
}

export function loadBalancerEdge(name: string, args: LoadBalancerEdgeArgs, parent: pulumi.Resource): LoadBalancerEdge {
  const opts = { parent };
  const perKey = Math.max(1, Math.ceil(args.requestsPerSecond * ARMOR_INTERVAL_SECONDS));
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
      description: "mcp-anywhere: key required, per-key and per-IP throttles",
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
          description: "per API key",
          match: { expr: { expression: "has(request.headers['x-api-key'])" } },
          rateLimitOptions: {
            conformAction: "allow",
            exceedAction: "deny(429)",
            enforceOnKey: "HTTP_HEADER",
            enforceOnKeyName: "x-api-key",
            rateLimitThreshold: { count: perKey, intervalSec: ARMOR_INTERVAL_SECONDS },
          },
        },
        {
          priority: 3000,
          action: "throttle",
          description: "per client IP, every request",
          match: ALL_IPS,
          rateLimitOptions: {
            conformAction: "allow",
            exceedAction: "deny(429)",
            enforceOnKey: "IP",
            rateLimitThreshold: { count: perKey * 2, intervalSec: ARMOR_INTERVAL_SECONDS },
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
      logConfig: { enable: true, sampleRate: 1 },
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
  return { baseUrl: pulumi.interpolate`https://${host}`, ipAddress: address.address, securityPolicy };
}
