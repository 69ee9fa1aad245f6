/**
 * Runs the real stack program (stacks/program.ts) under {@link PulumiMocks} with a stack's config, waits for every
 * registration, and returns what was declared. Config comes from the real Pulumi.<stack>.yaml unless given.
 */
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { program, type StackOutputs } from "../../stacks/program.js";
import { PulumiMocks } from "./pulumi-mocks.js";

/** A stack file's `config:` as Pulumi hands it to the program: strings, arrays as JSON. */
export function stackFileConfig(stack: string): Record<string, string> {
  const doc = parse(readFileSync(new URL(`../../Pulumi.${stack}.yaml`, import.meta.url), "utf8")) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

export interface StackRun {
  mocks: PulumiMocks;
  outputs: StackOutputs;
}

/**
 * @param stack - stack name (for Pulumi.<stack>.yaml and pulumi.getStack()).
 * @param overrides - config entries to add or replace; `undefined` removes one.
 * @param ssm - SSM parameters that exist in the account before the run.
 */
export async function runStack(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  ssm: Record<string, string> = {},
): Promise<StackRun> {
  const { mocks, outputs, error } = await attempt(stack, overrides, ssm);
  if (error !== undefined || outputs === undefined) throw error;
  return { mocks, outputs };
}

/** Like {@link runStack}, but returns the program's error (and what was declared before it) instead of throwing. */
export async function attempt(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  ssm: Record<string, string> = {},
): Promise<{ mocks: PulumiMocks; outputs?: StackOutputs; error?: unknown }> {
  const config: Record<string, string> = { ...stackFileConfig(stack) };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete config[k];
    else config[k] = v;
  }
  const mocks = new PulumiMocks(config["aws:region"] ?? "ap-northeast-1");
  for (const [k, v] of Object.entries(ssm)) mocks.ssm.set(k, v);
  await pulumi.runtime.setMocks(mocks, "mcp-anywhere", stack, false);
  pulumi.runtime.setAllConfig(config);
  try {
    const outputs = program();
    await pulumi.runtime.disconnect();
    return { mocks, outputs };
  } catch (error) {
    await pulumi.runtime.disconnect();
    return { mocks, error };
  }
}
