/** Test certificates made by the real `openssl` binary (Debian's; .ci/run installs it). */
import { execFileSync } from "node:child_process";

export interface SelfSignedCertificateOptions {
  /** Where the unencrypted P-256 private key is written (PEM). */
  keyPath: string;
  /** Where the self-signed certificate is written (PEM). */
  certPath: string;
  /** The subject's CN, e.g. `127.0.0.1`. */
  commonName: string;
  /** The subjectAltName extension value, e.g. `IP:127.0.0.1` or `DNS:localhost,IP:127.0.0.1`. */
  subjectAltName: string;
  /** Validity from now, days. */
  days: number;
}

/**
 * Writes a self-signed ECDSA P-256 certificate and its key (`openssl req -x509 -newkey ec`), the kind the EC2 host
 * serves before its first issuance.
 * @throws {Error} when openssl is missing or fails (execFileSync's error).
 */
export function selfSignedCertificate(o: SelfSignedCertificateOptions): void {
  execFileSync(
    "openssl",
    [
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ["-days", String(o.days), "-subj", `/CN=${o.commonName}`, "-addext", `subjectAltName=${o.subjectAltName}`],
      ["-keyout", o.keyPath, "-out", o.certPath],
    ].flat(),
    { stdio: "ignore" },
  );
}
