/** Policy: no account- and region-wide singleton without an explicit opt-in. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "./lib.js";

const ACCOUNT_DOC =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-account.html";

/**
 * `apigateway-account-opt-in`: `aws:apigateway/account:Account` sets the region's API Gateway CloudWatch Logs role for
 * the whole account ("you should only have one AWS::ApiGateway::Account resource per region per account", the
 * CloudFormation docs). A stack may declare it only when the policy config says `allowApiGatewayAccount: true`
 * (default false).
 *
 * The stack program declares it with `retainOnDelete: true` so that destroying one stack does not reset the setting for
 * every other API. The policy cannot check that: `@pulumi/policy` 1.21's `PolicyResourceOptions` has protect,
 * ignoreChanges, deleteBeforeReplace, aliases, customTimeouts, additionalSecretOutputs and parent, not retainOnDelete
 * (the engine's AnalyzerResourceOptions message does not carry it). The stack tests check it instead.
 */
export const apiGatewayAccountOptIn: ResourceValidationPolicy = {
  name: "apigateway-account-opt-in",
  description: `The account-wide API Gateway CloudWatch role (aws:apigateway/account:Account) only with policy config allowApiGatewayAccount=true (${ACCOUNT_DOC}).`,
  configSchema: {
    properties: {
      allowApiGatewayAccount: {
        type: "boolean",
        default: false,
        description: "Allow this stack to own the region's API Gateway account settings.",
      },
    },
  },
  validateResource: (args, report) => {
    if (args.type !== TYPES.apiGatewayAccount) return;
    if (args.getConfig<{ allowApiGatewayAccount?: boolean }>().allowApiGatewayAccount !== true)
      report(
        `${args.name}: aws.apigateway.Account is one per account and region (${ACCOUNT_DOC}); this stack would take ` +
          "it over and reset it on destroy. Manage it once elsewhere, or opt in with policy config " +
          "apigateway-account-opt-in.allowApiGatewayAccount=true",
      );
  },
};
