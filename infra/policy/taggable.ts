/**
 * Which resource types take tags (AWS) or labels (GCP), and the keys that name a resource's stack and target. Shared by
 * the stack-wide tagging transform (infra/tags.ts) and the `stack-tags` policy (./tags.ts); tests/policy/tags.test.ts
 * checks the lists against the provider SDKs' `Args` typings (`tags?` / `labels?`) for every type a stack creates.
 */

/** The AWS tag that names the stack a resource belongs to. */
export const STACK_TAG = "mcp-anywhere:stack";
/** The AWS tag that names the deployment target. */
export const TARGET_TAG = "mcp-anywhere:target";
/**
 * GCP label keys for the same: label keys allow only lowercase letters, digits, `_` and `-` (no `:`), at most 63
 * characters. https://cloud.google.com/resource-manager/docs/labels-overview#requirements
 */
export const STACK_LABEL = "mcp-anywhere-stack";
export const TARGET_LABEL = "mcp-anywhere-target";

/**
 * A GCP label value for `s`: lowercase letters, digits, `_` and `-`, at most 63 characters
 * (https://cloud.google.com/resource-manager/docs/labels-overview#requirements).
 */
export function labelValue(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "-")
    .slice(0, 63);
}

/** AWS resource types with a `tags` input (pulumi-aws 7). */
export const AWS_TAGGABLE: ReadonlySet<string> = new Set([
  "aws:acm/certificate:Certificate",
  "aws:budgets/budget:Budget",
  "aws:apigateway/apiKey:ApiKey",
  "aws:apigateway/restApi:RestApi",
  "aws:apigateway/stage:Stage",
  "aws:apigateway/usagePlan:UsagePlan",
  "aws:appautoscaling/target:Target",
  "aws:cloudfront/distribution:Distribution",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:ebs/volume:Volume",
  "aws:ec2/eip:Eip",
  "aws:ec2/instance:Instance",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/networkInterface:NetworkInterface",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/vpc:Vpc",
  "aws:ecr/repository:Repository",
  "aws:ecs/cluster:Cluster",
  "aws:ecs/service:Service",
  "aws:ecs/taskDefinition:TaskDefinition",
  "aws:efs/accessPoint:AccessPoint",
  "aws:efs/fileSystem:FileSystem",
  "aws:iam/instanceProfile:InstanceProfile",
  "aws:iam/policy:Policy",
  "aws:iam/role:Role",
  "aws:lambda/function:Function",
  "aws:lb/listener:Listener",
  "aws:lb/listenerRule:ListenerRule",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:lb/targetGroup:TargetGroup",
  "aws:secretsmanager/secret:Secret",
  "aws:ssm/association:Association",
  "aws:ssm/document:Document",
  "aws:ssm/parameter:Parameter",
  "aws:sns/topic:Topic",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:wafv2/ruleGroup:RuleGroup",
  "aws:wafv2/webAcl:WebAcl",
]);

/** GCP resource types with a `labels` input (pulumi-gcp 9). */
export const GCP_LABELABLE: ReadonlySet<string> = new Set([
  "gcp:artifactregistry/repository:Repository",
  "gcp:cloudrunv2/service:Service",
  "gcp:compute/globalAddress:GlobalAddress",
  "gcp:compute/globalForwardingRule:GlobalForwardingRule",
  "gcp:compute/securityPolicy:SecurityPolicy",
  "gcp:secretmanager/secret:Secret",
]);

/**
 * GCP types whose `labels` input is configuration, not resource labels (a notification channel's `labels` hold e.g.
 * `email_address`; its resource labels are `userLabels`): never given the stack labels.
 */
export const GCP_LABELS_ARE_CONFIG: ReadonlySet<string> = new Set([
  "gcp:monitoring/notificationChannel:NotificationChannel",
]);
