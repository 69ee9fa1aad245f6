/**
 * The Fargate target's origin: an internet-facing ALB that admits HTTP only from CloudFront's origin-facing managed
 * prefix list, answers 403 by default, and forwards to the tasks only requests that carry the secret origin-verify
 * header CloudFront adds. Tasks accept traffic only from the ALB's security group.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { EDGE_AND_APP_DEFAULTS } from "../../infra/core/defaults.js";

/** The header CloudFront sets on every origin request; its value is a Pulumi secret. */
export const ORIGIN_VERIFY_HEADER = "x-origin-verify";
/** CloudFront's origin-facing managed prefix list (AWS-managed, one per region). */
export const CLOUDFRONT_ORIGIN_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing";
/** The container port the server listens on. */
export const CONTAINER_PORT = EDGE_AND_APP_DEFAULTS.port;

export const FORBIDDEN_BODY = JSON.stringify({
  jsonrpc: "2.0",
  error: { code: -32000, message: "Forbidden: use the CloudFront URL" },
  id: null,
});

export interface AlbArgs {
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<string>[];
  originVerifySecret: pulumi.Input<string>;
  healthPath: string;
  tags: Record<string, string>;
}

export interface Alb {
  alb: aws.lb.LoadBalancer;
  targetGroup: aws.lb.TargetGroup;
  listener: aws.lb.Listener;
  rule: aws.lb.ListenerRule;
  taskSecurityGroup: aws.ec2.SecurityGroup;
}

export function albOrigin(name: string, args: AlbArgs, parent: pulumi.Resource): Alb {
  const opts = { parent };
  const prefixList = aws.ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_PREFIX_LIST }, opts);
  // Every rule is its own resource: the AWS provider warns that inline rules and rule resources on one group
  // overwrite each other.
  const albSg = new aws.ec2.SecurityGroup(
    `${name}-alb`,
    {
      vpcId: args.vpcId,
      description: "mcp-anywhere ALB: HTTP from CloudFront origin-facing addresses only",
      tags: args.tags,
    },
    opts,
  );
  const taskSg = new aws.ec2.SecurityGroup(
    `${name}-tasks`,
    { vpcId: args.vpcId, description: "mcp-anywhere tasks: the server port from the ALB only", tags: args.tags },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-alb-from-cloudfront`,
    {
      securityGroupId: albSg.id,
      prefixListId: prefixList.id,
      ipProtocol: "tcp",
      fromPort: 80,
      toPort: 80,
      description: "CloudFront",
    },
    opts,
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-alb-to-tasks`,
    {
      securityGroupId: albSg.id,
      referencedSecurityGroupId: taskSg.id,
      ipProtocol: "tcp",
      fromPort: CONTAINER_PORT,
      toPort: CONTAINER_PORT,
      description: "to the tasks",
    },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-tasks-from-alb`,
    {
      securityGroupId: taskSg.id,
      referencedSecurityGroupId: albSg.id,
      ipProtocol: "tcp",
      fromPort: CONTAINER_PORT,
      toPort: CONTAINER_PORT,
      description: "from the ALB",
    },
    opts,
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-tasks-https`,
    // Image pulls, SSM (for secrets) and CloudWatch Logs go out over HTTPS.
    {
      securityGroupId: taskSg.id,
      cidrIpv4: "0.0.0.0/0",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      description: "HTTPS to AWS APIs",
    },
    opts,
  );

  const alb = new aws.lb.LoadBalancer(
    `${name}-alb`,
    {
      internal: false,
      loadBalancerType: "application",
      securityGroups: [albSg.id],
      subnets: args.publicSubnetIds,
      // Longer than CloudFront's origin read timeout, so the ALB never cuts a call CloudFront still waits for.
      idleTimeout: 120,
      dropInvalidHeaderFields: true,
      tags: args.tags,
    },
    opts,
  );
  const targetGroup = new aws.lb.TargetGroup(
    `${name}-tasks`,
    {
      vpcId: args.vpcId,
      port: CONTAINER_PORT,
      protocol: "HTTP",
      targetType: "ip",
      deregistrationDelay: 15,
      healthCheck: {
        path: args.healthPath,
        matcher: "200",
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
      tags: args.tags,
    },
    opts,
  );
  const listener = new aws.lb.Listener(
    `${name}-http`,
    {
      loadBalancerArn: alb.arn,
      port: 80,
      protocol: "HTTP",
      defaultActions: [
        {
          type: "fixed-response",
          fixedResponse: { statusCode: "403", contentType: "application/json", messageBody: FORBIDDEN_BODY },
        },
      ],
      tags: args.tags,
    },
    opts,
  );
  const rule = new aws.lb.ListenerRule(
    `${name}-from-cloudfront`,
    {
      listenerArn: listener.arn,
      priority: 10,
      conditions: [{ httpHeader: { httpHeaderName: ORIGIN_VERIFY_HEADER, values: [args.originVerifySecret] } }],
      actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      tags: args.tags,
    },
    opts,
  );
  return { alb, targetGroup, listener, rule, taskSecurityGroup: taskSg };
}
