/**
 * Pulumi entry point (Pulumi.yaml `main`): runs the program and exports its outputs as stack outputs. Target-specific
 * outputs are undefined (and so not exported) on other targets.
 */
import { program } from "./program.js";

const outputs = program();

export const target = outputs.target;
export const url = outputs.url;
export const healthUrl = outputs.healthUrl;
export const apiKeyParameterNames = outputs.apiKeyParameterNames;
export const clientConfigs = outputs.clientConfigs;
export const estimatedMonthlyCostUsd = outputs.estimatedMonthlyCostUsd;
export const idleMonthlyCostUsd = outputs.idleMonthlyCostUsd;
export const costComplete = outputs.costComplete;
export const costBreakdown = outputs.costBreakdown;
export const costNotes = outputs.costNotes;
export const logGroupName = outputs.details.logGroupName;
/** lambda */
export const functionName = outputs.details.functionName;
/** fargate and cloudrun */
export const serviceName = outputs.details.serviceName;
/** fargate */
export const clusterName = outputs.details.clusterName;
export const distributionDomainName = outputs.details.distributionDomainName;
/** cloudrun: `none` or `loadbalancer`, and the load balancer's IP (for a custom domain's A record) */
export const edge = outputs.details.edge;
export const edgeIpAddress = outputs.details.edgeIpAddress;
/** cloudrun with the load-balancer edge: when HTTPS works (the managed certificate) and how to check it */
export const certificateNote = outputs.details.certificateNote;
/** ec2 */
export const instanceId = outputs.details.instanceId;
export const publicIp = outputs.details.publicIp;
export const tlsStatus = outputs.details.tlsStatus;
