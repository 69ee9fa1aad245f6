/**
 * Names of the API keys a stack generates (pure: no Pulumi). Shared by infra/api-keys.ts, which creates them, and
 * `npm run keys` (stacks/cli/keys-cli.ts), which edits the list.
 */

/** A key id: 1 to 64 letters, digits, `_ . -`; a path segment of its SSM parameter name and of resource names. */
export const API_KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The SSM parameter name of a generated key: `/mcp-anywhere/<stack>/api-keys/<id>` (SSM names allow letters, digits,
 * `_ . - /`: https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html).
 */
export function keyParameterName(stack: string, id: string): string {
  return `/mcp-anywhere/${stack}/api-keys/${id}`;
}
