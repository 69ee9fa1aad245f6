/**
 * API keys in SSM Parameter Store. Either the stack names existing SecureString parameters, used as they are, or one
 * key is generated (@pulumi/random, 40 alphanumeric characters: inside API Gateway's 20 to 128 rule) and stored as a
 * SecureString at `/mcp-anywhere/<stack>/api-keys/default`. Key values exist only as Pulumi secrets.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DEPLOY_DEFAULTS } from "./core/defaults.js";

export interface ApiKeysArgs {
  /** Existing parameter names; empty or absent creates one key. */
  existingParameterNames?: string[];
  /** Used in the generated parameter's path. */
  stack: string;
  tags?: Record<string, string>;
}

/** The generated key's parameter name for a stack. */
export function defaultKeyParameterName(stack: string): string {
  return `/mcp-anywhere/${stack}/api-keys/default`;
}

export class ApiKeys extends pulumi.ComponentResource {
  /** Parameter names (plain: names are not secret). */
  public readonly parameterNames: pulumi.Output<string>[];
  /** True when this component created the key. */
  public readonly generated: boolean;

  /** @throws {Error} when `stack` is not a valid path segment. */
  constructor(name: string, args: ApiKeysArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("mcp-anywhere:aws:ApiKeys", name, {}, opts);
    if (!/^[A-Za-z0-9_.-]+$/.test(args.stack)) {
      throw new Error(`ApiKeys ${name}: \`stack\` must be letters, digits, _ . -, got ${JSON.stringify(args.stack)}`);
    }
    const existing = args.existingParameterNames ?? [];
    this.generated = existing.length === 0;
    if (this.generated) {
      const key = new random.RandomPassword(
        `${name}-default`,
        { length: DEPLOY_DEFAULTS.apiKeyLength, special: false, upper: true, lower: true, numeric: true },
        { parent: this },
      );
      const parameter = new aws.ssm.Parameter(
        `${name}-default`,
        {
          name: defaultKeyParameterName(args.stack),
          type: "SecureString",
          value: pulumi.secret(key.result),
          description: "mcp-anywhere API key (generated)",
          tags: args.tags ?? {},
        },
        { parent: this },
      );
      this.parameterNames = [parameter.name];
    } else {
      this.parameterNames = existing.map((n) => pulumi.output(n));
    }
    this.registerOutputs({ parameterNames: this.parameterNames });
  }
}
