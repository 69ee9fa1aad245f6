/**
 * Test certificates made by the real `openssl` binary (Debian's; .ci/run installs it). Callers guard with
 * `requireProgram(this, "openssl")` (tests/helpers/programs.ts: skip with a line naming it, fail under CI=true).
 */
import { execFileSync } from "node:child_process";
import { installHint } from "./programs.js";

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
 * @throws {Error} "openssl could not run (…); .ci/run installs it, …" when openssl is missing; execFileSync's error when
 *   it fails.
 */
export function selfSignedCertificate(o: SelfSignedCertificateOptions): void {
  try {
    runOpenssl(o);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new Error(`openssl could not run (${(e as Error).message}); ${installHint("openssl")}`);
    throw e;
  }
}

function runOpenssl(o: SelfSignedCertificateOptions): void {
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
