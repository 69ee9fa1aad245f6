/**
 * The EC2 certificate path for real: the host's ACME client (components/ec2/acme-client.ts, the exact script the
 * timer runs, rendered with test paths) obtains an IP address certificate for 127.0.0.1 from a real ACME server
 * (Debian's `pebble`), proving control over HTTP-01 through a real nginx running the edge config
 * (components/ec2/nginx.ts), installs it where nginx reads it and reloads nginx; the test then reads the certificate
 * nginx serves over TLS. A recording HTTPS proxy in front of pebble shows what the client puts on the wire (pebble 2.4
 * predates ACME profiles and ignores the `profile` field, so only the proxy can show that it is sent). Renewal runs
 * the same script later in time under `faketime` (Debian's libfaketime): not due → no request; due → a new
 * certificate served; due but HTTP-01 unreachable → the served certificate is kept and the status says why.
 * A missing program skips the suite with a line naming it, or fails it under CI=true (tests/helpers/programs.ts; CI
 * installs them all, .ci/run).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer, request as httpsRequest, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { expect } from "chai";
import { type AcmeClientOptions, renderAcmeClientScript } from "../../components/ec2/acme-client.js";
import { hostFiles } from "../../components/ec2/host-files.js";
import { EMPTY_KEY_MAP } from "../../components/ec2/nginx.js";
import { SAMPLE_HOST_OPTIONS } from "../helpers/ec2-sample.js";
import { freePort, startTestNginx } from "../helpers/nginx.js";
import { type Spawned, spawnProcess } from "../helpers/process.js";
import { requirePrograms } from "../helpers/programs.js";
import { selfSignedCertificate } from "../helpers/tls.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Recorded {
  path: string;
  url: string;
  payload: Record<string, unknown> | null;
}

/** The certificate nginx serves on `port`, and whether it chains to `ca` and names 127.0.0.1. */
function served(port: number, ca: string): Promise<{ cert: X509Certificate; authorized: boolean; error?: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ca, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw;
      const out = {
        cert: new X509Certificate(raw),
        authorized: socket.authorized,
        error: socket.authorizationError?.toString(),
      };
      socket.end();
      resolve(out);
    });
    socket.on("error", reject);
  });
}

describe("EC2 certificate: the host's ACME client against a real ACME server (pebble) and a real nginx", function () {
  this.timeout(120_000);
  let dir: string;
  let pebble: Spawned;
  let nginx: Spawned;
  let proxy: Server;
  let httpsPort: number;
  let root: string;
  let options: AcmeClientOptions;
  const wire: Recorded[] = [];
  const tls = (f: string) => join(dir, "tls", f);

  /**
   * Runs the rendered client like the systemd unit does, optionally `days` later (faketime), trusting the test CA's
   * TLS certificate. Asynchronous: the recording proxy lives in this process and must keep answering.
   */
  async function runClient(o: AcmeClientOptions, days = 0) {
    const script = join(dir, `mcp-anywhere-cert-${wire.length}-${days}`);
    writeFileSync(script, renderAcmeClientScript(o), { mode: 0o755 });
    const [cmd, args] = days > 0 ? ["faketime", ["-f", `+${days}d`, "python3", script]] : ["python3", [script]];
    const r = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
      const child = spawn(cmd as string, args as string[], {
        env: { ...process.env, SSL_CERT_FILE: join(dir, "acme-tls.pem") },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (c: Buffer) => {
        output += c.toString("utf8");
      });
      child.stderr.on("data", (c: Buffer) => {
        output += c.toString("utf8");
      });
      child.on("error", (e) => reject(new Error(`${cmd} could not run (${e.message}); .ci/run installs it`)));
      child.on("close", (status) => resolve({ status, output }));
    });
    return { ...r, statusLine: readFileSync(tls("status"), "utf8") };
  }

  /** Waits until nginx serves the certificate in the file (the reload is asynchronous). */
  async function servedFile() {
    const want = new X509Certificate(readFileSync(tls("fullchain.pem"))).fingerprint256;
    for (let i = 0; i < 100; i++) {
      const s = await served(httpsPort, root);
      if (s.cert.fingerprint256 === want) return s;
      await sleep(100);
    }
    throw new Error("nginx never served the installed certificate");
  }

  const newOrders = () => wire.filter((r) => r.path.includes("order-plz"));

  before(async function () {
    requirePrograms(this, "pebble", "nginx", "faketime", "openssl", "python3");
    dir = mkdtempSync(join(tmpdir(), "mcp-acme-"));
    // nginx's workers run unprivileged (user nobody when the master is root) and must read the challenge files.
    chmodSync(dir, 0o755);
    for (const d of ["tls", "state", "webroot", "unserved", "nginx"]) mkdirSync(join(dir, d));
    const [acmePort, mgmtPort, proxyPort, httpPort, tlsAlpnPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    httpsPort = await freePort();
    // The ACME server's own TLS certificate (pebble and the proxy), valid past the faketime jumps below.
    selfSignedCertificate({
      keyPath: join(dir, "acme-tls.key"),
      certPath: join(dir, "acme-tls.pem"),
      commonName: "acme test server",
      subjectAltName: "IP:127.0.0.1",
      days: 3650,
    });
    // What the deploy script puts in place before the first issuance (components/ec2/host-files.ts).
    selfSignedCertificate({
      keyPath: tls("privkey.pem"),
      certPath: tls("fullchain.pem"),
      commonName: "127.0.0.1",
      subjectAltName: "IP:127.0.0.1",
      days: 30,
    });

    writeFileSync(
      join(dir, "pebble.json"),
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${acmePort}`,
          managementListenAddress: `127.0.0.1:${mgmtPort}`,
          certificate: join(dir, "acme-tls.pem"),
          privateKey: join(dir, "acme-tls.key"),
          // HTTP-01 validation connects to the identifier (127.0.0.1) on this port: nginx's port 80 stand-in.
          httpPort,
          tlsPort: tlsAlpnPort,
          ocspResponderURL: "",
          externalAccountBindingRequired: false,
        },
      }),
    );
    pebble = spawnProcess(
      "pebble",
      ["-config", join(dir, "pebble.json")],
      // No validation delay, no random nonce rejection, and a fresh authorization for every order (renewal included).
      { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" },
      dir,
    );
    await pebble.waitFor(/Listening on/, 20_000);

    // The recording proxy: TLS in, TLS out to pebble, Host kept (pebble builds its URLs from it), JWS payloads logged.
    const acmeCa = readFileSync(join(dir, "acme-tls.pem"));
    proxy = createHttpsServer({ key: readFileSync(join(dir, "acme-tls.key")), cert: acmeCa }, (req, res) => {
      const body: Buffer[] = [];
      req.on("data", (c: Buffer) => body.push(c));
      req.on("end", () => {
        const data = Buffer.concat(body);
        if (data.length > 0) {
          const jws = JSON.parse(data.toString("utf8")) as { protected: string; payload: string };
          const decode = (s: string) =>
            JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as Record<string, unknown>;
          wire.push({
            path: req.url ?? "",
            url: String(decode(jws.protected).url),
            payload: jws.payload === "" ? null : decode(jws.payload),
          });
        }
        const upstream = httpsRequest(
          { host: "127.0.0.1", port: acmePort, method: req.method, path: req.url, headers: req.headers, ca: acmeCa },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on("error", () => res.writeHead(502).end());
        upstream.end(data);
      });
    });
    await new Promise<void>((r) => proxy.listen(proxyPort, "127.0.0.1", r));
    root = await new Promise<string>((resolve, reject) => {
      httpsRequest({ host: "127.0.0.1", port: mgmtPort, path: "/roots/0", ca: acmeCa }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString("utf8");
        });
        res.on("end", () => resolve(text));
      })
        .on("error", reject)
        .end();
    });

    writeFileSync(join(dir, "nginx", "keys.map"), EMPTY_KEY_MAP);
    const conf = join(dir, "nginx", "nginx.conf");
    nginx = startTestNginx({
      dir,
      conf,
      serverName: "127.0.0.1",
      httpsPort,
      httpPort,
      upstream: "127.0.0.1:9",
      certificate: tls("fullchain.pem"),
      certificateKey: tls("privkey.pem"),
      keyMapPath: join(dir, "nginx", "keys.map"),
      acmeWebroot: join(dir, "webroot"),
    });
    const reload = join(dir, "reload-nginx");
    writeFileSync(reload, `#!/bin/sh\nset -e\nnginx -s reload -c ${conf}\n`, { mode: 0o755 });
    for (let i = 0; i < 100; i++) {
      const up = await served(httpsPort, root).then(
        () => true,
        () => false,
      );
      if (up) break;
      await sleep(50);
    }

    // Production's options (host-files.ts) for an Elastic IP, with this machine's paths and the proxy as the CA.
    options = {
      directoryUrl: `https://127.0.0.1:${proxyPort}/dir`,
      identifier: "127.0.0.1",
      profile: "shortlived",
      email: undefined,
      webroot: join(dir, "webroot"),
      stateDir: join(dir, "state"),
      certificatePath: tls("fullchain.pem"),
      certificateKeyPath: tls("privkey.pem"),
      statusPath: tls("status"),
      renewFraction: 1 / 2,
      reloadCommand: [reload],
    };
  });

  after(async () => {
    nginx?.signal("SIGTERM");
    pebble?.signal("SIGTERM");
    await Promise.all([nginx?.exited, pebble?.exited]);
    await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the test runs the script the host runs: production renders the same client for the Elastic IP", () => {
    const file = hostFiles(SAMPLE_HOST_OPTIONS).find((f) => f.path === "/usr/local/bin/mcp-anywhere-cert");
    expect(file?.content).to.equal(
      renderAcmeClientScript({
        directoryUrl: "https://acme-v02.api.letsencrypt.org/directory",
        identifier: "54.250.10.20",
        profile: "shortlived",
        email: undefined,
        webroot: "/var/www/acme",
        stateDir: "/etc/mcp-anywhere/acme",
        certificatePath: "/etc/mcp-anywhere/tls/fullchain.pem",
        certificateKeyPath: "/etc/mcp-anywhere/tls/privkey.pem",
        statusPath: "/etc/mcp-anywhere/tls/status",
        renewFraction: 1 / 2,
        reloadCommand: ["/usr/local/bin/mcp-anywhere-reload-nginx"],
      }),
    );
  });

  it("before issuance nginx serves the self-signed certificate, which a client rejects", async () => {
    const s = await served(httpsPort, root);
    expect(s.authorized).to.equal(false);
    expect(s.error).to.match(/SELF_SIGNED|self.signed/i);
  });

  it("issues an IP certificate for 127.0.0.1 over HTTP-01 through nginx, installs it and reloads nginx", async () => {
    const r = await runClient(options);
    expect(r.status, r.output).to.equal(0);
    expect(r.statusLine).to.match(/^trusted: issued by .* for 127\.0\.0\.1 \(profile shortlived\), expires /);
    const s = await servedFile();
    expect(s.authorized, s.error).to.equal(true);
    expect(s.cert.subjectAltName).to.equal("IP Address:127.0.0.1");
    expect(s.cert.issuer).to.match(/Pebble Intermediate CA/);
    const mode = spawnSync("stat", ["-c", "%a", tls("privkey.pem")], { encoding: "utf8" }).stdout.trim();
    expect(mode).to.equal("600");
  });

  it("puts an `ip` identifier and the `shortlived` profile in newOrder, and no common name in the CSR", () => {
    const orders = newOrders();
    expect(orders).to.have.length(1);
    expect(orders[0]?.payload).to.deep.equal({
      identifiers: [{ type: "ip", value: "127.0.0.1" }],
      profile: "shortlived",
    });
    const finalize = wire.find((r) => r.path.includes("finalize"));
    const csr = Buffer.from(String(finalize?.payload?.csr), "base64url");
    const text = execFileSync("openssl", ["req", "-inform", "DER", "-noout", "-text"], { input: csr }).toString();
    expect(text).to.match(/Subject:\s*\n/);
    expect(text).to.include("IP Address:127.0.0.1");
  });

  it("does nothing while the certificate is not due: no request to the CA, the same certificate served", async () => {
    const before = (await served(httpsPort, root)).cert.serialNumber;
    const count = wire.length;
    const r = await runClient(options);
    expect(r.status, r.output).to.equal(0);
    expect(r.output).to.match(/not due/);
    expect(wire.length).to.equal(count);
    expect((await served(httpsPort, root)).cert.serialNumber).to.equal(before);
  });

  it("renews once less than half the lifetime is left (later in time), and nginx serves the new certificate", async () => {
    const old = (await served(httpsPort, root)).cert;
    const lifetimeDays = (Date.parse(old.validTo) - Date.parse(old.validFrom)) / 86_400_000;
    const r = await runClient(options, Math.ceil(lifetimeDays * 0.6));
    expect(r.status, r.output).to.equal(0);
    expect(r.output).to.match(/ordering a certificate for 127\.0\.0\.1 \([\d.]+ h of [\d.]+ h left\)/);
    expect(newOrders()).to.have.length(2);
    const s = await servedFile();
    expect(s.cert.serialNumber).not.to.equal(old.serialNumber);
    expect(s.cert.subjectAltName).to.equal("IP Address:127.0.0.1");
  });

  it("keeps serving the certificate and says why when HTTP-01 cannot be reached (port 80 closed or filtered)", async () => {
    const current = (await served(httpsPort, root)).cert;
    const lifetimeDays = (Date.parse(current.validTo) - Date.parse(current.validFrom)) / 86_400_000;
    // The challenge file lands where nginx does not serve it: the CA gets a 404, as behind a port-80 filter.
    const r = await runClient({ ...options, webroot: join(dir, "unserved") }, Math.ceil(lifetimeDays * 0.6));
    expect(r.status).to.equal(1);
    expect(r.statusLine).to.match(/^expiring: the trusted certificate expires .* and renewal failed; issuance failed/);
    expect(r.statusLine).to.include("port 80 from the internet");
    expect((await served(httpsPort, root)).cert.serialNumber).to.equal(current.serialNumber);
  });
});
