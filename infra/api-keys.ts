/**
 * API keys in SSM Parameter Store. A stack generates one key per id in `ids` (@pulumi/random, alphanumeric,
 * {@link DEPLOY_DEFAULTS}.apiKeyLength characters: inside API Gateway's "alphanumeric string between 20 and 128
 * characters" rule, https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html) and
 * stores each as a SecureString at `/mcp-anywhere/<stack>/api-keys/<id>`; it also uses existing SecureString
 * parameters named in `existingParameterNames`, as they are. Key values exist only as Pulumi secrets.
 *
 * Rotation is an overlap, driven by the ids (`npm run keys`): add an id (both keys are valid at the edge and in the
 * app), move the clients, remove the old id. Every consumer (the function's env, IAM, API Gateway keys, ECS secrets,
 * the EC2 key timer) derives from {@link ApiKeys.parameterNames}, so removing an id stops every reference in the same
 * update that deletes its parameter; Pulumi deletes resources the program no longer declares only after the creates
 * and updates of that update (https://www.pulumi.com/docs/iac/concepts/how-pulumi-works/).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { API_KEY_ID, keyParameterName } from "./core/api-key-names.js";
import { DEPLOY_DEFAULTS } from "./core/defaults.js";

export { API_KEY_ID, keyParameterName };

export interface ApiKeysArgs {
  /** Ids of the keys this stack generates, one parameter each. @default DEPLOY_DEFAULTS.apiKeyIds (`["default"]`) */
  ids?: string[];
  /** Existing SSM SecureString parameter names, used as they are (created and rotated outside the stack). @default [] */
  existingParameterNames?: string[];
  /** Stack name, used in the generated parameters' path. */
  stack: string;
  tags?: Record<string, string>;
}

/**
 * The upgrade warning for a stack that lists existing parameters and leaves `ids` at the default `["default"]`:
 * releases up to 0.1 generated no key when existing parameters were listed, so upgrading adds a new valid key. No key
 * value is in it. Undefined when the warning does not apply.
 */
export function upgradeWarning(stack: string, ids: readonly string[], existing: readonly string[]): string | undefined {
  const isDefault =
    ids.length === DEPLOY_DEFAULTS.apiKeyIds.length && ids.every((id, i) => id === DEPLOY_DEFAULTS.apiKeyIds[i]);
  if (existing.length === 0 || !isDefault) return undefined;
  return (
    `mcp-anywhere:apiKeyParameterNames lists ${existing.length} existing parameter(s) and mcp-anywhere:apiKeyIds is ` +
    `the default ["default"], so this stack also generates a key (${keyParameterName(stack, "default")}) that clients ` +
    "can use; releases up to 0.1 generated none when existing parameters were listed. To accept only your " +
    "parameters: pulumi config set mcp-anywhere:apiKeyIds '[]'"
  );
}

/**
 * Validates the key lists before anything is declared.
 * @returns the generated parameter names, in `ids` order.
 * @throws {Error} naming the argument and the value when:
 *   - `stack` or an id is not letters, digits, `_ . -` (ids: 1 to 64 characters);
 *   - an id or an existing name is listed twice;
 *   - both lists are empty (the stack would accept no key);
 *   - an existing name is one of this stack's own generated paths (`/mcp-anywhere/<stack>/api-keys/<id>`): such a
 *     parameter is created and deleted by the stack through `ids`, so naming it as "existing" would keep a reference
 *     to a parameter the same update deletes (review finding F3). List its id in `ids` instead.
 */
export function validateApiKeys(component: string, args: ApiKeysArgs): string[] {
  const ids = args.ids ?? [...DEPLOY_DEFAULTS.apiKeyIds];
  const existing = args.existingParameterNames ?? [];
  const problems: string[] = [];
  if (!/^[A-Za-z0-9_.-]+$/.test(args.stack)) {
    problems.push(`\`stack\` must be letters, digits, _ . -, got ${JSON.stringify(args.stack)}`);
  }
  for (const id of ids) {
    if (!API_KEY_ID.test(id)) {
      problems.push(`\`ids\` entry ${JSON.stringify(id)} is invalid; allowed: 1 to 64 letters, digits, _ . -`);
    }
  }
  const dupes = (list: string[]) => [...new Set(list.filter((v, i) => list.indexOf(v) !== i))];
  for (const d of dupes(ids)) problems.push(`\`ids\` lists ${JSON.stringify(d)} twice; each id once`);
  for (const d of dupes(existing)) {
    problems.push(`\`existingParameterNames\` lists ${JSON.stringify(d)} twice; each name once`);
  }
  if (ids.length === 0 && existing.length === 0) {
    problems.push(
      '`ids` and `existingParameterNames` are both empty; the stack needs at least one key (e.g. ids ["default"])',
    );
  }
  const own = `/mcp-anywhere/${args.stack}/api-keys/`;
  for (const n of existing) {
    if (n.startsWith(own)) {
      const id = n.slice(own.length);
      problems.push(
        `\`existingParameterNames\` entry ${JSON.stringify(n)} is a parameter this stack generates; ` +
          `list its id in \`ids\` instead (${JSON.stringify(id)}), or remove it (npm run keys -- remove ${id})`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`${component}: ${problems.join("; ")}`);
  return ids.map((id) => keyParameterName(args.stack, id));
}

/**
 * `mcp-anywhere:aws:ApiKeys`. Warns ({@link upgradeWarning}) when upgrading adds a generated key. Children per id: a `random.RandomPassword` and an `aws.ssm.Parameter`, both named
 * `${name}-${id}` (so id `default` keeps the names `api-keys-default` of earlier releases: no replacement).
 * @throws {Error} from {@link validateApiKeys}, before any child is declared.
 */
export class ApiKeys extends pulumi.ComponentResource {
  /**
   * Every key parameter name: the generated ones (outputs of their parameters, so readers wait for the create) in
   * `ids` order, then the existing ones. Names are not secret.
   */
  public readonly parameterNames: pulumi.Output<string>[];
  /** The same names as plain strings, known when the program runs (for resource names and messages). */
  public readonly names: string[];

  constructor(name: string, args: ApiKeysArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("mcp-anywhere:aws:ApiKeys", name, {}, opts);
    const generatedNames = validateApiKeys(`ApiKeys ${name}`, args);
    const ids = args.ids ?? [...DEPLOY_DEFAULTS.apiKeyIds];
    const existing = args.existingParameterNames ?? [];
    const warning = upgradeWarning(args.stack, ids, existing);
    if (warning) void pulumi.log.warn(warning, this);
    const generated = ids.map((id, i) => {
      const key = new random.RandomPassword(
        `${name}-${id}`,
        { length: DEPLOY_DEFAULTS.apiKeyLength, special: false, upper: true, lower: true, numeric: true },
        { parent: this },
      );
      const parameter = new aws.ssm.Parameter(
        `${name}-${id}`,
        {
          name: generatedNames[i] as string,
          type: "SecureString",
          value: pulumi.secret(key.result),
          // Unchanged from earlier releases: a new description would write a new parameter version.
          description: "mcp-anywhere API key (generated)",
          tags: args.tags ?? {},
        },
        { parent: this },
      );
      return parameter.name;
    });
    this.parameterNames = [...generated, ...existing.map((n) => pulumi.output(n))];
    this.names = [...generatedNames, ...existing];
    this.registerOutputs({ parameterNames: this.parameterNames });
  }
}
