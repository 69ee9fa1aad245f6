/**
 * The dockerhost target's certificates besides Let's Encrypt (which reuses the EC2 ACME client,
 * components/ec2/acme-client.ts, through components/dockerhost/host-files.ts):
 * - `user`: the user's chain and key arrive on the command's standard input (Pulumi secrets) and are installed as
 *   nginx reads them (chain 0644, key 0600);
 * - `localca`: for a LAN-only host that Let's Encrypt cannot reach. The host makes a CA once (P-256, 10 years, key
 *   0600 in the root-only ACME state directory, never leaving the host) and a server certificate signed by it for the
 *   address or domain (825 days, the most Apple platforms accept for a TLS server certificate,
 *   https://support.apple.com/en-us/103769), re-issued when the name changes or 30 days before expiry. The script
 *   prints the CA certificate (public), which the component exports so that `npm run connect` can say how to trust
 *   it (Node clients: `NODE_EXTRA_CA_CERTS=<file>`, https://nodejs.org/api/cli.html#node_extra_ca_certsfile).
 */
import { isIpAddress } from "../ec2/acme-client.js";
import { HOST } from "../ec2/host-files.js";

/** Days a local-CA server certificate lasts. */
export const LOCAL_CA_LEAF_DAYS = 825;
/** Where the CA certificate is (public) and its key (root only). */
export const LOCAL_CA = { certificate: `${HOST.tlsDir}/ca.pem`, key: `${HOST.acmeStateDir}/ca.key` } as const;

/**
 * @param host - the certificate's identifier: an IP address (IP SAN) or a DNS name (DNS SAN).
 * @param root - host path prefix (tests); @default "".
 * @returns a bash script (run as root) that ends by printing the CA certificate in PEM.
 */
export function renderLocalCaScript(host: string, root = ""): string {
  const tls = `${root}${HOST.tlsDir}`;
  const state = `${root}${HOST.acmeStateDir}`;
  const caKey = `${root}${LOCAL_CA.key}`;
  const ca = `${root}${LOCAL_CA.certificate}`;
  const san = `${isIpAddress(host) ? "IP" : "DNS"}:${host}`;
  return [
    "set -euo pipefail",
    `install -d -m 0700 ${state}`,
    `install -d -m 0755 ${tls}`,
    `if [ ! -s ${caKey} ] || [ ! -s ${ca} ]; then`,
    `  (umask 077; openssl ecparam -name prime256v1 -genkey -noout -out ${caKey})`,
    `  openssl req -x509 -new -key ${caKey} -sha256 -days 3650 -subj "/CN=mcp-anywhere local CA ${host}" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out ${ca} 2> /dev/null`,
    `  chmod 0644 ${ca}`,
    "fi",
    "renew=yes",
    `if [ -s ${tls}/fullchain.pem ] && openssl x509 -in ${tls}/fullchain.pem -noout -checkend 2592000 > /dev/null 2>&1 \\`,
    `  && openssl verify -CAfile ${ca} ${tls}/fullchain.pem > /dev/null 2>&1 \\`,
    `  && openssl x509 -in ${tls}/fullchain.pem -noout -ext subjectAltName 2> /dev/null | grep -qx "    ${san.replace("IP:", "IP Address:")}"; then renew=no; fi`,
    'if [ "$renew" = yes ]; then',
    "  work=$(mktemp -d); trap 'rm -rf \"$work\"' EXIT",
    '  (umask 077; openssl ecparam -name prime256v1 -genkey -noout -out "$work/key.pem")',
    `  openssl req -new -key "$work/key.pem" -subj "/CN=${host}" -out "$work/csr.pem"`,
    `  printf 'subjectAltName=${san}\\nbasicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=serverAuth\\n' > "$work/ext"`,
    `  openssl x509 -req -in "$work/csr.pem" -CA ${ca} -CAkey ${caKey} -CAcreateserial -CAserial ${state}/ca.srl -days ${LOCAL_CA_LEAF_DAYS} -sha256 -extfile "$work/ext" -out "$work/cert.pem" 2> /dev/null`,
    `  install -m 0600 "$work/key.pem" ${tls}/privkey.pem`,
    `  install -m 0644 "$work/cert.pem" ${tls}/fullchain.pem`,
    `  echo "trusted-by-local-ca: ${host}, issued $(date -u +%Y-%m-%dT%H:%M:%SZ) by the host's local CA (${LOCAL_CA.certificate})" > ${tls}/status`,
    "fi",
    `cat ${ca}`,
  ].join("\n");
}

/** Standard input of the user-certificate command: two base64 lines, the chain then the key. */
export function userCertificateStdin(chain: string, key: string): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return `${b64(chain)}\n${b64(key)}\n`;
}

/** Installs {@link userCertificateStdin} where nginx reads it; checks that the key matches the certificate. */
export function renderUserCertificateScript(root = ""): string {
  const tls = `${root}${HOST.tlsDir}`;
  return [
    "set -euo pipefail",
    "read -r chain",
    "read -r key",
    `install -d -m 0755 ${tls}`,
    "work=$(mktemp -d); trap 'rm -rf \"$work\"' EXIT",
    'printf "%s" "$chain" | base64 -d > "$work/chain.pem"',
    '(umask 077; printf "%s" "$key" | base64 -d > "$work/key.pem")',
    'if [ "$(openssl x509 -in "$work/chain.pem" -noout -pubkey)" != "$(openssl pkey -in "$work/key.pem" -pubout)" ]; then',
    '  echo "mcp-anywhere-tls: dockerhostCertificateKey does not match dockerhostCertificate" >&2; exit 1',
    "fi",
    `install -m 0600 "$work/key.pem" ${tls}/privkey.pem`,
    `install -m 0644 "$work/chain.pem" ${tls}/fullchain.pem`,
    `echo "trusted-if-your-clients-trust-its-issuer: user-supplied, $(openssl x509 -in ${tls}/fullchain.pem -noout -enddate)" > ${tls}/status`,
    `echo "mcp-anywhere-tls: installed, $(openssl x509 -in ${tls}/fullchain.pem -noout -subject)"`,
  ].join("\n");
}
