/**
 * Least-privilege IAM statements shared by the AWS targets. Key parameters are readable one by one, by exact ARN, and
 * KMS may decrypt only through SSM and only for those parameters (SSM puts the parameter ARN in the encryption
 * context: AWS KMS Developer Guide, "How AWS Systems Manager Parameter Store uses AWS KMS").
 */
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "./aws-context.js";
import { ecrRepositoryArn } from "./image.js";

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * Statements that let a role read exactly `parameterArns` (GetParameter/GetParameters) and decrypt them: `kms:Decrypt`
 * on the account's keys, only when called through SSM in this region (`kms:ViaService`) and only for those parameters
 * (`kms:EncryptionContext:PARAMETER_ARN`, both in one `StringEquals`: AND across keys, OR across the ARN list).
 */
export function readKeyParameterStatements(
  ctx: AwsContext,
  parameterArns: pulumi.Input<string>[],
): pulumi.Output<PolicyStatement[]> {
  return pulumi
    .all([ctx.partition, ctx.region, ctx.accountId, pulumi.all(parameterArns)])
    .apply(([partition, region, account, arns]): PolicyStatement[] => [
      {
        Sid: "ReadApiKeyParameters",
        Effect: "Allow",
        Action: ["ssm:GetParameter", "ssm:GetParameters"],
        Resource: [...arns],
      },
      {
        Sid: "DecryptApiKeyParametersViaSsm",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: `arn:${partition}:kms:${region}:${account}:key/*`,
        // `kms:EncryptionContext:PARAMETER_ARN` is single-valued (one parameter per Decrypt call), so plain
        // `StringEquals` with a list already means "any of these"; a `ForAnyValue:` set operator on a single-valued key
        // is what IAM Access Analyzer flags. Sources: IAM User Guide, "Multivalued context keys" and "Condition with
        // multiple context keys or values" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html,
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html); review F19.
        Condition: {
          StringEquals: {
            "kms:ViaService": `ssm.${region}.amazonaws.com`,
            "kms:EncryptionContext:PARAMETER_ARN": [...arns],
          },
        },
      },
    ]);
}

/** CreateLogStream and PutLogEvents on one log group's streams. */
export function writeLogsStatement(logGroupArn: pulumi.Input<string>): pulumi.Output<PolicyStatement> {
  return pulumi.output(logGroupArn).apply((arn) => ({
    Sid: "WriteOwnLogGroup",
    Effect: "Allow" as const,
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: `${arn}:*`,
  }));
}

/** A trust policy for one AWS service principal, e.g. `lambda.amazonaws.com`. */
export function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

/** Serializes statements into a policy document. */
export function policyDocument(statements: pulumi.Input<pulumi.Input<PolicyStatement>[]>): pulumi.Output<string> {
  return pulumi.output(statements).apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: s }));
}

/**
 * Pulling one ECR repository's images: `ecr:GetAuthorizationToken` (which has no resource-level form, so "*") and the
 * layer reads on exactly that repository.
 */
export function imagePullStatements(repositoryArn: string): PolicyStatement[] {
  return [
    { Sid: "EcrAuth", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    {
      Sid: "PullServerImage",
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
      Resource: repositoryArn,
    },
  ];
}

/**
 * The policy of a role that runs the server image (the Fargate execution role, the EC2 instance role): pull the
 * image's repository, write its own log group, read exactly the key parameters.
 */
export function runtimeRolePolicy(
  ctx: AwsContext,
  image: pulumi.Input<string>,
  logGroupArn: pulumi.Input<string>,
  parameterArns: pulumi.Input<string>[],
): pulumi.Output<string> {
  const repositoryArn = pulumi
    .all([image, ctx.partition])
    .apply(([ref, partition]) => ecrRepositoryArn(ref, partition));
  return policyDocument(
    pulumi
      .all([repositoryArn, writeLogsStatement(logGroupArn), readKeyParameterStatements(ctx, parameterArns)])
      .apply(([repo, logs, keys]) => [...imagePullStatements(repo), logs, ...keys]),
  );
}
