/**
 * Policies for key material: the fields that carry a key are secrets, and a key stored in a key store appears nowhere
 * else (no other resource input, no stack output).
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { isSecret, reveal, SECRETS_VISIBLE_SCHEMA, secretsVisible, TYPES, walk } from "./lib.js";

const SECRETS_DOC = "https://www.pulumi.com/docs/iac/concepts/secrets/";
const SSM_DOC = "https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-securestring.html";
const APIKEY_DOC = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html";

/**
 * Fields that carry key material, by type. `value` of an SSM parameter counts only for `SecureString` parameters;
 * `result` of a RandomPassword is an output only.
 */
export const KEY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  [TYPES.ssmParameter]: ["value"],
  [TYPES.apiGatewayKey]: ["value"],
  [TYPES.secretsManagerVersion]: ["secretString", "secretBinary"],
  [TYPES.gcpSecretVersion]: ["secretData"],
  [TYPES.randomPassword]: ["result"],
};

/** The key fields of a resource (empty for a non-SecureString SSM parameter). */
export function keyFields(type: string, props: Record<string, unknown>): readonly string[] {
  if (type === TYPES.ssmParameter && reveal(props.type) !== "SecureString") return [];
  return KEY_FIELDS[type] ?? [];
}

/**
 * `key-material-secret`: each key field (KEY_FIELDS) is a secret, and an SSM parameter whose name says it holds a key
 * (`api-key`, `secret`, `password`, `token`) is a SecureString.
 *
 * How secretness is seen: with policy config `secretsVisible: true` (the test harness, which passes the program's
 * secret inputs as `Secret`), the field's value itself must be a Secret, so a plain key in the program's inputs fails.
 * Under the Pulumi engine secrets reach policies unwrapped (pulumi-policy#241), so the policy checks what the engine
 * shows instead: the field is in `opts.additionalSecretOutputs` (the provider SDKs add these fields there, so the value
 * is encrypted in the state). Sources: SECRETS_DOC, SSM_DOC.
 */
export const keyMaterialSecret: ResourceValidationPolicy = {
  name: "key-material-secret",
  description: `Fields that carry keys (SSM SecureString value, API Gateway key value, Secrets Manager / Secret Manager data, RandomPassword result) are Pulumi secrets, and key-named SSM parameters are SecureString (${SECRETS_DOC}, ${SSM_DOC}).`,
  configSchema: SECRETS_VISIBLE_SCHEMA,
  validateResource: (args, report) => {
    const p = args.props;
    if (args.type === TYPES.ssmParameter) {
      const name = String(reveal(p.name) ?? "");
      if (/api-?keys?|secret|password|token/i.test(name) && reveal(p.type) !== "SecureString")
        report(
          `${args.name}: SSM parameter ${name} holds a key but is type ${String(reveal(p.type))}; use SecureString (${SSM_DOC})`,
        );
    }
    const visible = secretsVisible(args.getConfig);
    for (const field of keyFields(args.type, p)) {
      if (visible) {
        if (p[field] !== undefined && !isSecret(p[field]))
          report(`${args.type} ${args.name}: ${field} is a plain value; pass it as a secret (${SECRETS_DOC})`);
      } else if (!args.opts.additionalSecretOutputs.includes(field))
        report(
          `${args.type} ${args.name}: ${field} is not in additionalSecretOutputs, so the state keeps it in plain text (${SECRETS_DOC})`,
        );
    }
  },
};

/** Shortest key value the leak scan looks for; shorter strings would match by chance. */
export const MIN_KEY_LENGTH = 16;

/**
 * `key-values-stay-in-key-stores`: a value held in a key store (an SSM SecureString parameter, an API Gateway key,
 * a Secrets Manager or Secret Manager version) appears in no other field of any resource and in no stack output
 * (`pulumi:pulumi:Stack`'s properties), secret or not: keys reach the servers by reference (parameter names, secret
 * versions), never by value in environment variables, user data or task definitions, which the console and the
 * DescribeInstanceAttribute/GetFunctionConfiguration APIs show. RandomPassword results are not sources: they also
 * make non-key secrets (the CloudFront origin header). Sources: SECRETS_DOC; EC2 user data "is not protected" (
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html); ECS secrets
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html).
 */
export const keyValuesStayInKeyStores: StackValidationPolicy = {
  name: "key-values-stay-in-key-stores",
  description: `A key held in a key store (SSM SecureString, API Gateway key, Secrets Manager / Secret Manager version) appears in no other resource field and no stack output (${SECRETS_DOC}).`,
  validateStack: (args, report) => {
    const stores = new Map<string, string>(); // key value → where it is stored
    for (const r of args.resources) {
      if (r.type === TYPES.randomPassword) continue;
      for (const field of keyFields(r.type, r.props)) {
        const v = reveal(r.props[field]);
        if (typeof v === "string" && v.length >= MIN_KEY_LENGTH) stores.set(v, `${r.type} ${r.name}.${field}`);
      }
    }
    if (stores.size === 0) return;
    for (const r of args.resources) {
      const own = new Set(keyFields(r.type, r.props)); // a store, or the RandomPassword a key came from
      walk(r.props, (v, path) => {
        if (typeof v !== "string" || own.has(path)) return;
        // Never print the key itself: name where it is stored and where it leaked.
        for (const [key, where] of stores)
          if (v.includes(key))
            report(`${r.type} ${r.name}: ${path || "(value)"} contains the key stored in ${where}`, r.urn);
      });
    }
  },
};

/** `apigateway-key-alphanumeric`: API Gateway key values are 20 to 128 alphanumeric characters (APIKEY_DOC). */
export const apiGatewayKeyAlphanumeric: ResourceValidationPolicy = {
  name: "apigateway-key-alphanumeric",
  description: `API Gateway API key values are alphanumeric, 20 to 128 characters (${APIKEY_DOC}).`,
  validateResource: (args, report) => {
    if (args.type !== TYPES.apiGatewayKey) return;
    const v = reveal(args.props.value);
    if (v !== undefined && !(typeof v === "string" && /^[A-Za-z0-9]{20,128}$/.test(v)))
      report(`${args.name}: the key value is not 20 to 128 alphanumeric characters (value not shown) (${APIKEY_DOC})`);
  },
};
