/**
 * The mcp-anywhere policy pack (Pulumi CrossGuard): `pulumi preview|up --policy-pack infra/policy`. Constructing the
 * PolicyPack starts the analyzer's gRPC server and prints its port for the engine, so only the policy runner loads this
 * module (through ./index.cjs); tests import ./policies.ts instead.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_ENFORCEMENT_LEVEL, PACK_NAME, policies } from "./policies.js";

new PolicyPack(PACK_NAME, {
  policies,
  enforcementLevel: PACK_ENFORCEMENT_LEVEL,
  description: "The cloud and Pulumi CLI rules mcp-anywhere's deployments rely on; each policy names its source.",
});
