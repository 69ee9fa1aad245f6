/**
 * The EC2 target's certificate client: a small ACME (RFC 8555) client in Python 3 that uses only the standard library
 * and the `openssl` command, both on Amazon Linux 2023 and installed by cloud-init (components/ec2/cloud-init.ts). It
 * runs from a systemd timer (`mcp-anywhere-cert.timer`, hourly) and:
 * 1. keeps the current certificate when it is trusted-issued, covers the identifier, and more than `renewFraction` of
 *    its lifetime is left (no network request at all);
 * 2. otherwise orders a certificate from `directoryUrl` for one identifier: an IP address (RFC 8738 `ip` identifier)
 *    or a DNS name, with the ACME profile `profile` when set (draft-ietf-acme-profiles: the `profile` field of
 *    newOrder; a directory that lists `meta.profiles` without it is an error), proves control over HTTP-01 by writing
 *    the key authorization under `webroot` (served by nginx on port 80), finalizes with a fresh P-256 key and a CSR
 *    with no common name (Let's Encrypt's `shortlived` profile omits it), and downloads the chain;
 * 3. installs `fullchain.pem` and `privkey.pem` (0600) atomically, writes the status file, runs `reloadCommand`.
 * On any failure it exits non-zero, keeps the installed certificate, and writes an `untrusted:`/`expiring:` status line
 * that says what failed and what to check.
 *
 * Why our own client: Let's Encrypt issues IP address certificates only with the `shortlived` profile (about 160 h)
 * over http-01 or tls-alpn-01 (https://letsencrypt.org/docs/profiles/, GA 2026-01-15:
 * https://letsencrypt.org/2026/01/15/6day-and-ip-general-availability). The clients that can do that (lego v4.35.2:
 * `run --profile`, IP SANs in `certcrypto/crypto.go`; certbot from 5.3, `--ip-address`) would be downloaded at boot
 * (a container image or a release binary), and none of them can run in this project's tests: Debian ships lego 4.9.1,
 * which sends an IP as a `dns` identifier, and certbot 2.1, without IP support. This client needs nothing beyond the
 * AMI and runs unchanged in tests/ec2/acme-renewal.test.ts against a real ACME server (pebble) and a real nginx. Its
 * design follows acme-tiny (github.com/diafygi/acme-tiny: Python plus the openssl binary).
 *
 * JWS: ES256 over the account key (RFC 7518 §3.4: the signature is R||S, 32 bytes each, converted here from
 * openssl's DER); `jwk` on newAccount, `kid` afterwards; POST-as-GET for reads; a `badNonce` error is retried
 * (RFC 8555 §6.5). Renewal rule: renew when less than `renewFraction` of the lifetime is left (lego's `--dynamic` rule
 * is 1/2 for short-lived certificates, go-acme/lego v4.35.2 `cmd/cmd_renew.go`; Let's Encrypt suggests renewing
 * 6-day certificates every 2 to 3 days, https://letsencrypt.org/docs/profiles/#shortlived).
 */
import { isIP } from "node:net";

export interface AcmeClientOptions {
  /** ACME directory URL, e.g. `https://acme-v02.api.letsencrypt.org/directory`. */
  directoryUrl: string;
  /** The certificate's identifier: an IPv4/IPv6 address (ACME `ip`, RFC 8738) or a DNS name. */
  identifier: string;
  /** ACME profile, e.g. `shortlived`; `undefined` sends none (the CA's default profile). */
  profile: string | undefined;
  /** Account contact e-mail. @default none */
  email: string | undefined;
  /** Directory served at `http://<identifier>/.well-known/acme-challenge/` (the challenge files go in that subpath). */
  webroot: string;
  /** Private state: the account key and URL (mode 0700). */
  stateDir: string;
  /** Where nginx reads the chain (0644) and key (0600). */
  certificatePath: string;
  certificateKeyPath: string;
  /** One-line status for operators (`trusted: …`, `untrusted: …`, `expiring: …`). */
  statusPath: string;
  /** Renew when less than this fraction of the certificate's lifetime is left, (0, 1). */
  renewFraction: number;
  /** Run after a new certificate is installed, e.g. the nginx reload script. */
  reloadCommand: string[];
}

/** Let's Encrypt production (https://letsencrypt.org/getting-started/). */
export const LETS_ENCRYPT_DIRECTORY = "https://acme-v02.api.letsencrypt.org/directory";

/**
 * `true` for a valid IPv4 (dotted quad, each part 0-255) or IPv6 literal: the ACME `ip` identifier type (RFC 8738).
 * Node's own parser (`net.isIP`, https://nodejs.org/api/net.html#netisipinput), so `999.1.1.1` is a DNS name, not an IP.
 */
export function isIpAddress(host: string): boolean {
  return isIP(host) !== 0;
}

/**
 * @returns the client's Python text with `o` embedded as JSON.
 * @throws {Error} when `renewFraction` is outside (0, 1) or `directoryUrl` is not https.
 */
export function renderAcmeClientScript(o: AcmeClientOptions): string {
  if (!(o.renewFraction > 0 && o.renewFraction < 1))
    throw new Error(`renderAcmeClientScript: \`renewFraction\` must be in (0, 1), got ${o.renewFraction}`);
  if (!o.directoryUrl.startsWith("https://"))
    throw new Error(`renderAcmeClientScript: \`directoryUrl\` must be https, got ${o.directoryUrl}`);
  const config = {
    ...o,
    profile: o.profile ?? null,
    email: o.email ?? null,
    identifierType: isIpAddress(o.identifier) ? "ip" : "dns",
  };
  return String.raw`#!/usr/bin/env python3
"""mcp-anywhere certificate client (ACME, RFC 8555 + RFC 8738 + profiles). Generated; do not edit."""
import base64, datetime, hashlib, json, os, subprocess, sys, tempfile, time, urllib.error, urllib.request

CONFIG = json.loads(${JSON.stringify(JSON.stringify(config))})
UA = "mcp-anywhere-acme/1"


class AcmeError(Exception):
    pass


def b64(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def openssl(args, data=None):
    r = subprocess.run(["openssl"] + args, input=data, capture_output=True)
    if r.returncode != 0:
        raise AcmeError("openssl %s failed: %s" % (args[0], r.stderr.decode(errors="replace").strip()))
    return r.stdout


def write_atomic(path, data, mode):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def status(line):
    write_atomic(CONFIG["statusPath"], (line + "\n").encode(), 0o644)
    print("mcp-anywhere-cert: " + line)


def new_ec_key(path):
    write_atomic(path, openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]), 0o600)


def cert_times(pem_path):
    """(notBefore, notAfter, SAN text) of the first certificate in pem_path, or None."""
    try:
        out = openssl(["x509", "-in", pem_path, "-noout", "-startdate", "-enddate", "-ext", "subjectAltName"]).decode()
    except AcmeError:
        return None
    fields = dict(l.split("=", 1) for l in out.splitlines() if "=" in l and not l.startswith(" "))
    fmt = "%b %d %H:%M:%S %Y %Z"
    nb = datetime.datetime.strptime(" ".join(fields["notBefore"].split()), fmt).replace(tzinfo=datetime.timezone.utc)
    na = datetime.datetime.strptime(" ".join(fields["notAfter"].split()), fmt).replace(tzinfo=datetime.timezone.utc)
    return nb, na, out


def due(now):
    """None when the installed certificate is ACME-issued, covers the identifier and is not due; else the reason."""
    marker = os.path.join(CONFIG["stateDir"], "issued.pem")
    if not os.path.exists(marker) or read_bytes(marker) != read_bytes(CONFIG["certificatePath"]):
        return "no ACME certificate installed"
    t = cert_times(CONFIG["certificatePath"])
    if t is None:
        return "the installed certificate does not parse"
    nb, na, text = t
    san = ("IP Address:" if CONFIG["identifierType"] == "ip" else "DNS:") + CONFIG["identifier"]
    names = [n.strip() for line in text.splitlines() if line.startswith(" ") for n in line.split(",")]
    if san not in names:
        return "the installed certificate does not name %s" % CONFIG["identifier"]
    left = (na - now).total_seconds()
    if left <= CONFIG["renewFraction"] * (na - nb).total_seconds():
        return "%.1f h of %.1f h left" % (left / 3600, (na - nb).total_seconds() / 3600)
    return None


class Client:
    def __init__(self):
        self.key_path = os.path.join(CONFIG["stateDir"], "account.key")
        if not os.path.exists(self.key_path):
            new_ec_key(self.key_path)
        der = openssl(["pkey", "-in", self.key_path, "-pubout", "-outform", "DER"])
        point = der[-65:]  # SubjectPublicKeyInfo for P-256 ends with the uncompressed point 04||X||Y.
        if point[0] != 4:
            raise AcmeError("the account key is not an uncompressed P-256 key")
        self.jwk = {"crv": "P-256", "kty": "EC", "x": b64(point[1:33]), "y": b64(point[33:])}
        canonical = json.dumps(self.jwk, sort_keys=True, separators=(",", ":")).encode()
        self.thumbprint = b64(hashlib.sha256(canonical).digest())
        self.directory = self.request(CONFIG["directoryUrl"])[0]
        self.nonce = None
        self.kid = None

    def request(self, url, data=None, method=None, accept="application/json"):
        headers = {"User-Agent": UA, "Accept": accept}
        if data is not None:
            headers["Content-Type"] = "application/jose+json"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                body, code, hdrs = res.read(), res.status, res.headers
        except urllib.error.HTTPError as e:
            body, code, hdrs = e.read(), e.code, e.headers
        if hdrs.get("Replay-Nonce"):
            self.nonce = hdrs["Replay-Nonce"]
        text = body.decode(errors="replace")
        parsed = json.loads(text) if hdrs.get("Content-Type", "").split(";")[0].endswith("json") and text else text
        return parsed, code, hdrs

    def sign(self, url, payload):
        if not self.nonce:
            self.request(self.directory["newNonce"], method="HEAD")
        protected = {"alg": "ES256", "nonce": self.nonce, "url": url}
        if self.kid:
            protected["kid"] = self.kid
        else:
            protected["jwk"] = self.jwk
        self.nonce = None
        p64 = b64(json.dumps(protected).encode())
        body64 = "" if payload is None else b64(json.dumps(payload).encode())
        der = openssl(["dgst", "-sha256", "-sign", self.key_path], ("%s.%s" % (p64, body64)).encode())
        # DER ECDSA-Sig-Value: SEQUENCE { INTEGER r, INTEGER s } -> fixed-width R||S (RFC 7518 section 3.4).
        i = 2 + (der[1] & 0x7F if der[1] & 0x80 else 0)
        rlen = der[i + 1]
        r = der[i + 2:i + 2 + rlen]
        j = i + 2 + rlen
        s = der[j + 2:j + 2 + der[j + 1]]
        sig = r.lstrip(b"\x00").rjust(32, b"\x00") + s.lstrip(b"\x00").rjust(32, b"\x00")
        return json.dumps({"protected": p64, "payload": body64, "signature": b64(sig)}).encode()

    def post(self, url, payload, accept="application/json", ok=(200, 201)):
        for attempt in range(3):
            body, code, hdrs = self.request(url, self.sign(url, payload), accept=accept)
            if code in ok:
                return body, hdrs
            if isinstance(body, dict) and body.get("type") == "urn:ietf:params:acme:error:badNonce" and attempt < 2:
                continue
            detail = body.get("detail", body) if isinstance(body, dict) else str(body)[:300]
            raise AcmeError("%s -> %d %s" % (url, code, detail))

    def register(self):
        payload = {"termsOfServiceAgreed": True}
        if CONFIG["email"]:
            payload["contact"] = ["mailto:" + CONFIG["email"]]
        _, hdrs = self.post(self.directory["newAccount"], payload)
        self.kid = hdrs["Location"]

    def poll(self, url, done, pending, what, limit=120):
        deadline = time.time() + limit
        while True:
            body, _ = self.post(url, None)
            if body["status"] in done:
                return body
            if body["status"] not in pending:
                raise AcmeError("%s is %s: %s" % (what, body["status"], json.dumps(body.get("error") or body)[:500]))
            if time.time() > deadline:
                raise AcmeError("%s still %s after %d s" % (what, body["status"], limit))
            time.sleep(1)

    def issue(self):
        profiles = (self.directory.get("meta") or {}).get("profiles")
        if CONFIG["profile"] and profiles is not None and CONFIG["profile"] not in profiles:
            raise AcmeError("the CA offers profiles %s, not %s" % (sorted(profiles), CONFIG["profile"]))
        self.register()
        order = {"identifiers": [{"type": CONFIG["identifierType"], "value": CONFIG["identifier"]}]}
        if CONFIG["profile"]:
            order["profile"] = CONFIG["profile"]
        body, hdrs = self.post(self.directory["newOrder"], order)
        order_url = hdrs["Location"]
        challenge_dir = os.path.join(CONFIG["webroot"], ".well-known", "acme-challenge")
        os.makedirs(challenge_dir, exist_ok=True)
        for authz_url in body["authorizations"]:
            authz, _ = self.post(authz_url, None)
            if authz["status"] == "valid":
                continue
            http01 = [c for c in authz["challenges"] if c["type"] == "http-01"]
            if not http01:
                raise AcmeError("the CA offered no http-01 challenge for %s" % CONFIG["identifier"])
            token = http01[0]["token"]
            path = os.path.join(challenge_dir, token)
            write_atomic(path, ("%s.%s" % (token, self.thumbprint)).encode(), 0o644)
            try:
                self.post(http01[0]["url"], {})
                self.poll(authz_url, ("valid",), ("pending", "processing"), "the http-01 authorization")
            finally:
                os.remove(path)
        key_path = os.path.join(CONFIG["stateDir"], "next.key")
        new_ec_key(key_path)
        san = ("IP:" if CONFIG["identifierType"] == "ip" else "DNS:") + CONFIG["identifier"]
        csr = openssl(["req", "-new", "-key", key_path, "-subj", "/", "-addext", "subjectAltName=" + san,
                       "-outform", "DER"])
        self.poll(order_url, ("ready", "valid"), ("pending",), "the order")
        self.post(body["finalize"], {"csr": b64(csr)})
        final = self.poll(order_url, ("valid",), ("ready", "processing"), "the order")
        chain, _ = self.post(final["certificate"], None, accept="application/pem-certificate-chain")
        if "BEGIN CERTIFICATE" not in chain:
            raise AcmeError("the CA returned no PEM certificate chain")
        return chain.encode(), read_bytes(key_path)


def main():
    os.makedirs(CONFIG["stateDir"], mode=0o700, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    reason = due(now) if os.path.exists(CONFIG["certificatePath"]) else "no certificate installed"
    if reason is None:
        _, na, _ = cert_times(CONFIG["certificatePath"])
        print("mcp-anywhere-cert: not due; the certificate for %s expires %s" % (CONFIG["identifier"], na.isoformat()))
        return 0
    print("mcp-anywhere-cert: ordering a certificate for %s (%s)" % (CONFIG["identifier"], reason))
    try:
        chain, key = Client().issue()
    except (AcmeError, OSError, KeyError, ValueError) as e:
        installed = cert_times(CONFIG["certificatePath"]) if os.path.exists(CONFIG["certificatePath"]) else None
        trusted = reason.endswith("left") and installed is not None
        what = ("expiring: the trusted certificate expires %s and renewal failed" % installed[1].isoformat()
                if trusted else "untrusted: clients reject the self-signed certificate until issuance succeeds")
        status("%s; %s at %s: %s. Let's Encrypt must reach http://%s/.well-known/acme-challenge/ on port 80 from the "
               "internet; the timer retries hourly" % (what, "issuance failed", now.strftime("%Y-%m-%dT%H:%M:%SZ"), e,
                                                       CONFIG["identifier"]))
        return 1
    write_atomic(CONFIG["certificateKeyPath"], key, 0o600)
    write_atomic(CONFIG["certificatePath"], chain, 0o644)
    write_atomic(os.path.join(CONFIG["stateDir"], "issued.pem"), chain, 0o600)
    os.remove(os.path.join(CONFIG["stateDir"], "next.key"))
    _, na, _ = cert_times(CONFIG["certificatePath"])
    status("trusted: issued by %s for %s%s, expires %s; renewed automatically" % (
        CONFIG["directoryUrl"], CONFIG["identifier"],
        " (profile %s)" % CONFIG["profile"] if CONFIG["profile"] else "", na.isoformat()))
    subprocess.run(CONFIG["reloadCommand"], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;
}
