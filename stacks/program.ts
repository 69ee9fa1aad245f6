/**
 * The stack program: config → shared infra (image, API keys) → the target's component → outputs. The only code that
 * knows both the config shape and the component APIs. `stacks/index.ts` runs it and exports what it returns.
 */

import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { CloudRunMcpService, gcpId } from "../components/cloudrun-mcp-service.js";
import { DockerhostMcpService } from "../components/dockerhost-mcp-service.js";
import { Ec2DockerMcpService } from "../components/ec2-docker-mcp-service.js";
import { FargateMcpService } from "../components/fargate-mcp-service.js";
import { LambdaMcpService } from "../components/lambda-mcp-service.js";
import { budgetQuotaProject } from "../infra/alerts/gcp-budget.js";
import { ApiKeys } from "../infra/api-keys.js";
import { ArtifactRegistryImage } from "../infra/artifact-registry-image.js";
import { allClientConfigs } from "../infra/core/client-configs.js";
import type { McpServiceOutputs, McpTarget } from "../infra/core/contract.js";
import type { CostLine, TargetCost } from "../infra/core/cost/model.js";
import { EcrImage } from "../infra/image.js";
import { registerStackTags } from "../infra/tags.js";
import { loadStackConfig, type StackConfig, StackConfigError } from "./config.js";
import { estimateStack } from "./cost.js";
import { deployGuardrails, guardrailPlan } from "./guardrails.js";
import { targetSizing } from "./sizing.js";
import { stackTracing } from "./tracing.js";

/** Stack outputs. Key values never appear here: only parameter names. */
export interface StackOutputs {
  target: McpTarget;
  url: pulumi.Output<string>;
  healthUrl: pulumi.Output<string>;
  apiKeyParameterNames: pulumi.Output<string[]>;
  /** Every client's config (the shapes `npm run connect` prints), with key references only. */
  clientConfigs: pulumi.Output<ReturnType<typeof allClientConfigs>>;
  /**
   * USD/month for `usage.*`, from infra/core/cost/model.ts with this stack's sizing; a lower bound when `costComplete`
   * is false; null when the region has no prices.
   */
  estimatedMonthlyCostUsd: number | null;
  /** USD/month at 0 requests with this stack's sizing: the floor for leaving the stack up; null without prices. */
  idleMonthlyCostUsd: number | null;
  /** False when a line of the estimate has no price (named in `costNotes`): the total is then a lower bound. */
  costComplete: boolean;
  /** The estimate's line items, each with quantity, unit price and source. */
  costBreakdown: CostLine[];
  /** Assumptions behind the estimate, or why there is none. */
  costNotes: string[];
  /** Target-specific extras (e.g. functionName, logGroupName for Lambda). */
  details: Record<string, pulumi.Output<string>>;
}

function deploy(config: StackConfig): { service: McpServiceOutputs; details: Record<string, pulumi.Output<string>> } {
  const tags = { "mcp-anywhere:stack": config.stack, "mcp-anywhere:target": config.target };
  // One generated key per id, plus the existing parameters; removing an id drops every reference in the same update.
  // None for dockerhost with dockerhostKeySource=config: its keys are a Pulumi secret, and nothing is made in AWS.
  const configKeys = config.target === "dockerhost" && config.dockerhost.keySource === "config";
  const keys = configKeys
    ? undefined
    : new ApiKeys("api-keys", {
        ids: config.apiKeyIds,
        existingParameterNames: config.apiKeyParameterNames,
        stack: config.stack,
        tags,
      });
  // The server behind ours (builtin by default); `runtime` goes to the image build, the rest to the component.
  const { runtime, ...upstream } = config.upstream;
  const common = {
    upstream,
    apiKeyParameterNames: keys?.parameterNames ?? [],
    rateLimit: config.rateLimit,
    monthlyQuota: config.monthlyQuota,
    logRetentionDays: config.logRetentionDays,
    tags,
    tracing: stackTracing(config),
  };
  // The same sizing the cost estimate prices (stacks/cost.ts).
  const sizing = targetSizing(config);
  const target = config.target;
  switch (target) {
    case "lambda": {
      const image = new EcrImage("server", { platform: "linux/arm64", runtime, tags, allowLambdaPull: true });
      const service = new LambdaMcpService(config.stack, {
        ...common,
        ...sizing.lambda,
        apiKeyNames: keys?.names ?? [],
        image: image.imageRef,
        streaming: config.lambda.streaming,
        reservedConcurrency: config.lambda.reservedConcurrency,
        sharedKeyParameterNames: config.lambda.sharedKeyParameterNames,
        accessLogs: config.lambda.accessLogs,
        manageApiGatewayAccount: config.lambda.manageApiGatewayAccount,
        logGroupPrefix: `/mcp-anywhere/${config.stack}`,
      });
      return { service, details: { functionName: service.functionName, logGroupName: service.logGroupName } };
    }
    case "fargate": {
      const image = new EcrImage("server", { platform: "linux/arm64", runtime, tags });
      const f = config.fargate;
      const service = new FargateMcpService(config.stack, {
        ...common,
        ...sizing.fargate,
        image: image.imageRef,
        vpcId: f.vpcId,
        subnetIds: f.subnetIds,
        domainName: f.domainName,
        certificateArn: f.certificateArn,
        efs: config.fargateEfs,
        logGroupPrefix: `/mcp-anywhere/${config.stack}`,
      });
      return {
        service,
        details: {
          clusterName: service.clusterName,
          serviceName: service.serviceName,
          logGroupName: service.logGroupName,
          distributionDomainName: service.distributionDomainName,
        },
      };
    }
    case "cloudrun": {
      const c = config.cloudrun;
      // An explicit provider: the GCP project and region come only from this stack's config. With a budget, the
      // project is also the quota project of every call: the Billing Budget API refuses user and federated
      // credentials without one (review finding R2-M4; infra/alerts/gcp-budget.ts budgetQuotaProject).
      const google = new gcp.Provider("gcp", {
        project: c.project,
        region: c.region,
        ...(guardrailPlan(config).budget ? budgetQuotaProject(c.project) : {}),
      });
      const image = new ArtifactRegistryImage(
        "server",
        { location: c.region, project: c.project, repositoryId: gcpId(`mcp-anywhere-${config.stack}`, 63), runtime },
        { providers: [google] },
      );
      const service = new CloudRunMcpService(
        config.stack,
        {
          ...common,
          ...sizing.cloudrun,
          image: image.imageRef,
          region: c.region,
          stack: config.stack,
          domain: c.domain,
        },
        { providers: [google] },
      );
      return {
        service,
        details: {
          serviceName: service.serviceName,
          edge: pulumi.output(service.edge),
          edgeIpAddress: service.edgeIpAddress.apply((ip) => ip ?? ""),
          // With the edge: the managed certificate may take a while (or fail for nip.io); how to check it.
          certificateNote: service.certificateNote,
        },
      };
    }
    case "ec2": {
      const image = new EcrImage("server", { platform: "linux/arm64", runtime, tags });
      const e = config.ec2;
      const service = new Ec2DockerMcpService(config.stack, {
        ...common,
        ...sizing.ec2,
        image: image.imageRef,
        stack: config.stack,
        allowedCidrs: e.allowedCidrs,
        sshCidr: e.sshCidr,
        domain: e.domain,
        acmeEmail: e.acmeEmail,
      });
      return {
        service,
        details: {
          instanceId: service.instanceId,
          publicIp: service.publicIp,
          tlsStatus: service.tlsStatus,
          logGroupName: service.logGroupName,
        },
      };
    }
    case "dockerhost": {
      const h = config.dockerhost;
      const secret = (v: string | undefined) => (v === undefined ? undefined : pulumi.secret(v));
      const service = new DockerhostMcpService(config.stack, {
        ...common,
        stack: config.stack,
        runtime,
        address: h.address,
        sshUser: h.sshUser,
        sshPort: h.sshPort,
        sshPrivateKey: secret(h.sshPrivateKey),
        knownHosts: h.knownHosts,
        domain: h.domain,
        tls: h.tls,
        certificate: secret(h.certificate),
        certificateKey: secret(h.certificateKey),
        acmeEmail: h.acmeEmail,
        apiKeys: configKeys ? pulumi.secret(h.apiKeys) : undefined,
        allowedCidrs: h.allowedCidrs,
        firewall: h.firewall,
        logging: h.logging,
        lokiUrl: h.lokiUrl,
        dataDir: h.dataDir,
        alerts:
          config.alerts.email === undefined
            ? undefined
            : {
                email: config.alerts.email,
                errorRatePercent: config.alerts.errorRatePercent,
                throttleRatePercent: config.alerts.throttleRatePercent,
                latencyP99Ms: config.alerts.latencyP99Ms,
              },
        smtp: h.smtp === undefined ? undefined : { ...h.smtp, password: secret(h.smtp.password) },
      });
      return {
        service,
        details: {
          dockerHost: pulumi.output(service.dockerHost),
          tlsStatus: service.tlsStatus,
          caCertificate: service.caCertificate,
          grafana: pulumi.output(service.grafana),
        },
      };
    }
    default: {
      const unreachable: never = target;
      throw new StackConfigError([`mcp-anywhere:target=${JSON.stringify(unreachable)} is unknown`]);
    }
  }
}

/** Runs the program for the current stack. @throws {StackConfigError} before declaring anything, on bad config. */
export function program(): StackOutputs {
  const config = loadStackConfig();
  for (const warning of config.warnings) pulumi.log.warn(warning);
  registerStackTags({ stack: config.stack, target: config.target }); // infra/tags.ts: stack/target tags on every resource
  const { service, details } = deploy(config);
  deployGuardrails(config, service); // budget and alarms (issue 17); none without a budget or a recipient
  // An estimate must never stop a deployment: a region without prices exports null and says why.
  let cost: TargetCost | undefined;
  let costNote = "";
  try {
    cost = estimateStack(config);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    costNote = err.message;
  }
  return {
    target: service.target,
    url: service.url,
    healthUrl: service.healthUrl,
    apiKeyParameterNames: service.apiKeyParameterNames,
    clientConfigs: service.url.apply((url) => allClientConfigs(url)),
    estimatedMonthlyCostUsd: cost ? Math.round(cost.monthlyUsd * 100) / 100 : null,
    idleMonthlyCostUsd: cost ? Math.round(cost.idleMonthlyUsd * 100) / 100 : null,
    costComplete: cost ? cost.complete && cost.idleComplete : false,
    costBreakdown: cost?.lines ?? [],
    costNotes: cost ? cost.notes : [costNote],
    details,
  };
}
