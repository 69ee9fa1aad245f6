/** Account, region and partition of the AWS provider in use, for building exact ARNs (least-privilege IAM). */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AwsContext {
  accountId: pulumi.Output<string>;
  region: pulumi.Output<string>;
  partition: pulumi.Output<string>;
}

/** Invokes getCallerIdentity, getRegion and getPartition with the caller's `{ parent }`. */
export function awsContext(opts: pulumi.InvokeOutputOptions): AwsContext {
  return {
    accountId: aws.getCallerIdentityOutput({}, opts).accountId,
    region: aws.getRegionOutput({}, opts).region,
    partition: aws.getPartitionOutput({}, opts).partition,
  };
}

/**
 * The ARN of an SSM parameter from its name: `arn:<partition>:ssm:<region>:<account>:parameter/<name without the
 * leading slash>`. A name that already is an ARN is returned unchanged.
 */
export function ssmParameterArn(ctx: AwsContext, name: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi
    .all([ctx.partition, ctx.region, ctx.accountId, name])
    .apply(([partition, region, account, n]) =>
      n.startsWith("arn:") ? n : `arn:${partition}:ssm:${region}:${account}:parameter/${n.replace(/^\//, "")}`,
    );
}
