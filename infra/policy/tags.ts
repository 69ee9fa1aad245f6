/** Policy: every taggable resource names its stack (AWS tag `mcp-anywhere:stack`, GCP label `mcp-anywhere-stack`). */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asRecord, reveal, stackOfUrn } from "./lib.js";
import { AWS_TAGGABLE, GCP_LABELABLE, labelValue, STACK_LABEL, STACK_TAG } from "./taggable.js";

/**
 * `stack-tags`: an AWS resource that takes tags carries `mcp-anywhere:stack` = the stack in its URN; a GCP resource
 * that takes labels carries `mcp-anywhere-stack` = the stack (as {@link labelValue}: label values are lowercase). Which types take tags: ./taggable.ts. Sources: AWS tagging best practice
 * https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/tagging-best-practices.html; GCP labels
 * https://cloud.google.com/resource-manager/docs/labels-overview. The stack program adds both through the stack-wide
 * transform in infra/tags.ts.
 */
export const stackTags: ResourceValidationPolicy = {
  name: "stack-tags",
  description:
    "Every taggable resource is tagged with its stack: AWS tag mcp-anywhere:stack, GCP label mcp-anywhere-stack " +
    "(https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/tagging-best-practices.html, " +
    "https://cloud.google.com/resource-manager/docs/labels-overview).",
  validateResource: (args, report) => {
    const aws = AWS_TAGGABLE.has(args.type);
    const gcp = GCP_LABELABLE.has(args.type);
    if (!aws && !gcp) return;
    const stack = stackOfUrn(args.urn);
    const [field, key, want] = aws ? ["tags", STACK_TAG, stack] : ["labels", STACK_LABEL, labelValue(stack)];
    const got = reveal(asRecord(args.props[field])?.[key]);
    if (got !== want)
      report(`${args.type} ${args.name}: ${field}.${key}=${JSON.stringify(got)}; expected ${JSON.stringify(want)}`);
  },
};
