/**
 * What `pulumi config set` writes, and what the program then receives, for the cases the stack config must handle.
 * There is no Pulumi CLI here, so this follows its documented behaviour:
 * - Without `--path`, the key is stored as given, value a string, even if the name contains a dot.
 * - With `--path`, the name is a property path: `a.b[0]` sets element 0 of property `b` of the object stored under
 *   key `a` (https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration; pulumi/pulumi
 *   sdk/go/common/resource/config/map.go, "If path is true, the key's name portion is treated as a path", parseKeyPath).
 *   A name with no `.` or `[` is the plain key.
 * - The program gets every value as a string, objects and arrays as JSON (PULUMI_CONFIG; the Node SDK's
 *   `Config.getObject` parses them), keyed `namespace:name` exactly.
 */

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** A stack's config as the stack file holds it: `namespace:name` to a string or a structured value. */
export type StackFile = Record<string, Json>;

function segments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}

/** `pulumi config set [--path] <key> <value>` applied to `file` (a copy is returned). */
export function configSet(file: StackFile, key: string, value: string, opts: { path?: boolean } = {}): StackFile {
  const next: StackFile = structuredClone(file);
  const colon = key.indexOf(":");
  const namespace = key.slice(0, colon);
  const name = key.slice(colon + 1);
  if (!opts.path || !/[.[]/.test(name)) {
    next[key] = value;
    return next;
  }
  const [root, ...rest] = segments(name);
  const rootKey = `${namespace}:${String(root)}`;
  let container: Json = next[rootKey] ?? (typeof rest[0] === "number" ? [] : {});
  next[rootKey] = container;
  rest.forEach((seg, i) => {
    const last = i === rest.length - 1;
    const child = rest[i + 1];
    const holder = container as Record<string | number, Json>;
    if (last) holder[seg] = value;
    else {
      holder[seg] ??= typeof child === "number" ? [] : {};
      container = holder[seg] as Json;
    }
  });
  return next;
}

/** What the program receives for `file`: strings, structured values as JSON. */
export function programView(file: StackFile): Record<string, string> {
  return Object.fromEntries(Object.entries(file).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** Parses `pulumi config set [--path] '<key>' <value>` (the shape setCommand prints) into its parts. */
export function parseSetCommand(command: string): { key: string; value: string; path: boolean } {
  // `--secret` changes how the CLI stores the value (encrypted), not what the program reads once decrypted.
  const m = /^pulumi config set (?:--secret )?(--path )?'?([^' ]+)'? '?([^']*?)'?$/.exec(command);
  if (!m) throw new Error(`not a pulumi config set command: ${command}`);
  return { path: m[1] !== undefined, key: m[2] as string, value: m[3] as string };
}
