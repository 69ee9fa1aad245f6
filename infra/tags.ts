/**
 * Stack-wide tagging: one Pulumi resource transform that adds the stack and target to every taggable resource, so no
 * component can forget them. AWS types with a `tags` input get `mcp-anywhere:stack` and `mcp-anywhere:target`; GCP
 * types with a `labels` input get `mcp-anywhere-stack` and `mcp-anywhere-target` (label keys allow no `:`). Which
 * types: infra/policy/taggable.ts, which the `stack-tags` policy checks against. Tags a component sets itself win.
 *
 * Transforms: https://www.pulumi.com/docs/iac/concepts/options/transforms/ (`pulumi.runtime.registerResourceTransform`
 * applies to every resource registered after it, children of components included).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  AWS_TAGGABLE,
  GCP_LABELABLE,
  labelValue,
  STACK_LABEL,
  STACK_TAG,
  TARGET_LABEL,
  TARGET_TAG,
} from "./policy/taggable.js";

/** What the tags say. */
export interface StackTagValues {
  /** The stack name (pulumi.getStack()). */
  stack: string;
  /** The deployment target (lambda, fargate, cloudrun, ec2). */
  target: string;
}

/** `add` under `existing` (a plain map, an Output or Promise of one, or nothing); keys in `existing` win. */
function mergeTags(existing: unknown, add: Record<string, string>): pulumi.Input<Record<string, string>> {
  if (existing === undefined || existing === null) return add;
  if (pulumi.Output.isInstance(existing) || existing instanceof Promise)
    return pulumi
      .output(existing as pulumi.Input<Record<string, string> | undefined>)
      .apply((e) => ({ ...add, ...(e ?? {}) }));
  return { ...add, ...(existing as Record<string, string>) };
}

/**
 * The transform: for a custom resource whose type takes tags (AWS) or labels (GCP), returns its props with the stack's
 * tags or labels merged in; for anything else, undefined (unchanged).
 */
export function stackTagsTransform(values: StackTagValues): pulumi.ResourceTransform {
  const tags = { [STACK_TAG]: values.stack, [TARGET_TAG]: values.target };
  const labels = { [STACK_LABEL]: labelValue(values.stack), [TARGET_LABEL]: labelValue(values.target) };
  return (args) => {
    if (!args.custom) return undefined;
    const field = AWS_TAGGABLE.has(args.type) ? "tags" : GCP_LABELABLE.has(args.type) ? "labels" : undefined;
    if (field === undefined) return undefined;
    const add = field === "tags" ? tags : labels;
    return { props: { ...args.props, [field]: mergeTags(args.props[field], add) }, opts: args.opts };
  };
}

/** Registers {@link stackTagsTransform} for the rest of the program; call before declaring any resource. */
export function registerStackTags(values: StackTagValues): void {
  pulumi.runtime.registerResourceTransform(stackTagsTransform(values));
}
