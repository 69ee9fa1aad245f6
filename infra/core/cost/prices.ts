/**
 * List prices for the cost model, transcribed from ../shared/PRICING.md (gathered 2026-09/10 from the providers' pages,
 * the AWS Price List API and Infracost fixtures; CloudFront, Google egress and logging, and AgentCore added 2026-11 from
 * its section A.5b). USD, without tax. Every figure carries its unit, source, date checked
 * and confidence. A figure PRICING.md marks single-source is `single-source`; one it could not find is `not-found` with
 * `value: null`, and is never replaced by a guess: the model shows the line with no price and a footnote.
 */

export const AWS_REGIONS = ["us-east-1", "ap-northeast-1"] as const;
export const GCP_REGIONS = ["us-central1", "asia-northeast1"] as const;
export type AwsRegion = (typeof AWS_REGIONS)[number];
export type GcpRegion = (typeof GCP_REGIONS)[number];

/** The default GCP region for an AWS region (overridable). */
export const GCP_REGION_FOR: Record<AwsRegion, GcpRegion> = {
  "us-east-1": "us-central1",
  "ap-northeast-1": "asia-northeast1",
};

export type Confidence = "verified" | "single-source" | "not-found";

export interface Price {
  /** USD per `unit`; null when not found. */
  value: number | null;
  unit: string;
  source: string;
  checked: string;
  confidence: Confidence;
}

const p = (
  value: number | null,
  unit: string,
  source: string,
  checked: string,
  confidence: Confidence = "verified",
): Price => ({
  value,
  unit,
  source,
  checked,
  confidence,
});

/** Hours in a billing month (PRICING.md: "A month is 730 hours"). */
export const HOURS_PER_MONTH = 730;

const IC = "Infracost fixture";
const PL = "AWS Price List API";
/** PRICING.md A.5b: CloudFront data transfer (official page, agrees with two secondary sources). */
const CF_TRANSFER = "aws.amazon.com/cloudfront/pricing (stored); bybowu, duckbillhq";
/** PRICING.md A.5b: the stored pricing page did not render the request table; AWS's long-standing figure. */
const CF_REQUESTS =
  "aws.amazon.com/cloudfront/pricing request table (not rendered in the stored copy; long-standing figure)";
/** PRICING.md A.5b; the idle-timeout default is from an open-source integration, hence single-source. */
const AGENTCORE = "aws.amazon.com/bedrock/agentcore/pricing (stored)";
/**
 * EFS Standard (Regional) storage, us-east-1: the official pricing page (stored copy, "$0.30/GB-month";
 * https://aws.amazon.com/efs/pricing/), agreeing with cloudburn.io "Amazon EFS Pricing" (2026-03) and factualminds.com
 * "Amazon EFS Pricing" (us-east-1, 2026-06). In bursting throughput mode reads and writes carry no charge (the China
 * regions' pricing page and the legacy-modes table on the AWS page say the same), so storage is the only line.
 */
const EFS_STANDARD =
  "aws.amazon.com/efs/pricing (stored: $0.30/GB-month); cloudburn.io 2026-03; factualminds.com 2026-06";

export const AWS_PRICES = {
  "us-east-1": {
    lambdaRequests: p(0.2, "1M requests", `${IC} lambda_function_test.golden`, "2026-09"),
    lambdaArmGbSecond: p(0.0000133334, "GB-second (arm64, first 7.5B)", `${IC} (100,000.50 / 7.5B GB-s)`, "2026-09"),
    restApiRequests: p(
      3.5,
      "1M requests (first 333M)",
      "AWS whitepaper: API Gateway private APIs, cost table; IC api_gateway_rest_api_test.golden",
      "2026-09",
    ),
    restApiRequestsTier2: p(
      2.8,
      "1M requests (next 667M)",
      "AWS whitepaper: API Gateway private APIs, cost table",
      "2026-09",
    ),
    restApiRequestsTier3: p(
      2.38,
      "1M requests (next 19B)",
      "AWS whitepaper: API Gateway private APIs, cost table",
      "2026-09",
    ),
    logsIngestion: p(0.5, "GB ingested", `${IC} cloudwatch_log_group_test.golden`, "2026-09"),
    logsStorage: p(0.03, "GB-month stored", `${IC} cloudwatch_log_group_test.golden`, "2026-09"),
    dataTransferOut: p(
      0.09,
      "GB out to the internet (first 10 TB)",
      "apigatewaycost.com (secondary)",
      "2026-09",
      "single-source",
    ),
    fargateArmVcpuHour: p(0.03238, "vCPU-hour (Linux/ARM)", "Vantage; fortem.dev (verified June 2026)", "2026-09"),
    fargateArmGbHour: p(0.00356, "GB-hour (Linux/ARM)", "Vantage; fortem.dev (verified June 2026)", "2026-09"),
    albHour: p(0.0225, "ALB-hour", `${IC} lb_test.golden`, "2026-09"),
    albLcuHour: p(0.008, "LCU-hour", `${IC} lb_test.golden`, "2026-09"),
    publicIpv4Hour: p(
      0.005,
      "public IPv4 address-hour",
      "AWS Networking blog: public IPv4 charge (2024-02-01)",
      "2026-09",
    ),
    natHour: p(0.045, "NAT gateway-hour", `${IC} nat_gateway_test.golden`, "2026-09"),
    natGb: p(0.045, "GB processed by NAT", `${IC} nat_gateway_test.golden`, "2026-09"),
    wafWebAcl: p(5, "web ACL-month", `${IC} wafv2_web_acl_test.golden`, "2026-09"),
    wafRule: p(1, "rule-month", `${IC} wafv2_web_acl_test.golden`, "2026-09"),
    wafRequests: p(0.6, "1M requests", `${IC} wafv2_web_acl_test.golden`, "2026-09"),
    cloudFrontRequests: p(0.01, "10k HTTPS requests (North America)", CF_REQUESTS, "2026-11", "single-source"),
    cloudFrontTransfer: p(0.085, "GB out (North America, first 10 TB)", CF_TRANSFER, "2026-11"),
    agentCoreVcpuHour: p(0.0895, "vCPU-hour of active CPU", AGENTCORE, "2026-11", "single-source"),
    agentCoreGbHour: p(0.00945, "GB-hour of peak memory", AGENTCORE, "2026-11", "single-source"),
    ecrStorage: p(0.1, "GB-month", `${IC} ecr_repository_test.golden`, "2026-09"),
    ebsGp3: p(0.08, "GB-month (gp3)", `${IC} ebs_volume_test.golden`, "2026-09"),
    efsStandard: p(0.3, "GB-month (EFS Standard, Regional, bursting throughput)", EFS_STANDARD, "2026-11"),
    t4gNanoHour: p(
      0.0042,
      "instance-hour (t4g.nano)",
      `${PL} table id 56865750947 ("local-estimate")`,
      "2026-09",
      "single-source",
    ),
    t4gMicroHour: p(
      0.0084,
      "instance-hour (t4g.micro)",
      `${PL} table id 56865750947 ("local-estimate")`,
      "2026-09",
      "single-source",
    ),
    t4gSmallHour: p(
      0.0168,
      "instance-hour (t4g.small)",
      `${PL} table id 56865750947 ("local-estimate")`,
      "2026-09",
      "single-source",
    ),
    ssmStandardParameter: p(
      0,
      "parameter-month (standard tier)",
      "AWS SSM User Guide: Managing parameter tiers",
      "2026-09",
    ),
  },
  "ap-northeast-1": {
    lambdaRequests: p(0.2, "1M requests", `${PL} APN1-Request, id 62006274542 (effective 2026-07-01)`, "2026-07-01"),
    lambdaArmGbSecond: p(
      0.0000133334,
      "GB-second (arm64)",
      "APN1-Lambda-GB-Second-ARM, code fixture id 67503328678",
      "2026-09",
      "single-source",
    ),
    restApiRequests: p(
      4.25,
      "1M requests",
      "one slide deck, id 37361597058 (undated, older)",
      "2026-09",
      "single-source",
    ),
    restApiRequestsTier2: p(null, "1M requests (next 667M)", "not found for Tokyo", "2026-09", "not-found"),
    restApiRequestsTier3: p(null, "1M requests (next 19B)", "not found for Tokyo", "2026-09", "not-found"),
    logsIngestion: p(0.76, "GB ingested", `${PL} APN1-DataProcessing-Bytes, id 62006274542`, "2026-07-01"),
    logsStorage: p(0.033, "GB-month stored", `${PL} APN1-TimedStorage-ByteHrs, id 62006274542`, "2026-07-01"),
    dataTransferOut: p(
      0.114,
      "GB out to the internet (first 10 TB)",
      `${PL} APN1-DataTransfer-Out-Bytes, id 69350642361`,
      "2026-09",
      "single-source",
    ),
    fargateArmVcpuHour: p(
      0.04045,
      "vCPU-hour (Linux/ARM)",
      `${PL} APN1-Fargate-ARM-vCPU-Hours:perCPU, id 61147661259`,
      "2026-09",
    ),
    fargateArmGbHour: p(0.00442, "GB-hour (Linux/ARM)", `${PL} APN1-Fargate-ARM-GB-Hours, id 61147661259`, "2026-09"),
    albHour: p(0.0243, "ALB-hour", `${PL} APN1-LoadBalancerUsage, id 61147661259`, "2026-09"),
    albLcuHour: p(0.008, "LCU-hour", `${PL} APN1-LCUUsage, id 61147661259`, "2026-09"),
    publicIpv4Hour: p(
      0.005,
      "public IPv4 address-hour",
      `${PL} APN1-PublicIPv4:InUseAddress, ids 65891697444, 68674663788`,
      "2026-09",
    ),
    natHour: p(0.062, "NAT gateway-hour", `${PL} APN1-NatGateway-Hours, id 68674663788`, "2026-09-25"),
    natGb: p(0.062, "GB processed by NAT", `${PL} APN1-NatGateway-Bytes, id 68674663788`, "2026-09-25"),
    wafWebAcl: p(5, "web ACL-month", `${PL} APN1-WebACL, id 69350642361`, "2026-09"),
    wafRule: p(1, "rule-month", `${PL} APN1-Rule, id 69350642361`, "2026-09"),
    wafRequests: p(0.6, "1M requests", `${PL} APN1-Request, id 69350642361`, "2026-09"),
    cloudFrontRequests: p(0.012, "10k HTTPS requests (Japan)", CF_REQUESTS, "2026-11", "single-source"),
    cloudFrontTransfer: p(0.114, "GB out (Japan, first 10 TB)", CF_TRANSFER, "2026-11"),
    agentCoreVcpuHour: p(
      null,
      "vCPU-hour of active CPU",
      "AgentCore Tokyo price not checked (PRICING.md A.5b)",
      "2026-11",
      "not-found",
    ),
    agentCoreGbHour: p(
      null,
      "GB-hour of peak memory",
      "AgentCore Tokyo price not checked (PRICING.md A.5b)",
      "2026-11",
      "not-found",
    ),
    ecrStorage: p(0.1, "GB-month", `${PL} APN1-TimedStorage-ByteHrs (ECR), id 69311764830`, "2026-09"),
    ebsGp3: p(0.096, "GB-month (gp3)", `${PL} APN1-EBS:VolumeUsage.gp3, id 68351973613`, "2026-09"),
    efsStandard: p(
      null,
      "GB-month (EFS Standard, Regional, bursting throughput)",
      "EFS Standard storage in Tokyo not found in the stored pricing pages (checked 2026-11)",
      "2026-11",
      "not-found",
    ),
    t4gNanoHour: p(
      0.0054,
      "instance-hour (t4g.nano)",
      `${PL} table id 56865750947; id 67290760823`,
      "2026-09",
      "single-source",
    ),
    t4gMicroHour: p(
      0.0108,
      "instance-hour (t4g.micro)",
      `${PL} table id 56865750947 ("local-estimate")`,
      "2026-09",
      "single-source",
    ),
    t4gSmallHour: p(
      0.0216,
      "instance-hour (t4g.small)",
      `${PL} table id 56865750947 ("local-estimate")`,
      "2026-09",
      "single-source",
    ),
    ssmStandardParameter: p(
      0,
      "parameter-month (standard tier)",
      "AWS SSM User Guide: Managing parameter tiers",
      "2026-09",
    ),
  },
} satisfies Record<AwsRegion, Record<string, Price>>;

const RUN = "cloud.google.com/run/pricing (stored copy)";
const LB = "cloud.google.com/load-balancing/pricing (stored copies)";
const ARMOR = "secondary sources x5; official armor/pricing not captured";
const EGRESS = "cloud.google.com/run/pricing (Premium tier); brainagents.ai $0.085-0.12, cloudbolt (secondary)";
const LOGGING = "cloud.google.com/stackdriver/pricing (stored copies)";

/** Tier 1 Cloud Run prices are the same in both regions (Cloud Run locations page). */
function gcp(region: GcpRegion) {
  return {
    runVcpuSecond: p(0.000024, "vCPU-second (request-based)", RUN, "2026-09"),
    runGibSecond: p(0.0000025, "GiB-second (request-based)", RUN, "2026-09"),
    runRequests: p(0.4, "1M requests", RUN, "2026-09"),
    forwardingRuleHour: p(0.025, "forwarding rule-hour (first 5)", LB, "2026-09"),
    lbDataGib:
      region === "us-central1"
        ? p(0.008, "GiB processed (in + out)", `${LB}; api-evangelist transcription 2026-09-20`, "2026-09-20")
        : p(null, "GiB processed (in + out)", "not found for asia-northeast1", "2026-09", "not-found"),
    armorPolicy: p(5, "policy-month (Standard)", ARMOR, "2026-09", "single-source"),
    armorRule: p(1, "rule-month", ARMOR, "2026-09", "single-source"),
    armorRequests: p(0.75, "1M requests evaluated", ARMOR, "2026-09", "single-source"),
    secretVersion: p(
      0.06,
      "active secret version-month",
      "cloud.google.com/secret-manager/pricing; IC secret_manager_secret_test.golden",
      "2026-09",
    ),
    artifactStorage: p(0.1, "GB-month over 0.5 GB", "cloud.google.com/artifact-registry/pricing", "2026-09"),
    // PRICING.md A.5b: $0.085 to $0.12 per GiB for the first TiB from a North America source; the conservative $0.12,
    // single-source. An Asia source was not found (A.7), so asia-northeast1 has no price and its line stays unpriced.
    egress:
      region === "us-central1"
        ? p(0.12, "GiB out (Premium tier, first TiB)", EGRESS, "2026-11", "single-source")
        : p(null, "GiB out (Premium tier)", "Asia source not found (PRICING.md A.5b, A.7)", "2026-11", "not-found"),
    logging: p(0.5, "GiB ingested past the free 50 GiB (30 days retention included)", LOGGING, "2026-11"),
    loggingRetention: p(0.01, "GiB-month retained past 30 days", LOGGING, "2026-11"),
  };
}

export const GCP_PRICES: Record<GcpRegion, ReturnType<typeof gcp>> = {
  "us-central1": gcp("us-central1"),
  "asia-northeast1": gcp("asia-northeast1"),
};

/**
 * Published free allowances, applied only when the profile asks for free tiers (`freeTier`): each is per account,
 * billing account or project, so with the toggle off the model assumes the account's other workloads use them.
 */
export const FREE_TIERS = {
  lambdaRequests: { value: 1_000_000, unit: "requests/month", source: "AWS Lambda pricing page (always free)" },
  lambdaGbSeconds: { value: 400_000, unit: "GB-seconds/month", source: "AWS Lambda pricing page (always free)" },
  runVcpuSeconds: { value: 180_000, unit: "vCPU-seconds/month", source: RUN },
  runGibSeconds: { value: 360_000, unit: "GiB-seconds/month", source: RUN },
  runRequests: { value: 2_000_000, unit: "requests/month", source: RUN },
  /** "Included in Always Free Tier", every account (PRICING.md A.5b). 1 TB is taken as 1,024 GB (the model's GB is 2^30 B). */
  cloudFrontGb: { value: 1024, unit: "GB out/month", source: "aws.amazon.com/cloudfront/pricing (Always Free)" },
  cloudFrontRequests: {
    value: 10_000_000,
    unit: "HTTP/HTTPS requests/month",
    source: "aws.amazon.com/cloudfront/pricing (Always Free)",
  },
  /** Cloud Run's free tier: 1 GiB of internet egress within North America (so only from us-central1 here). */
  runEgressGibNorthAmerica: { value: 1, unit: "GiB out/month", source: RUN },
  /** Cloud Logging: first 50 GiB ingested per project per month (PRICING.md A.5b). */
  loggingGib: { value: 50, unit: "GiB ingested/month", source: LOGGING },
} as const;

/** Cloud Logging's _Default bucket keeps logs 30 days, included in the ingestion price (PRICING.md A.5b). */
export const CLOUD_LOGGING_INCLUDED_RETENTION_DAYS = 30;

/** Always free regardless of the toggle (it is not a trial). */
export const ARTIFACT_REGISTRY_FREE_GB = 0.5;
