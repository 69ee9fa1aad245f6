/**
 * The model prices what the components create: every resource type a mock synthesis declares is either priced by a
 * model line or listed here as free, and every priced line's resource was declared. A component that gains a billed
 * resource (a NAT gateway, a second load balancer) fails this test until the model prices it.
 */
import { expect } from "chai";
import { parseStackConfig } from "../../stacks/config.js";
import { estimateStackTargets } from "../../stacks/cost.js";
import { GCP_PROJECT } from "../helpers/pulumi-mocks.js";
import { runStack, stackFileConfig } from "../helpers/run-stack.js";

/** Resource types with no charge of their own (their cost, if any, is in a priced resource's lines). */
const FREE = new Set([
  "random:index/randomPassword:RandomPassword",
  "docker-build:index:Image",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  "aws:ecr/repositoryPolicy:RepositoryPolicy",
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:iam/instanceProfile:InstanceProfile",
  "aws:apigateway/resource:Resource",
  "aws:apigateway/method:Method",
  "aws:apigateway/integration:Integration",
  "aws:apigateway/deployment:Deployment",
  "aws:apigateway/stage:Stage",
  "aws:apigateway/methodSettings:MethodSettings",
  "aws:apigateway/usagePlan:UsagePlan",
  "aws:apigateway/apiKey:ApiKey",
  "aws:apigateway/usagePlanKey:UsagePlanKey",
  "aws:apigateway/response:Response",
  "aws:apigateway/account:Account",
  "aws:lambda/permission:Permission",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:ecs/cluster:Cluster",
  "aws:ecs/taskDefinition:TaskDefinition",
  "aws:lb/targetGroup:TargetGroup",
  "aws:lb/listener:Listener",
  "aws:lb/listenerRule:ListenerRule",
  "aws:appautoscaling/target:Target",
  "aws:appautoscaling/policy:Policy",
  "aws:ec2/eipAssociation:EipAssociation",
  // No charge for an ENI; the public IPv4 on it is billed through the Elastic IP's line.
  "aws:ec2/networkInterface:NetworkInterface",
  "aws:ssm/document:Document",
  "aws:ssm/association:Association",
  "gcp:serviceaccount/account:Account",
  // Enabling a Google API is free.
  "gcp:projects/service:Service",
  "gcp:secretmanager/secret:Secret",
  "gcp:secretmanager/secretIamMember:SecretIamMember",
  "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  "gcp:compute/globalAddress:GlobalAddress",
  "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup",
  "gcp:compute/backendService:BackendService",
  "gcp:compute/uRLMap:URLMap",
  "gcp:compute/managedSslCertificate:ManagedSslCertificate",
  "gcp:compute/targetHttpsProxy:TargetHttpsProxy",
  // EFS bills stored GB-months on the file system's line; mount targets, access points and policies are free.
  "aws:efs/mountTarget:MountTarget",
  "aws:efs/accessPoint:AccessPoint",
  "aws:efs/fileSystemPolicy:FileSystemPolicy",
  // dockerhost: the user's own host; commands, images and the local ssh check cost nothing in a cloud (the local
  // Loki's disk is priced on the deploy command's line, components/dockerhost-mcp-service.ts).
  "command:local:Command",
  "command:remote:Command",
  "docker:index/image:Image",
  "docker:index/remoteImage:RemoteImage",
]);
const isFree = (type: string) =>
  FREE.has(type) || type.startsWith("mcp-anywhere:") || type.startsWith("pulumi:providers:");

const CASES: [string, string, Record<string, string>][] = [
  ["lambda", "dev", {}],
  ["fargate", "prod", {}],
  ["fargate with private subnets", "prod", { "mcp-anywhere:fargatePrivateSubnets": "true" }],
  ["cloudrun", "dev", { "mcp-anywhere:target": "cloudrun", "gcp:project": GCP_PROJECT }],
  [
    "cloudrun with the LB edge",
    "dev",
    { "mcp-anywhere:target": "cloudrun", "gcp:project": GCP_PROJECT, "mcp-anywhere:cloudrunEdge": "loadbalancer" },
  ],
  ["ec2", "dev", { "mcp-anywhere:target": "ec2" }],
  [
    "dockerhost",
    "dev",
    {
      "mcp-anywhere:target": "dockerhost",
      "mcp-anywhere:dockerhostAddress": "192.0.2.10",
      "mcp-anywhere:dockerhostKnownHosts":
        "192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    },
  ],
  [
    "dockerhost with config keys and local logging",
    "dev",
    {
      "mcp-anywhere:target": "dockerhost",
      "mcp-anywhere:dockerhostAddress": "192.0.2.10",
      "mcp-anywhere:dockerhostKnownHosts":
        "192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
      "mcp-anywhere:dockerhostKeySource": "config",
      "mcp-anywhere:dockerhostApiKeys": '["0123456789abcdef0123"]',
      "mcp-anywhere:dockerhostLogging": "local",
    },
  ],
  [
    "fargate with a stdio server and its workspace on EFS",
    "prod",
    {
      "mcp-anywhere:serverMode": "stdio",
      "mcp-anywhere:serverCommand": '["npx","-y","@modelcontextprotocol/server-memory"]',
      "mcp-anywhere:serverEnv": '["API_TOKEN=x"]',
      "mcp-anywhere:serverWorkspace": "/workspace",
      "mcp-anywhere:fargateEfs": "true",
    },
  ],
  [
    "cloudrun with a sidecar and serverEnv",
    "dev",
    {
      "mcp-anywhere:target": "cloudrun",
      "gcp:project": GCP_PROJECT,
      "mcp-anywhere:serverMode": "http",
      "mcp-anywhere:serverImage": "ghcr.io/example/mcp-server:1.2.3",
      "mcp-anywhere:serverEnv": '["API_TOKEN=x"]',
    },
  ],
];

describe("cost model covers what each component creates", function () {
  this.timeout(60_000);
  for (const [name, stack, overrides] of CASES) {
    it(name, async () => {
      const run = await runStack(stack, overrides);
      const config = parseStackConfig({ ...stackFileConfig(stack), ...overrides }, "mcp-anywhere", stack);
      const priced = new Set(estimateStackTargets(config)[config.target].lines.map((l) => l.resource));
      const declared = new Set(run.mocks.resources.map((r) => r.type));
      const unpriced = [...declared].filter((t) => !isFree(t) && !priced.has(t));
      expect(unpriced, "billed resources the model does not price").to.deep.equal([]);
      expect(
        [...priced].filter((t) => !declared.has(t)),
        "priced resources the component does not create",
      ).to.deep.equal([]);
    });
  }
});
