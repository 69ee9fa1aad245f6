/**
 * Runs the real stack program (stacks/program.ts) under {@link PulumiMocks} with a stack's config, waits for every
 * registration, and returns what was declared. Config comes from the real Pulumi.<stack>.yaml unless given.
 */
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { program, type StackOutputs } from "../../stacks/program.js";
import { PulumiMocks, plainJson, resolve } from "./pulumi-mocks.js";

/** A stack file's `config:` as Pulumi hands it to the program: strings, arrays as JSON. */
export function stackFileConfig(stack: string): Record<string, string> {
  const doc = parse(readFileSync(new URL(`../../Pulumi.${stack}.yaml`, import.meta.url), "utf8")) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** An SSM parameter before the run: its value, or its value and version. */
export type SsmSeed = string | { value: string; version: number };

export interface StackRun {
  mocks: PulumiMocks;
  outputs: StackOutputs;
}

/**
 * @param stack - stack name (for Pulumi.<stack>.yaml and pulumi.getStack()).
 * @param overrides - config entries to add or replace; `undefined` removes one.
 * @param ssm - SSM parameters that exist in the account before the run: a value, or a value and its version (1 when
 *   only a value is given).
 * @param setup - called with the mocks before the program runs (to seed what a test made for real, such as
 *   {@link PulumiMocks.imageDigests}).
 */
export async function runStack(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  ssm: Record<string, SsmSeed> = {},
  setup: (mocks: PulumiMocks) => void = () => {},
): Promise<StackRun> {
  const { mocks, outputs, error } = await attempt(stack, overrides, ssm, setup);
  if (error !== undefined || outputs === undefined) throw error;
  return { mocks, outputs };
}

/** Like {@link runStack}, but returns the program's error (and what was declared before it) instead of throwing. */
export async function attempt(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  ssm: Record<string, SsmSeed> = {},
  setup: (mocks: PulumiMocks) => void = () => {},
): Promise<{ mocks: PulumiMocks; outputs?: StackOutputs; error?: unknown }> {
  const config: Record<string, string> = { ...stackFileConfig(stack) };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete config[k];
    else config[k] = v;
  }
  const mocks = new PulumiMocks(config["aws:region"] ?? "ap-northeast-1");
  for (const [k, v] of Object.entries(ssm)) {
    mocks.ssm.set(k, typeof v === "string" ? v : v.value);
    if (typeof v !== "string") mocks.ssmVersions.set(k, v.version);
  }
  setup(mocks);
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

/**
 * Everything a run shows in plain text: each non-secret stack output (resolved, as JSON), each resource's inputs with
 * secret parts masked, and each resource name. A secret value must appear in none of them.
 */
export async function plainTexts(run: StackRun): Promise<string[]> {
  const { outputs, mocks } = run;
  const all: unknown[] = [
    outputs.target,
    outputs.url,
    outputs.healthUrl,
    outputs.apiKeyParameterNames,
    outputs.clientConfigs,
    ...Object.values(outputs.details),
  ];
  const texts: string[] = [];
  for (const o of all) {
    const r = await resolve<unknown>(o as pulumi.Input<unknown>);
    if (!r.secret) texts.push(JSON.stringify(r.value));
  }
  for (const r of mocks.resources) texts.push(plainJson(r.inputs), r.name);
  return texts;
}
