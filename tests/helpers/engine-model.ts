/**
 * A small model of what the Pulumi engine does on `pulumi up` over an existing stack, for the resources whose update
 * semantics decide whether a rollout keeps the service (the @pulumi/command and @pulumi/docker resources of the
 * dockerhost target). Mocks run the program but not the engine's step planning; this model does, from two
 * syntheses (before and after a change), so a test can run the planned steps for real.
 *
 * The rules, each with its source:
 * 1. Diff per resource, by its provider ({@link PROVIDER_RULES}): a change to a replace-on-change input plans a
 *    replacement; any other input change an update; no change, nothing.
 *    - @pulumi/command 1.x: only `triggers` replaces (`Triggers *[]any … provider:"replaceOnChanges"`, the only such
 *      field, pulumi/pulumi-command v1.2.1 provider/pkg/provider/common/inputs.go; `connection` is a plain input of
 *      remote/command.go). An update runs `update`, else `create` again (remote/commandController.go `Update`); a
 *      delete runs the *old* state's `delete` with the *old* connection (`Delete` reads `req.State`).
 *    - @pulumi/command 4.5.0, the mistaken 2022 build (the v0.5 line's code): `triggers` and `connection` replace
 *      (v0.5.2 provider/pkg/provider/provider.go `Diff`; pulumi/pulumi-command#17).
 *    - @pulumi/docker 5.x `Image`: changes are updates (provider/provider.go `Diff` returns DIFF_SOME with no
 *      replaces) and `Delete` does nothing; `RemoteImage`: `name` replaces (ForceNew in the bridged schema), and with
 *      `keepLocally` its delete leaves the image; the provider's config change is an update (`DiffConfig` of the
 *      bridged provider, which marks no replacement for these fields).
 * 2. Any resource honours its own `replaceOnChanges` (https://www.pulumi.com/docs/iac/concepts/options/replaceonchanges/).
 * 3. A replacement creates the new resource first and deletes the old one at the end of the update, unless the
 *    resource sets `deleteBeforeReplace` (https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/:
 *    "the default behavior is to create the replacement before deleting the original"; pulumi/pulumi#2877).
 * 4. Creates, updates and create-before-delete replacements run in registration (dependency) order; the deletes of
 *    replaced and removed resources run after them, dependents before what they depend on (reverse dependency order
 *    of the old state; https://www.pulumi.com/docs/iac/concepts/how-pulumi-works/).
 * What the model does not cover it refuses ({@link UnmodelledError}) rather than guess: an unknown resource type, and
 * a delete-before-replace resource with dependents (the engine then replaces those too).
 */
import { isDeepStrictEqual } from "node:util";
import { type RecordedResource, unwrapInput } from "./pulumi-mocks.js";
import type { RecordedOptions } from "./resource-options.js";

/** One resource of a synthesized stack, as the engine sees it. */
export interface ModelResource {
  type: string;
  name: string;
  /** Inputs with secrets unwrapped (plain values). */
  inputs: Record<string, unknown>;
  /** Names of the resources it depends on (`dependsOn` and input dependencies). */
  dependencies: string[];
  deleteBeforeReplace?: boolean;
  /** Input names from the `replaceOnChanges` option ("*" for all). */
  replaceOnChanges?: string[];
}

/** One step of a plan. `inputs` are what the step runs with: the new inputs, or the old ones for a delete. */
export interface Step {
  op: "create" | "update" | "replace" | "delete";
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** For `update` and `replace`: the inputs whose change caused it. */
  changed?: string[];
}

/** Per resource type: the inputs whose change makes the provider plan a replacement. */
export type ProviderRules = Record<string, { replaceOn: string[] }>;

const DOCKER_RULES: ProviderRules = {
  "pulumi:providers:docker": { replaceOn: [] },
  "docker:index/image:Image": { replaceOn: [] },
  "docker:index/remoteImage:RemoteImage": { replaceOn: ["name"] },
};

/** The rules of the provider versions this project uses, and of the 4.5.0 build it used before (see above). */
export const PROVIDER_RULES = {
  command1x: {
    ...DOCKER_RULES,
    "command:remote:Command": { replaceOn: ["triggers"] },
    "command:local:Command": { replaceOn: ["triggers"] },
  },
  command450: {
    ...DOCKER_RULES,
    "command:remote:Command": { replaceOn: ["triggers", "connection"] },
    "command:local:Command": { replaceOn: ["triggers"] },
  },
} satisfies Record<string, ProviderRules>;

/** The model was asked something it does not model. */
export class UnmodelledError extends Error {}

const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;

/** The inputs that differ between two versions of a resource (top-level names, sorted). */
function changedInputs(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => !isDeepStrictEqual(before[n], after[n])).sort();
}

/** Old resources in delete order: every resource after all that depend on it. */
function deleteOrder(resources: ModelResource[]): ModelResource[] {
  const byName = new Map(resources.map((r) => [r.name, r]));
  const done = new Set<string>();
  const out: ModelResource[] = [];
  const visit = (r: ModelResource, path: string[]) => {
    if (done.has(r.name)) return;
    if (path.includes(r.name)) throw new UnmodelledError(`dependency cycle: ${[...path, r.name].join(" -> ")}`);
    for (const d of resources.filter((x) => x.dependencies.includes(r.name))) visit(d, [...path, r.name]);
    done.add(r.name);
    out.push(r);
  };
  for (const r of [...resources].reverse()) visit(byName.get(r.name) as ModelResource, []);
  return out;
}

/**
 * Plans `pulumi up` from the state `before` (what the last update left) to the program's `after` (in registration
 * order), by the rules above.
 * @throws {UnmodelledError} for a resource type without rules, or a delete-before-replace resource with dependents.
 */
export function plan(before: ModelResource[], after: ModelResource[], rules: ProviderRules): Step[] {
  const old = new Map(before.map((r) => [key(r), r]));
  const steps: Step[] = [];
  const deferred: ModelResource[] = [];
  for (const r of after) {
    const rule = rules[r.type];
    if (!rule) throw new UnmodelledError(`no rules for ${r.type} (${r.name})`);
    const prev = old.get(key(r));
    if (!prev) {
      steps.push({ op: "create", type: r.type, name: r.name, inputs: r.inputs });
      continue;
    }
    const changed = changedInputs(prev.inputs, r.inputs);
    if (changed.length === 0) continue;
    const replaceOn = new Set([...rule.replaceOn, ...(r.replaceOnChanges ?? [])]);
    const replaces = replaceOn.has("*") || changed.some((c) => replaceOn.has(c));
    if (!replaces) {
      steps.push({ op: "update", type: r.type, name: r.name, inputs: r.inputs, changed });
    } else if (r.deleteBeforeReplace) {
      const dependents = after.filter((x) => x.dependencies.includes(r.name));
      if (dependents.length > 0)
        throw new UnmodelledError(
          `${r.name} is delete-before-replace with dependents ${dependents.map((d) => d.name)}`,
        );
      steps.push({ op: "delete", type: prev.type, name: prev.name, inputs: prev.inputs });
      steps.push({ op: "replace", type: r.type, name: r.name, inputs: r.inputs, changed });
    } else {
      steps.push({ op: "replace", type: r.type, name: r.name, inputs: r.inputs, changed });
      deferred.push(prev);
    }
  }
  const kept = new Set(after.map(key));
  const removed = before.filter((r) => !kept.has(key(r)));
  const toDelete = new Set([...deferred, ...removed].map(key));
  for (const r of deleteOrder(before))
    if (toDelete.has(key(r))) steps.push({ op: "delete", type: r.type, name: r.name, inputs: r.inputs });
  return steps;
}

/** `pulumi destroy`: every resource of the state deleted, dependents first. */
export function planDestroy(state: ModelResource[]): Step[] {
  return deleteOrder(state).map((r) => ({ op: "delete", type: r.type, name: r.name, inputs: r.inputs }));
}

/** A value with every Pulumi secret wrapper removed, at any depth. */
function plain(v: unknown): unknown {
  const u = unwrapInput(v);
  if (Array.isArray(u)) return u.map(plain);
  if (typeof u === "object" && u !== null) return Object.fromEntries(Object.entries(u).map(([k, x]) => [k, plain(x)]));
  return u;
}

/**
 * The resources of one mock run of the real program, as the engine would hold them, with the options the recorder
 * saw (tests/helpers/resource-options.ts). Take it right after the run: the recorder keeps only the latest one.
 * @param types - the resource types to keep (the rest of the stack is outside the model).
 */
export function synthesized(
  resources: RecordedResource[],
  options: Map<string, RecordedOptions>,
  types: string[],
): ModelResource[] {
  const kept = resources.filter((r) => types.includes(r.type));
  const names = new Set(kept.map((r) => r.name));
  return kept.map((r) => {
    const o = options.get(key(r));
    return {
      type: r.type,
      name: r.name,
      inputs: plain(r.inputs) as Record<string, unknown>,
      dependencies: (o?.dependencies ?? [])
        .map((urn) => urn.slice(urn.lastIndexOf("::") + 2))
        .filter((n) => names.has(n)),
      deleteBeforeReplace: o?.deleteBeforeReplace ?? false,
      replaceOnChanges: o?.replaceOnChanges ?? [],
    };
  });
}
