/**
 * The mcp-anywhere policy pack's contents: every policy, by group, and the pack's settings. ./index.ts serves them to
 * the Pulumi engine (`pulumi up --policy-pack infra/policy`); tests/policy/ runs the same objects over every
 * mock-synthesized stack. Importing this module starts nothing.
 */
import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { commandHostKeyPinned, commandNoDestructiveReplace } from "./commands.js";
import { configKeysReadable } from "./config.js";
import { ecrScanOnPush, ecsWaitForSteadyState } from "./containers.js";
import { ebsEncrypted, ec2Imdsv2, ec2UserDataSize } from "./ec2.js";
import { gcpBudgetQuotaProject } from "./gcp.js";
import { logRetention } from "./logs.js";
import { noSshFromInternet } from "./network.js";
import { apiGatewayKeyAlphanumeric, keyMaterialSecret, keyValuesStayInKeyStores } from "./secrets.js";
import { apiGatewayAccountOptIn } from "./singleton.js";
import { stackTags } from "./tags.js";
import { wafCloudfrontRegion, wafCustomResponseHeaders, wafRateBasedRules } from "./waf.js";

/** The pack's name, as `pulumi up` prints it. */
export const PACK_NAME = "mcp-anywhere";

/** Every policy violation blocks the update unless a policy sets its own level or the pack's config lowers it. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";

/** Every policy in the pack, in report order. */
export const policies: Policies = [
  configKeysReadable,
  apiGatewayAccountOptIn,
  noSshFromInternet,
  ec2Imdsv2,
  ebsEncrypted,
  ec2UserDataSize,
  keyMaterialSecret,
  keyValuesStayInKeyStores,
  apiGatewayKeyAlphanumeric,
  logRetention,
  wafCloudfrontRegion,
  wafRateBasedRules,
  wafCustomResponseHeaders,
  stackTags,
  ecrScanOnPush,
  ecsWaitForSteadyState,
  commandNoDestructiveReplace,
  commandHostKeyPinned,
  gcpBudgetQuotaProject,
];
