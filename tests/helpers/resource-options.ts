/**
 * Records the resource options the mocks do not show (`retainOnDelete`, `deleteBeforeReplace`, alias names,
 * dependencies, `replaceOnChanges`) for each registered resource, by wrapping the SDK's MockMonitor.registerResource. Keyed
 * `<type>::<name>`; a later registration of the same key (the next run) replaces the entry.
 */
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks.js";

export interface RecordedOptions {
  retainOnDelete: boolean;
  /** `deleteBeforeReplace`: `true` when set to true, `false` when unset or false. */
  deleteBeforeReplace: boolean;
  /** Names of the `{ name }` aliases. */
  aliasNames: string[];
  /** URNs the resource depends on (`dependsOn` and input dependencies). */
  dependencies: string[];
  /** The `replaceOnChanges` option's input names. */
  replaceOnChanges: string[];
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getAliasesList(): { getSpec(): { getName(): string } | undefined }[];
  getDependenciesList(): string[];
  getReplaceonchangesList(): string[];
}

const recorded = new Map<string, RecordedOptions>();
let installed = false;

/** Installs the recorder once and returns the live map. */
export function resourceOptions(): Map<string, RecordedOptions> {
  if (!installed) {
    const proto = MockMonitor.prototype as unknown as {
      registerResource: (req: RegisterRequest, cb: unknown) => Promise<void>;
    };
    const original = proto.registerResource;
    proto.registerResource = function (this: unknown, req: RegisterRequest, cb: unknown) {
      recorded.set(`${req.getType()}::${req.getName()}`, {
        retainOnDelete: req.getRetainondelete() ?? false,
        deleteBeforeReplace: req.getDeletebeforereplace(),
        aliasNames: req
          .getAliasesList()
          .map((a) => a.getSpec()?.getName() ?? "")
          .filter((n) => n !== ""),
        dependencies: req.getDependenciesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
      });
      return original.call(this, req, cb);
    };
    installed = true;
  }
  return recorded;
}
