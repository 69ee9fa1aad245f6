/** Policy: every CloudWatch log group has a retention, one CloudWatch Logs allows. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { LOG_RETENTION_DAYS } from "../core/defaults.js";
import { asNumber, TYPES } from "./lib.js";

const RETENTION_DOC =
  "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html";

/**
 * `log-retention`: `aws:cloudwatch/logGroup:LogGroup` sets `retentionInDays` to a value PutRetentionPolicy accepts
 * (LOG_RETENTION_DAYS in infra/core/defaults.ts). Without it logs are kept, and billed, forever. Source: RETENTION_DOC.
 */
export const logRetention: ResourceValidationPolicy = {
  name: "log-retention",
  description: `Every CloudWatch log group sets retentionInDays to a CloudWatch-allowed value (${RETENTION_DOC}).`,
  validateResource: (args, report) => {
    if (args.type !== TYPES.logGroup) return;
    const days = asNumber(args.props.retentionInDays);
    if (days === undefined || !(LOG_RETENTION_DAYS as readonly number[]).includes(days))
      report(
        `${args.name}: retentionInDays=${JSON.stringify(days ?? null)}; allowed: ${LOG_RETENTION_DAYS.join(", ")} (${RETENTION_DOC})`,
      );
  },
};
