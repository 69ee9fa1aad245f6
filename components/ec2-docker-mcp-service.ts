/**
 * `Ec2DockerMcpService` (`mcp-anywhere:aws:Ec2DockerMcpService`): the server image on one hardened Graviton instance
 * with Docker Compose, behind an nginx edge on the same host (TLS, API-key check, limit_req; components/ec2/nginx.ts).
 *
 * Children: a Network (infra/network.ts; public subnets only), a security group (443 from `allowedCidrs`; 80 from
 * everywhere, for ACME HTTP-01 only; 22 only from `sshCidr`, never from everywhere), an instance role (SSM Session
 * Manager, read of exactly the key parameters, pull of this image's repository, writes to its log group), a network
 * interface with the Elastic IP attached before the instance boots, the instance (IMDSv2 with hop limit 1, encrypted
 * gp3, gzip-compressed user data under a size budget), a log group, and the rollout document and association
 * (components/ec2/rollout.ts). A user's MCP server (`upstream`) adds to the compose file (components/ec2/host-files.ts
 * `ComposeUpstream`: sidecar, scratch and workspace volumes). With serverEnv or tracing headers (otelHeaders), one
 * SSM SecureString parameter holding the secret compose file, which the instance role may read and the deploy script
 * writes root-only.
 *
 * TLS: a Let's Encrypt certificate for the Elastic IP itself (an IP address certificate: `shortlived` profile, about
 * 160 h, renewed with half its lifetime left and retried hourly), or for `domain` when set; both over HTTP-01 by the
 * host's ACME client (components/ec2/acme-client.ts). Until the first issuance nginx serves a self-signed certificate
 * that every client rejects; `tlsStatus` says how issuance works and where to see its state, `npm run verify` checks it. No third-party DNS service is involved (the
 * previous `<ip>.sslip.io` default shared one Let's Encrypt rate limit with every sslip.io user and ran out: review F6,
 * https://github.com/cunnie/sslip.io/issues/110).
 *
 * Port 80 is always open to 0.0.0.0/0: Let's Encrypt validates HTTP-01 from several unpublished network perspectives
 * (https://letsencrypt.org/docs/faq/#what-ip-addresses-does-let-s-encrypt-use-to-validate-my-web-server), so any
 * narrower rule would stop issuance and renewal. nginx answers port 80 with the challenge files and a redirect to
 * HTTPS only; the API (and its key check) is on 443, which `allowedCidrs` restricts.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsContext, ssmParameterArn } from "../infra/aws-context.js";
import type { McpServiceArgs, McpServiceOutputs } from "../infra/core/contract.js";
import { DEPLOY_DEFAULTS, EDGE_AND_APP_DEFAULTS } from "../infra/core/defaults.js";
import { assumeRolePolicy, runtimeRolePolicy } from "../infra/iam.js";
import { logGroup } from "../infra/log-group.js";
import { Network } from "../infra/network.js";
import { serverEnvironment, upstreamSidecarImage } from "../infra/server-env.js";
import { ComponentArgsError, resolveServiceArgs } from "../infra/service-args.js";
import { serverSecretGroups, ssmSecretVariables } from "../infra/upstream-secrets.js";
import { LETS_ENCRYPT_DIRECTORY } from "./ec2/acme-client.js";
import { encodeUserData, renderUserData } from "./ec2/cloud-init.js";
import { hostFiles, renderSecretCompose } from "./ec2/host-files.js";
import { renderRolloutDocument, rolloutId } from "./ec2/rollout.js";

export interface Ec2DockerMcpServiceArgs extends McpServiceArgs {
  /** Graviton instance type. @default "t4g.small" */
  instanceType?: string;
  /** CIDRs that may reach 443 (port 80 stays open to all for ACME HTTP-01). @default ["0.0.0.0/0"] */
  allowedCidrs?: string[];
  /** One CIDR allowed on port 22; never 0.0.0.0/0. @default no port 22 (use SSM Session Manager) */
  sshCidr?: string;
  /**
   * The certificate's host name; its A record must point at the Elastic IP.
   * @default none: the certificate is issued for the Elastic IP address itself
   */
  domain?: string;
  /** Let's Encrypt account e-mail. @default none (registered without e-mail) */
  acmeEmail?: string;
  /** ACME directory, e.g. Let's Encrypt staging for trials. @default Let's Encrypt production */
  acmeDirectoryUrl?: string;
  /** Stack name, for log groups. */
  stack: string;
}

const CIDR = /^(\d{1,3})(\.\d{1,3}){3}\/(\d|[12]\d|3[0-2])$/;

/** The certificate's identifier and the URL's host: `domain` when set, else the Elastic IP address. */
export function ec2Host(domain: string | undefined, ip: string): string {
  return domain ?? ip;
}

/**
 * The `tlsStatus` output: how the edge gets its certificate and where to read its current state. It describes the
 * mechanism and claims no state, because Pulumi cannot see issuance (it happens on the host, after `pulumi up`).
 * @param host the certificate's identifier (`domain`, else the Elastic IP; {@link ec2Host}).
 * @param domain `domain` when set: a DNS certificate with the CA's default profile; else an IP address certificate
 *   with the `shortlived` profile (about 160 h, https://letsencrypt.org/docs/profiles/#shortlived).
 * @param stack the stack name, for the `npm run verify -- --stack <stack>` command it prints.
 * @returns one paragraph of text, e.g. "Certificate: the host requests a Let's Encrypt IP address certificate for
 *   203.0.113.7 …".
 */
export function ec2TlsStatus(host: string, domain: string | undefined, stack: string): string {
  const what = domain
    ? `a Let's Encrypt certificate for ${host} (the CA's default profile, 90 days, renewed with 30 days left; its A record must point at the Elastic IP)`
    : `a Let's Encrypt IP address certificate for ${host} (profile shortlived, about 160 h, renewed with half its lifetime left)`;
  return (
    `Certificate: the host requests ${what} over HTTP-01, which needs port 80 reachable from the whole internet, ` +
    "right after boot and then checks hourly. Until it is issued nginx serves a self-signed certificate, which MCP " +
    `clients refuse. Current state: \`npm run verify -- --stack ${stack}\` (its tls check), or ` +
    "/etc/mcp-anywhere/tls/status on the host (`aws ssm start-session --target <instanceId>`, then cat it; details " +
    "in `journalctl -u mcp-anywhere-cert`)."
  );
}

export class Ec2DockerMcpService extends pulumi.ComponentResource implements McpServiceOutputs {
  public readonly target = "ec2" as const;
  public readonly url: pulumi.Output<string>;
  public readonly healthUrl: pulumi.Output<string>;
  public readonly apiKeyParameterNames: pulumi.Output<string[]>;
  public readonly instanceId: pulumi.Output<string>;
  public readonly publicIp: pulumi.Output<string>;
  public readonly tlsStatus: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;

  /** @throws {ComponentArgsError} before any child is declared, naming each bad argument and its value. */
  constructor(name: string, args: Ec2DockerMcpServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("mcp-anywhere:aws:Ec2DockerMcpService", name, {}, opts);
    const component = `Ec2DockerMcpService ${name}`;
    const a = resolveServiceArgs(component, args, { min: 128, max: 65_536 });
    const d = DEPLOY_DEFAULTS.ec2;
    const instanceType = args.instanceType ?? d.instanceType;
    const allowedCidrs = args.allowedCidrs ?? [...d.allowedCidrs];
    const problems: string[] = [];
    if (!/^[a-z]+\d+g[a-z]*\.[a-z0-9]+$/.test(instanceType)) {
      problems.push(`\`instanceType\` must be a Graviton (arm64) type such as t4g.small, got ${instanceType}`);
    }
    if (allowedCidrs.length === 0 || !allowedCidrs.every((c) => CIDR.test(c))) {
      problems.push(`\`allowedCidrs\` must be one or more IPv4 CIDRs, got ${JSON.stringify(allowedCidrs)}`);
    }
    if (args.sshCidr !== undefined && (!CIDR.test(args.sshCidr) || args.sshCidr.endsWith("/0"))) {
      problems.push(`\`sshCidr\` must be one IPv4 CIDR narrower than /0 (never 0.0.0.0/0), got ${args.sshCidr}`);
    }
    if (problems.length > 0) throw new ComponentArgsError(component, problems);
    const parent = { parent: this };
    const ctx = awsContext(parent);

    const network = new Network(`${name}-network`, { tags: a.tags }, parent);
    const sg = new aws.ec2.SecurityGroup(
      `${name}-host`,
      { vpcId: network.vpcId, description: "mcp-anywhere EC2 host", tags: a.tags },
      parent,
    );
    const ingress = (id: string, port: number, cidr: string, description: string) =>
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-${id}`,
        { securityGroupId: sg.id, cidrIpv4: cidr, ipProtocol: "tcp", fromPort: port, toPort: port, description },
        parent,
      );
    allowedCidrs.forEach((cidr, i) => {
      ingress(`https-${i}`, 443, cidr, "HTTPS: MCP (API key and rate limits at nginx)");
    });
    // Always from everywhere: HTTP-01 validation comes from unpublished addresses (see the header comment).
    ingress("http-0", 80, "0.0.0.0/0", "HTTP: ACME HTTP-01 challenges and the redirect to HTTPS only");
    if (args.sshCidr !== undefined) ingress("ssh", 22, args.sshCidr, "SSH from one admin network");
    for (const [id, port] of [
      ["egress-https", 443],
      ["egress-http", 80],
    ] as const) {
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-${id}`,
        {
          securityGroupId: sg.id,
          cidrIpv4: "0.0.0.0/0",
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          description: "packages, images, AWS APIs, ACME",
        },
        parent,
      );
    }

    const logs = logGroup(`${name}-logs`, `/mcp-anywhere/${args.stack}/ec2`, a.logRetentionDays, a.tags, parent);
    // The server's secret variables (serverEnv, OTEL_EXPORTER_OTLP_HEADERS) as one SecureString parameter holding the
    // secret compose file, which the deploy script writes root-only on the host (components/ec2/host-files.ts); the
    // instance role may read exactly it. The file's value stays a Pulumi secret (the headers are one).
    const upstream = args.upstream !== undefined && args.upstream.mode !== "builtin" ? args.upstream : undefined;
    const secretGroups = serverSecretGroups({ upstream, tracing: a.tracing });
    const [serverEnvParameter] = ssmSecretVariables(
      name,
      {
        stack: args.stack,
        variables:
          secretGroups.length > 0
            ? {
                compose: pulumi
                  .all(secretGroups.map((g) => pulumi.all(g.variables)))
                  .apply((values) =>
                    renderSecretCompose(
                      values.map((variables, i) => ({ service: secretGroups[i]?.container ?? "mcp", variables })),
                    ),
                  ),
              }
            : {},
        tags: a.tags,
      },
      this,
    );
    const sidecarImage = upstreamSidecarImage(upstream);
    const parameterArns = [
      ...a.apiKeyParameterNames.map((n) => ssmParameterArn(ctx, n)),
      ...(serverEnvParameter ? [ssmParameterArn(ctx, serverEnvParameter.parameterName)] : []),
    ];
    const role = new aws.iam.Role(
      `${name}-instance`,
      { assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"), tags: a.tags },
      parent,
    );
    const ssmCore = new aws.iam.RolePolicyAttachment(
      `${name}-ssm-core`,
      {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${ctx.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
      },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-instance`,
      { role: role.id, policy: runtimeRolePolicy(ctx, a.image, logs.arn, parameterArns) },
      parent,
    );
    const profile = new aws.iam.InstanceProfile(`${name}-instance`, { role: role.name, tags: a.tags }, parent);

    const eip = new aws.ec2.Eip(`${name}-ip`, { domain: "vpc", tags: a.tags }, parent);
    // The Elastic IP goes on a network interface that exists before the instance, and the instance waits for that
    // association: the public subnet does not map public IPs on launch (infra/network.ts) and there is no NAT, so an
    // instance whose EIP is attached after it is running (EipAssociation needs its id) has no route out while
    // cloud-init installs packages and pulls images (review F10). An auto-assigned public IP would not do either: it is
    // released when the EIP is attached, cutting the downloads in flight
    // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/working-with-eips.html#using-instance-addressing-eips-associating).
    const eni = new aws.ec2.NetworkInterface(
      `${name}-host`,
      {
        subnetId: network.publicSubnetIds[0] as pulumi.Output<string>,
        securityGroups: [sg.id],
        description: "mcp-anywhere EC2 host (Elastic IP attached before boot)",
        tags: a.tags,
      },
      parent,
    );
    const eipAssociation = new aws.ec2.EipAssociation(
      `${name}-ip`,
      { networkInterfaceId: eni.id, allocationId: eip.allocationId },
      parent,
    );
    const host = eip.publicIp.apply((ip) => ec2Host(args.domain, ip));
    const files = pulumi
      .all([
        a.image,
        host,
        ctx.region,
        logs.name,
        pulumi.all(a.apiKeyParameterNames),
        serverEnvParameter?.parameterName,
        // Its version: a changed serverEnv changes the rollout document, so the host rewrites the file and restarts.
        serverEnvParameter?.version,
      ])
      .apply(([image, h, region, logGroupName, parameterNames, envParameter, envVersion]) =>
        hostFiles({
          image,
          host: h,
          acmeEmail: args.acmeEmail,
          acmeDirectoryUrl: args.acmeDirectoryUrl ?? LETS_ENCRYPT_DIRECTORY,
          region,
          registry: image.split("/")[0] ?? image,
          logGroupName,
          parameterNames,
          // nginx is the one proxy in front of the app.
          environment: serverEnvironment("ec2", a, 1),
          mcpPath: a.mcpPath,
          healthPath: a.healthPath,
          rateLimit: {
            requestsPerSecond: a.rateLimit.requestsPerSecond,
            burst: a.rateLimit.burst,
            ipRequestsPerMinute: a.rateLimit.perIpRequestsPerMinute,
            perToolRequestsPerSecond: a.rateLimit.perToolRequestsPerSecond,
          },
          maxBodyBytes: EDGE_AND_APP_DEFAULTS.maxBodyBytes,
          ...(upstream !== undefined
            ? {
                upstream: {
                  ...(sidecarImage !== undefined ? { sidecarImage } : {}),
                  ...(upstream.workspacePath !== undefined ? { workspacePath: upstream.workspacePath } : {}),
                },
              }
            : {}),
          ...(envParameter !== undefined ? { serverEnvParameter: `${envParameter}:${envVersion}` } : {}),
        }),
      );

    const ami = aws.ssm.getParameterOutput({ name: d.amiParameter }, parent).value;
    const instance = new aws.ec2.Instance(
      `${name}-host`,
      {
        ami,
        instanceType,
        primaryNetworkInterface: { networkInterfaceId: eni.id },
        iamInstanceProfile: profile.name,
        monitoring: false,
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { volumeType: "gp3", volumeSize: d.rootVolumeGiB, encrypted: true, deleteOnTermination: true },
        // gzip under a budget well below EC2's 16 KB limit; throws UserDataTooLargeError (components/ec2/cloud-init.ts).
        userDataBase64: files.apply((f) => encodeUserData(renderUserData(f)).base64),
        userDataReplaceOnChange: false,
        tags: { ...a.tags, Name: `mcp-anywhere-${args.stack}` },
      },
      {
        parent: this,
        // User data is first boot only; later changes go through the rollout below. A newer AMI does not replace the host.
        ignoreChanges: ["userData", "userDataBase64", "ami"],
        // The instance boots on the pre-created network interface above (device index 0), which can be attached to one
        // instance at a time, and a primary interface cannot be detached from a running instance
        // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html). Pulumi's default replacement creates
        // the new instance first, while the old one still holds the interface, and EC2 refuses it ("interface in
        // use"). So a replacement (`pulumi up --replace`, or a change to a create-only input) terminates the old
        // instance first. The interface, with the Elastic IP on it, survives that: an existing interface attached at
        // launch is not deleted on termination (`DeleteOnTermination` may be true only for an interface created at
        // launch, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceNetworkInterfaceSpecification.html;
        // false is the default, so `primaryNetworkInterface.deleteOnTermination` is left unset). Cost: the
        // endpoint is down from termination until the new host has booted and deployed (README, "Deploy to an EC2
        // Docker host").
        deleteBeforeReplace: true,
        // First boot needs the public IP (above) and the role's permissions: the inline policy and the SSM attachment
        // are separate resources the profile does not wait for, and IAM changes take time to propagate (review F14).
        dependsOn: [eipAssociation, policy, ssmCore],
      },
    );

    const content = files.apply(renderRolloutDocument);
    const document = new aws.ssm.Document(
      `${name}-rollout`,
      { documentType: "Command", documentFormat: "JSON", content, tags: a.tags },
      parent,
    );
    new aws.ssm.Association(
      `${name}-rollout`,
      {
        name: document.name,
        associationName: pulumi.interpolate`mcp-anywhere-${args.stack}-${content.apply(rolloutId)}`,
        targets: [{ key: "InstanceIds", values: [instance.id] }],
        waitForSuccessTimeoutSeconds: 900,
      },
      { parent: this, replaceOnChanges: ["associationName"], deleteBeforeReplace: true },
    );

    this.url = pulumi.interpolate`https://${host}${a.mcpPath}`;
    this.healthUrl = pulumi.interpolate`https://${host}${a.healthPath}`;
    this.apiKeyParameterNames = pulumi.all(a.apiKeyParameterNames);
    this.instanceId = instance.id;
    this.publicIp = eip.publicIp;
    this.tlsStatus = host.apply((h) => ec2TlsStatus(h, args.domain, args.stack));
    this.logGroupName = logs.name;
    this.registerOutputs({
      target: this.target,
      url: this.url,
      healthUrl: this.healthUrl,
      apiKeyParameterNames: this.apiKeyParameterNames,
      instanceId: this.instanceId,
      publicIp: this.publicIp,
      tlsStatus: this.tlsStatus,
      logGroupName: this.logGroupName,
    });
  }
}
