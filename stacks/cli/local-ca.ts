/**
 * What `npm run connect` prints for a dockerhost stack whose edge certificate comes from the host's own CA
 * (`dockerhostTls=localca`): how to save the CA and make clients trust it. Node-based clients (Claude Code, Cline,
 * Kiro, VS Code and Cursor extensions) add a PEM bundle to their trust store from `NODE_EXTRA_CA_CERTS`
 * (https://nodejs.org/api/cli.html#node_extra_ca_certsfile); others need the OS trust store.
 */

/** @returns the note, naming the stack in its commands. */
export function localCaNote(stack: string): string {
  return [
    `note: ${stack} serves a certificate from its host's local CA (dockerhostTls=localca); clients must trust that CA:`,
    `  pulumi stack output --stack ${stack} --json details | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0,"utf8")).caCertificate)' > mcp-anywhere-ca.pem`,
    "  Node-based clients (Claude Code, Cline, Kiro, VS Code, Cursor): start them with NODE_EXTRA_CA_CERTS=$PWD/mcp-anywhere-ca.pem",
    "  (e.g. in your shell profile), or add mcp-anywhere-ca.pem to the OS trust store; `npm run verify` needs the same.",
  ].join("\n");
}
