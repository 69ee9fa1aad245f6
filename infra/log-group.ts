/** CloudWatch log groups with retention, named under `/mcp-anywhere/<stack>/`. */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/**
 * @param name - Pulumi resource name.
 * @param logGroupName - the log group's name, e.g. `/mcp-anywhere/dev/lambda`.
 * @param retentionInDays - days, one of CloudWatch's allowed values (validated by the caller).
 */
export function logGroup(
  name: string,
  logGroupName: string,
  retentionInDays: number,
  tags: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.LogGroup {
  return new aws.cloudwatch.LogGroup(name, { name: logGroupName, retentionInDays, tags }, opts);
}
