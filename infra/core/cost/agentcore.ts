/**
 * Amazon Bedrock AgentCore Runtime as a reference column in `npm run cost`: what the same traffic would cost there. Not
 * a deploy target (no component builds it) and never called cheapest. Pure: no Pulumi, no I/O.
 *
 * Billing (../shared/PRICING.md A.5b; aws.amazon.com/bedrock/agentcore/pricing, stored copies): $0.0895 per vCPU-hour
 * of actively used CPU (I/O wait is free) and $0.00945 per GB-hour of peak memory, per second with a 1 s and 128 MB
 * minimum; memory is billed for the whole session, until it ends, and an idle session ends after the idle timeout (900 s
 * by default, single-source: an open-source integration). Network data transfer is billed at standard EC2 rates, and a
 * container image is stored in ECR (same pricing page). Tokyo prices were not checked: there the lines have no price.
 *
 * What it lacks here: inbound auth is IAM SigV4 or OAuth/JWT only, no API keys, so IDE clients (Kiro, Cline) need a
 * SigV4 proxy or an OAuth front (e.g. a Cognito user pool), which this column does not price.
 */
import {
  awsCommon,
  awsDataTransferOut,
  type Draft,
  line,
  type PricingOptions,
  priced,
  responseGb,
  type TargetCost,
  usageProfile,
} from "./model.js";
import { AWS_PRICES, HOURS_PER_MONTH } from "./prices.js";

/** How calls map to AgentCore sessions. */
export type AgentCoreSessionPattern = "session-per-call" | "reused-session";

/** Assumptions of the AgentCore column (not prices). */
export const AGENTCORE_ASSUMPTIONS = {
  /** Idle timeout after which a session ends, s (AgentCore's default; PRICING.md A.5b, single-source). */
  idleTimeoutSeconds: 900,
  /**
   * Peak memory of one session, GB. The server's resident memory is about 82 MiB idle (`npm run bench`, review
   * newcomer-walkthrough F15); 256 MiB leaves room for peaks and the runtime's own overhead, which is billed too.
   */
  peakMemoryGb: 0.25,
  /** Share of a call's duration spent on one vCPU (1: conservative, all of it; I/O wait would be free). */
  activeCpuShare: 1,
  /** Reused sessions: calls one client session carries, and how long it lasts before it idles out, s. */
  reusedSession: { callsPerSession: 100, activeSeconds: 3600 },
  /** Billing minimums (pricing page): 1 s, 128 MB. */
  minimumSeconds: 1,
  minimumMemoryGb: 0.125,
} as const;

const LABEL: Record<AgentCoreSessionPattern, string> = {
  "session-per-call": "agentcore (session per call)",
  "reused-session": "agentcore (reused sessions)",
};

/**
 * AgentCore Runtime at a usage profile, for one session pattern.
 * - `session-per-call`: a stateless client (or a stateless server) opens a new session for every call; each session's
 *   memory is billed for the call plus the idle timeout.
 * - `reused-session`: a client keeps one session for `callsPerSession` calls over `activeSeconds`, then it idles out.
 * CPU is the same in both: calls × duration × `activeCpuShare` vCPU-seconds.
 * @throws {RangeError} on an invalid profile (usage.ts rules).
 */
export const agentCoreCost = priced((pattern: AgentCoreSessionPattern, o: PricingOptions): Draft<"agentcore"> => {
  const u = usageProfile(o.usage);
  const prices = AWS_PRICES[o.region];
  const A = AGENTCORE_ASSUMPTIONS;
  const R = u.requestsPerMonth;
  const durS = u.avgDurationMs / 1000;
  const memGb = Math.max(A.minimumMemoryGb, A.peakMemoryGb);
  const perCall = pattern === "session-per-call";
  const sessions = perCall ? R : R / A.reusedSession.callsPerSession;
  const sessionSeconds = Math.max(
    A.minimumSeconds,
    perCall ? durS + A.idleTimeoutSeconds : A.reusedSession.activeSeconds + A.idleTimeoutSeconds,
  );
  const vcpuHours = (R * durS * A.activeCpuShare) / 3600;
  const gbHours = (sessions * sessionSeconds * memGb) / 3600;
  const RES = "agentcore:runtime (reference)";
  const transfer = {
    ...prices.dataTransferOut,
    source: `${prices.dataTransferOut.source}; AgentCore bills data transfer at standard EC2 rates (aws.amazon.com/bedrock/agentcore/pricing)`,
  };
  const lines = [
    line("AgentCore Runtime active vCPU", vcpuHours, prices.agentCoreVcpuHour, RES),
    line("AgentCore Runtime peak memory (session lifetime)", gbHours, prices.agentCoreGbHour, RES),
    ...awsDataTransferOut("Data transfer out (EC2 rates)", responseGb(u), transfer, RES),
    ...awsCommon(prices, u, o, false),
  ];
  const notes = [
    perCall
      ? `each call opens a session: ${durS} s of work + ${A.idleTimeoutSeconds} s idle timeout of ${memGb} GB memory billed per call`
      : `one session per ${A.reusedSession.callsPerSession} calls, alive ${A.reusedSession.activeSeconds} s + ${A.idleTimeoutSeconds} s idle timeout, ${memGb} GB memory`,
    `active CPU: ${A.activeCpuShare} vCPU for the whole call (I/O wait would be free); peak memory billed until the session ends`,
    "reference only, not a deploy target: AgentCore accepts IAM SigV4 or OAuth/JWT, no API keys, so IDE clients need a SigV4 proxy or an OAuth front (not priced here)",
    `a month is ${HOURS_PER_MONTH} h; Tokyo AgentCore prices were not checked`,
  ];
  return {
    target: "agentcore",
    label: LABEL[pattern],
    region: o.region,
    sizing: `${memGb} GB peak memory, ${pattern === "session-per-call" ? "a session per call" : `${A.reusedSession.callsPerSession} calls a session`}`,
    lines,
    notes,
    reference: true,
  };
});

/** Both session patterns, session per call first. */
export function agentCoreReferences(o: PricingOptions): TargetCost<"agentcore">[] {
  return [agentCoreCost("session-per-call", o), agentCoreCost("reused-session", o)];
}
