/**
 * The Fargate workspace on EFS (config `fargateEfs`, `serverWorkspace`): a file system kept across tasks and
 * deployments for a server like Serena that works on a checked-out project.
 *
 * Children: an encrypted file system (bursting throughput, so the bill is storage only: infra/core/cost), one mount
 * target per task subnet, a security group that admits NFS (TCP 2049) from the tasks' security group only (and the
 * tasks' egress to it), and an access point that pins every client to uid/gid 1000 (the image's `node` user) under
 * `/workspace`. The task role's permissions and the file system policy are in components/fargate/ecs.ts (built from
 * {@link efsClientStatement} and {@link efsFileSystemPolicy}): mount and write, through this access point, over TLS,
 * for this task role only. Sources: "Using Amazon EFS volumes with Amazon ECS",
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html; "Using IAM to control file system data
 * access", https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html; NFS port 2049, "Using VPC
 * security groups", https://docs.aws.amazon.com/efs/latest/ug/network-access.html.
 *
 * A mount target per subnet: EFS allows one per Availability Zone, so the subnets must be in different zones (the
 * component's own VPC does that; user `subnetIds` are checked before anything uses them, `distinctZoneSubnets` in
 * components/fargate-mcp-service.ts, review R2-m8). The tasks mount by the file system's DNS name, which resolves to
 * the mount target in their own zone: a user VPC needs `enableDnsSupport` and `enableDnsHostnames`
 * (docs/deploy-fargate.md).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "../../infra/iam.js";

/** The image's `node` user and group (uid/gid 1000, server/Dockerfile's base image), which the access point enforces. */
export const APP_UID = 1000;
/** NFS, the only port EFS mount targets serve. */
export const NFS_PORT = 2049;
/** The directory the access point roots clients at, created owned by the app user. */
export const EFS_ROOT = "/workspace";

export interface EfsWorkspace {
  fileSystem: aws.efs.FileSystem;
  accessPoint: aws.efs.AccessPoint;
  /** The tasks may mount only once these exist. */
  mountTargets: aws.efs.MountTarget[];
}

export interface EfsWorkspaceArgs {
  vpcId: pulumi.Input<string>;
  /** The tasks' subnets, one per Availability Zone (a second mount target in a zone fails: MountTargetConflict). */
  subnetIds: pulumi.Input<string>[];
  /** The tasks' security group: the only source NFS admits. */
  taskSecurityGroupId: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** Declares the file system, its network access and access point as children of `parent` (`${name}-workspace*`). */
export function efsWorkspace(name: string, args: EfsWorkspaceArgs, parent: pulumi.Resource): EfsWorkspace {
  const opts = { parent };
  const sg = new aws.ec2.SecurityGroup(
    `${name}-workspace`,
    { vpcId: args.vpcId, description: "mcp-anywhere EFS workspace: NFS from the tasks only", tags: args.tags },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-workspace-from-tasks`,
    {
      securityGroupId: sg.id,
      referencedSecurityGroupId: args.taskSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: NFS_PORT,
      toPort: NFS_PORT,
      description: "NFS from the tasks",
    },
    opts,
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-tasks-nfs`,
    {
      securityGroupId: args.taskSecurityGroupId,
      referencedSecurityGroupId: sg.id,
      ipProtocol: "tcp",
      fromPort: NFS_PORT,
      toPort: NFS_PORT,
      description: "NFS to the EFS workspace",
    },
    opts,
  );
  const fileSystem = new aws.efs.FileSystem(
    `${name}-workspace`,
    {
      encrypted: true,
      performanceMode: "generalPurpose",
      throughputMode: "bursting",
      tags: { ...args.tags, Name: `${name}-workspace` },
    },
    opts,
  );
  const mountTargets = args.subnetIds.map(
    (subnetId, i) =>
      new aws.efs.MountTarget(
        `${name}-workspace-${i}`,
        { fileSystemId: fileSystem.id, subnetId, securityGroups: [sg.id] },
        opts,
      ),
  );
  const accessPoint = new aws.efs.AccessPoint(
    `${name}-workspace`,
    {
      fileSystemId: fileSystem.id,
      posixUser: { uid: APP_UID, gid: APP_UID },
      rootDirectory: {
        path: EFS_ROOT,
        creationInfo: { ownerUid: APP_UID, ownerGid: APP_UID, permissions: "0750" },
      },
      tags: args.tags,
    },
    opts,
  );
  return { fileSystem, accessPoint, mountTargets };
}

/**
 * The task role's statement: `elasticfilesystem:ClientMount` and `ClientWrite` on this file system only, and only
 * through its access point (`elasticfilesystem:AccessPointArn`). No `ClientRootAccess`.
 */
export function efsClientStatement(efs: EfsWorkspace): pulumi.Output<PolicyStatement> {
  return pulumi.all([efs.fileSystem.arn, efs.accessPoint.arn]).apply(([fs, ap]) => ({
    Sid: "WorkspaceEfsClient",
    Effect: "Allow" as const,
    Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
    Resource: fs,
    Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": ap } },
  }));
}

/**
 * The file system policy: only `taskRoleArn` may mount and write, only through the access point and only over TLS
 * (`aws:SecureTransport`). With a policy in place EFS denies what it does not allow, anonymous NFS clients included.
 */
export function efsFileSystemPolicy(efs: EfsWorkspace, taskRoleArn: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.all([efs.fileSystem.arn, efs.accessPoint.arn, taskRoleArn]).apply(([fs, ap, role]) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "TaskRoleThroughAccessPointOverTls",
          Effect: "Allow",
          Principal: { AWS: role },
          Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
          Resource: fs,
          Condition: {
            Bool: { "aws:SecureTransport": "true" },
            StringEquals: { "elasticfilesystem:AccessPointArn": ap },
          },
        },
      ],
    }),
  );
}
