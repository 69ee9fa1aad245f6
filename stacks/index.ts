/** Pulumi entry point (Pulumi.yaml `main`): runs the program and exports its outputs as stack outputs. */
import { program } from "./program.js";

const outputs = program();

export const target = outputs.target;
export const url = outputs.url;
export const healthUrl = outputs.healthUrl;
export const apiKeyParameterNames = outputs.apiKeyParameterNames;
export const clientConfigs = outputs.clientConfigs;
export const functionName = outputs.details.functionName;
export const logGroupName = outputs.details.logGroupName;
