/**
 * The real stack program for the dockerhost target, under mocks: the @pulumi/command and @pulumi/docker resources,
 * their order, the docker provider's SSH host, the key sources (SSM read at deploy time, or a Pulumi secret), the
 * logging stack, the rollout triggers, and that no key, SSH key or certificate key is in any plain input or output.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { expect } from "chai";
import { parse } from "yaml";
import { dockerhostTlsStatus } from "../../components/dockerhost-mcp-service.js";
import { parseStackConfig } from "../../stacks/config.js";
import {
  inputsOf,
  isSecretInput,
  type PulumiMocks,
  type RecordedResource,
  unwrapInput,
} from "../helpers/pulumi-mocks.js";
import { resourceOptions } from "../helpers/resource-options.js";
import { attempt, plainTexts, runStack, type StackRun } from "../helpers/run-stack.js";

const T = {
  remote: "command:remote:Command",
  local: "command:local:Command",
  provider: "pulumi:providers:docker",
  image: "docker:index/image:Image",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  ssmParameter: "aws:ssm/parameter:Parameter",
} as const;
const options = resourceOptions();
const BASE = {
  "mcp-anywhere:target": "dockerhost",
  "mcp-anywhere:dockerhostAddress": "192.0.2.10",
  "mcp-anywhere:dockerhostKnownHosts":
    "192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
  "mcp-anywhere:dockerhostSshUser": "deploy",
  "mcp-anywhere:dockerhostSshPort": "2222",
};
/** A certificate key made at test time (PKCS#8 PEM). */
const CERT_KEY = generateKeyPairSync("ec", { namedCurve: "P-256" })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();
const SSH_KEY = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();

/** The shell script inside an `asRoot` command line (base64 in `s="$(echo '…' | base64 -d)"`). */
function script(r: RecordedResource, field: "create" | "delete" = "create"): string {
  const line = String(unwrapInput(inputsOf(r)[field]));
  const b64 = /echo '([A-Za-z0-9+/=]+)' \| base64 -d\)"/.exec(line)?.[1];
  if (!b64) throw new Error(`${r.name}.${field} is not an asRoot command: ${line.slice(0, 80)}`);
  return Buffer.from(b64, "base64").toString("utf8");
}
const command = (m: PulumiMocks, role: string) => {
  const r = m.ofType(T.remote).find((c) => c.name === `dev-${role}`);
  if (!r) throw new Error(`no remote.Command dev-${role}; have ${m.ofType(T.remote).map((c) => c.name)}`);
  return r;
};
/** The files the files command writes: path → content. */
function writtenFiles(m: PulumiMocks): Map<string, string> {
  const text = script(command(m, "files"));
  const files = new Map<string, string>();
  for (const m2 of text.matchAll(/echo '([A-Za-z0-9+/=]+)' \| base64 -d > (\S+)\.new/g))
    files.set(m2[2] as string, Buffer.from(m2[1] as string, "base64").toString("utf8"));
  return files;
}
const depends = (r: RecordedResource) => options.get(`${r.type}::${r.name}`)?.dependencies ?? [];
const urnOf = (r: RecordedResource) => `${r.type}::${r.name}`;
const dependsOnName = (r: RecordedResource, other: RecordedResource) =>
  depends(r).some((urn) => urn.endsWith(urnOf(other)));

describe("stack program: dockerhost target", function () {
  this.timeout(60_000);

  describe("SSM keys (default), no logging, Let's Encrypt", () => {
    let run: StackRun;
    let key: string;
    before(async () => {
      run = await runStack("dev", { ...BASE, "mcp-anywhere:dockerhostSshPrivateKey": SSH_KEY });
      key = run.mocks.ssm.get("/mcp-anywhere/dev/api-keys/default") ?? "";
    });

    it("points the docker provider at ssh://user@address:port, with the key as a file path only", () => {
      const p = run.mocks.one(T.provider);
      expect(p.inputs.host).to.equal("ssh://deploy@192.0.2.10:2222");
      const opts = JSON.parse(String(p.inputs.sshOpts)) as string[];
      expect(opts).to.include("BatchMode=yes");
      const keyFile = opts[opts.indexOf("-i") + 1] as string;
      expect(keyFile).to.match(/mcp-anywhere-ssh-[0-9a-f]{12}\/id$/);
    });

    it("connects every remote command to the host with the SSH key as a secret", () => {
      for (const c of run.mocks.ofType(T.remote)) {
        // The whole connection arrives secret, because the key in it is.
        expect(isSecretInput(c.inputs.connection), `${c.name} connection`).to.equal(true);
        const conn = unwrapInput(c.inputs.connection) as Record<string, unknown>;
        expect(conn).to.include({ host: "192.0.2.10", port: 2222, user: "deploy", privateKey: SSH_KEY.trim() });
        // The pin, in the form @pulumi/command 1.x checks on every dial (its key part).
        expect(conn.hostKey).to.equal(
          "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        );
      }
    });

    it("has no Command with triggers, and the destructive deletes only in the teardown and undeploy Commands", () => {
      const commands = [...run.mocks.ofType(T.remote), ...run.mocks.ofType(T.local)];
      expect(commands.filter((c) => c.inputs.triggers !== undefined).map((c) => c.name)).to.deep.equal([]);
      expect(commands.filter((c) => c.inputs.delete !== undefined).map((c) => c.name)).to.have.members([
        "dev-teardown",
        "dev-undeploy",
      ]);
      expect(script(command(run.mocks, "teardown"), "delete")).to.include("rm -rf /etc/mcp-anywhere");
      expect(script(command(run.mocks, "undeploy"), "delete")).to.match(/dc down --volumes --remove-orphans/);
      // Destroy order: the undeploy depends on the deploy, and the prepare on the teardown.
      expect(dependsOnName(command(run.mocks, "undeploy"), command(run.mocks, "deploy"))).to.equal(true);
      expect(dependsOnName(command(run.mocks, "prepare"), command(run.mocks, "teardown"))).to.equal(true);
    });

    it("orders prepare → files → keys → image build → deploy, and builds the server image on the host's engine", () => {
      const [prepare, files, keys, deploy] = ["prepare", "files", "keys", "deploy"].map((r) =>
        command(run.mocks, r),
      ) as RecordedResource[];
      const image = run.mocks.one(T.image);
      expect(dependsOnName(files as RecordedResource, prepare as RecordedResource)).to.equal(true);
      expect(dependsOnName(keys as RecordedResource, files as RecordedResource)).to.equal(true);
      expect(dependsOnName(image, prepare as RecordedResource)).to.equal(true);
      for (const before of [files, keys, image, run.mocks.one(T.remoteImage)])
        expect(dependsOnName(deploy as RecordedResource, before as RecordedResource), before?.name).to.equal(true);
      expect(image.provider).to.match(/pulumi:providers:docker::dev-docker::/);
      expect(image.inputs).to.include({ imageName: "mcp-anywhere/server:dev", skipPush: true });
      expect((image.inputs.build as Record<string, unknown>).dockerfile).to.match(/server\/Dockerfile$/);
      expect(run.mocks.one(T.remoteImage).inputs).to.include({
        name: "public.ecr.aws/nginx/nginx:1.27-alpine",
        keepLocally: true,
      });
    });

    it("prepares the host idempotently: Docker present and running, directories with owners and modes, no firewall", () => {
      const s = script(command(run.mocks, "prepare"));
      expect(s).to.match(/if ! have docker; then/);
      expect(s).to.match(/systemctl enable --now docker/);
      expect(s).to.include("install -d -m 0750 -o root -g 1000 /etc/mcp-anywhere/keys");
      expect(s).to.include("install -d -m 0700 -o root -g root /etc/mcp-anywhere/acme");
      expect(s).to.include("nft delete table inet mcp_anywhere");
      expect(s).not.to.include("nft -f");
    });

    it("writes the EC2 compose file with local logs and the local image, the same nginx.conf, and the ACME client", () => {
      const files = writtenFiles(run.mocks);
      const compose = parse(files.get("/etc/mcp-anywhere/compose.yaml") ?? "") as {
        services: Record<string, Record<string, unknown>>;
      };
      expect(Object.keys(compose.services)).to.have.members(["mcp", "nginx"]);
      expect(compose.services.mcp?.image).to.equal("mcp-anywhere/server:dev");
      expect(compose.services.mcp?.logging).to.deep.include({ driver: "local" });
      expect(compose.services.mcp?.environment).to.deep.include({ MCP_TARGET: "dockerhost" });
      expect(compose.services.nginx?.ports).to.deep.equal(["80:80", "443:443"]);
      expect(files.get("/etc/mcp-anywhere/nginx/nginx.conf")).to.include("server_name 192.0.2.10;");
      expect(files.get("/usr/local/bin/mcp-anywhere-cert")).to.match(/"identifier\\?": ?\\?"192\.0\.2\.10/);
      expect(files.get("/usr/local/bin/mcp-anywhere-cert")).to.include("shortlived");
      expect(files.has("/etc/systemd/system/mcp-anywhere-cert.timer")).to.equal(true);
      expect(files.has("/usr/local/bin/mcp-anywhere-keys"), "no SSM key timer on a dockerhost").to.equal(false);
    });

    it("reads the key from SSM at deploy time and sends it on the key command's standard input, as a secret", () => {
      expect(run.mocks.ofType(T.ssmParameter)).to.have.length(1);
      const reads = run.mocks.calls.filter((c) => c.token === "aws:ssm/getParameter:getParameter");
      expect(reads.map((c) => c.inputs)).to.deep.include({
        name: "/mcp-anywhere/dev/api-keys/default",
        withDecryption: true,
      });
      const stdin = command(run.mocks, "keys").inputs.stdin;
      expect(isSecretInput(stdin)).to.equal(true);
      const [appKeys, map] = String(unwrapInput(stdin))
        .trim()
        .split("\n")
        .map((l) => Buffer.from(l, "base64").toString("utf8"));
      expect(appKeys).to.equal(`${key}\n`);
      expect(map).to.match(/^map \$mcp_key \$mcp_key_id \{/);
    });

    it("rolls the containers when the image or a file changes: the deploy command's create changes (an update)", async () => {
      const create = String(unwrapInput(command(run.mocks, "deploy").inputs.create));
      expect(create).to.match(
        / # image=mcp-anywhere\/server@sha256:[0-9a-f]{64} files=[0-9a-f]{16} secrets=[0-9a-f]{16}$/,
      );
      const other = await runStack("dev", { ...BASE, "mcp-anywhere:rateLimitRps": "7" });
      expect(String(unwrapInput(command(other.mocks, "deploy").inputs.create))).not.to.equal(create);
      expect(command(run.mocks, "deploy").inputs.delete).to.equal(undefined);
    });

    it("exports https://<address>/mcp, the SSM parameter name, and the dockerhost cost column", async () => {
      expect(await plainTexts(run)).to.satisfy((t: string[]) => t.includes(JSON.stringify("https://192.0.2.10/mcp")));
      expect(run.outputs.costBreakdown.map((l) => l.item)).to.deep.equal(["SSM key parameters (standard tier)"]);
      expect(run.outputs.costNotes.join(" ")).to.match(/your own host is not priced/);
    });

    it("shows neither the API key nor the SSH key in any plain input, output or name", async () => {
      const texts = await plainTexts(run);
      expect(key).to.have.length.greaterThan(15);
      const keyBody = SSH_KEY.split("\n")[1] as string;
      for (const t of texts) {
        expect(t.includes(key), "API key in plain text").to.equal(false);
        expect(t.includes(keyBody), "SSH key in plain text").to.equal(false);
      }
    });
  });

  describe("config keys, local logging, local CA, firewall, host-key pin", () => {
    let run: StackRun;
    // Not newKey(): no server runs here, and the root hook expects server logs for every key it hands out.
    const keys = [randomBytes(20).toString("hex"), randomBytes(20).toString("hex")];
    before(async () => {
      run = await runStack("dev", {
        ...BASE,
        "mcp-anywhere:dockerhostKeySource": "config",
        "mcp-anywhere:dockerhostApiKeys": JSON.stringify(keys),
        "mcp-anywhere:dockerhostLogging": "local",
        "mcp-anywhere:dockerhostTls": "localca",
        "mcp-anywhere:dockerhostFirewall": "true",
        "mcp-anywhere:dockerhostAllowedCidrs": JSON.stringify(["192.168.1.0/24"]),
        "mcp-anywhere:dockerhostKnownHosts":
          "192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
      });
    });

    it("creates nothing in AWS: no SSM parameter, no SSM read, apiKeyParameterNames empty", async () => {
      expect(run.mocks.resources.filter((r) => r.type.startsWith("aws:"))).to.deep.equal([]);
      expect(run.mocks.calls.filter((c) => c.token.startsWith("aws:ssm"))).to.deep.equal([]);
      expect(await plainTexts(run)).to.include("[]");
      expect(run.outputs.costBreakdown.map((l) => l.resource)).not.to.include("aws:ssm/parameter:Parameter");
    });

    it("pins the host key on every connection: each remote Command's hostKey and the docker provider's ssh", () => {
      expect(run.mocks.ofType(T.local)).to.deep.equal([]);
      for (const c of run.mocks.ofType(T.remote))
        expect((unwrapInput(c.inputs.connection) as Record<string, unknown>).hostKey, c.name).to.match(/^ssh-ed25519 /);
      expect(JSON.stringify(run.mocks.one(T.provider).inputs.sshOpts)).to.include("StrictHostKeyChecking=yes");
    });

    it("adds Alloy, Loki and Grafana (Grafana on 127.0.0.1 only) and pulls their images", () => {
      const compose = parse(writtenFiles(run.mocks).get("/etc/mcp-anywhere/compose.yaml") ?? "") as {
        services: Record<string, Record<string, unknown>>;
      };
      expect(Object.keys(compose.services)).to.have.members(["mcp", "nginx", "loki", "grafana", "alloy"]);
      expect(compose.services.grafana?.ports).to.deep.equal(["127.0.0.1:3000:3000"]);
      expect(run.mocks.ofType(T.remoteImage).map((r) => r.inputs.name)).to.include.members([
        "grafana/loki:3.4.2",
        "grafana/grafana:11.5.2",
        "grafana/alloy:v1.7.1",
      ]);
      expect(run.outputs.costBreakdown.map((l) => l.item)[0]).to.match(/^Loki log storage/);
    });

    it("installs the firewall allow list for 443 and makes the local CA on the host", () => {
      const s = script(command(run.mocks, "prepare"));
      const nft = /echo '([A-Za-z0-9+/=]+)' \| base64 -d > \/etc\/mcp-anywhere\/firewall\.nft/.exec(s)?.[1] ?? "";
      expect(Buffer.from(nft, "base64").toString()).to.include("elements = { 192.168.1.0/24 }");
      expect(script(command(run.mocks, "tls"))).to.include("openssl x509 -req");
    });

    it("sends the config keys as a secret, and shows them nowhere in plain text", async () => {
      expect(isSecretInput(command(run.mocks, "keys").inputs.stdin)).to.equal(true);
      for (const t of await plainTexts(run)) for (const k of keys) expect(t.includes(k)).to.equal(false);
    });

    it("says how clients trust the local CA", () => {
      expect(dockerhostTlsStatus("localca", "192.0.2.10", "dev")).to.match(/NODE_EXTRA_CA_CERTS/);
    });
  });

  it("your own MCP server: the EC2 compose file's sidecar and workspace volume, serverEnv root-only as a secret", async () => {
    const token = randomBytes(20).toString("hex");
    const run = await runStack("dev", {
      ...BASE,
      "mcp-anywhere:serverMode": "http",
      "mcp-anywhere:serverImage": "ghcr.io/example/mcp-server:1.2.3",
      "mcp-anywhere:serverUrl": "http://upstream:3000/mcp",
      "mcp-anywhere:serverWorkspace": "/workspace",
      "mcp-anywhere:serverEnv": JSON.stringify([`API_TOKEN=${token}`]),
    });
    const compose = parse(writtenFiles(run.mocks).get("/etc/mcp-anywhere/compose.yaml") ?? "") as {
      services: Record<string, Record<string, unknown>>;
      volumes?: Record<string, unknown>;
    };
    expect(compose.services.upstream?.image).to.equal("ghcr.io/example/mcp-server:1.2.3");
    expect(compose.services.upstream?.volumes).to.deep.equal(["workspace:/workspace"]);
    expect(compose.services.upstream?.logging).to.deep.include({ driver: "local" });
    expect(run.mocks.ofType(T.remoteImage).map((r) => r.inputs.name)).to.include("ghcr.io/example/mcp-server:1.2.3");
    const secrets = command(run.mocks, "secrets");
    expect(isSecretInput(secrets.inputs.stdin)).to.equal(true);
    expect(parse(String(unwrapInput(secrets.inputs.stdin)))).to.deep.equal({
      services: { upstream: { environment: { API_TOKEN: token } } },
    });
    expect(script(secrets)).to.include("(umask 077; cat > /etc/mcp-anywhere/secrets/server-env.yaml.new)");
    expect(dependsOnName(command(run.mocks, "deploy"), secrets)).to.equal(true);
    for (const t of await plainTexts(run)) expect(t.includes(token), "serverEnv value in plain text").to.equal(false);
  });

  it("alertEmail with local logging: Grafana alert rules and e-mail; the SMTP password only as a secret", async () => {
    const password = randomBytes(12).toString("hex");
    const run = await runStack("dev", {
      ...BASE,
      "mcp-anywhere:dockerhostLogging": "local",
      "mcp-anywhere:alertEmail": "ops@example.com",
      "mcp-anywhere:dockerhostSmtpHost": "smtp.example.com:587",
      "mcp-anywhere:dockerhostSmtpUser": "alerts@example.com",
      "mcp-anywhere:dockerhostSmtpPassword": password,
    });
    const files = writtenFiles(run.mocks);
    const alerting = files.get("/etc/mcp-anywhere/logging/grafana/provisioning/alerting/mcp-anywhere.yaml") ?? "";
    expect(alerting).to.include("addresses: ops@example.com");
    const compose = parse(files.get("/etc/mcp-anywhere/compose.yaml") ?? "") as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    expect(compose.services.grafana?.environment).to.include({
      GF_SMTP_ENABLED: "true",
      GF_SMTP_HOST: "smtp.example.com:587",
    });
    const stdin = command(run.mocks, "secrets").inputs.stdin;
    expect(isSecretInput(stdin)).to.equal(true);
    expect(parse(String(unwrapInput(stdin)))).to.deep.equal({
      services: { grafana: { environment: { GF_SMTP_PASSWORD: password } } },
    });
    for (const t of await plainTexts(run)) expect(t.includes(password), "SMTP password in plain text").to.equal(false);
    expect(
      run.mocks.resources.filter((r) => r.type.startsWith("aws:cloudwatch") || r.type.startsWith("aws:sns")),
    ).to.deep.equal([]);
  });

  it("user certificate: chain and key go as a secret on standard input", async () => {
    const run = await runStack("dev", {
      ...BASE,
      "mcp-anywhere:dockerhostTls": "user",
      "mcp-anywhere:dockerhostCertificate": "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----",
      "mcp-anywhere:dockerhostCertificateKey": CERT_KEY,
    });
    expect(isSecretInput(command(run.mocks, "tls").inputs.stdin)).to.equal(true);
    const body = CERT_KEY.split("\n")[1] ?? "";
    expect(body.length).to.be.greaterThan(20);
    for (const t of await plainTexts(run)) expect(t.includes(body)).to.equal(false);
  });

  describe("config rules", () => {
    const problems = (extra: Record<string, string>) => {
      try {
        parseStackConfig({ "aws:region": "ap-northeast-1", ...BASE, ...extra }, "mcp-anywhere", "dev");
        return "";
      } catch (e) {
        return String(e);
      }
    };
    it("names the key and what is allowed for every combination that cannot work", () => {
      expect(problems({ "mcp-anywhere:dockerhostTls": "user" })).to.include(
        "mcp-anywhere:dockerhostTls=user needs both mcp-anywhere:dockerhostCertificate and mcp-anywhere:dockerhostCertificateKey",
      );
      expect(problems({ "mcp-anywhere:dockerhostKeySource": "config" })).to.include(
        "mcp-anywhere:dockerhostKeySource=config needs mcp-anywhere:dockerhostApiKeys",
      );
      expect(problems({ "mcp-anywhere:dockerhostApiKeys": '["0123456789abcdef0123"]' })).to.include(
        "mcp-anywhere:dockerhostApiKeys is set but mcp-anywhere:dockerhostKeySource=ssm",
      );
      expect(problems({ "mcp-anywhere:dockerhostLogging": "remote" })).to.include(
        "mcp-anywhere:dockerhostLogging=remote needs mcp-anywhere:dockerhostLokiUrl",
      );
      expect(problems({ "mcp-anywhere:dockerhostSshPrivateKey": "not a key" })).to.include(
        "mcp-anywhere:dockerhostSshPrivateKey=[secret] is invalid",
      );
      expect(problems({})).to.equal("");
    });
    it("warns that alert e-mail needs dockerhostSmtpHost", () => {
      const c = parseStackConfig(
        {
          "aws:region": "ap-northeast-1",
          ...BASE,
          "mcp-anywhere:dockerhostLogging": "local",
          "mcp-anywhere:alertEmail": "ops@example.com",
        },
        "mcp-anywhere",
        "dev",
      );
      expect(c.warnings.join("\n")).to.include("cannot send e-mail without mcp-anywhere:dockerhostSmtpHost");
    });
    it("warns that Let's Encrypt cannot reach a private address, and suggests localca", () => {
      const c = parseStackConfig(
        { "aws:region": "ap-northeast-1", ...BASE, "mcp-anywhere:dockerhostAddress": "192.168.1.20" },
        "mcp-anywhere",
        "dev",
      );
      expect(c.warnings.join("\n")).to.match(/private address 192\.168\.1\.20.*dockerhostTls=localca/);
    });
  });

  it("refuses a dockerhost stack without an address, naming the key", async () => {
    const { error } = await attempt("dev", { "mcp-anywhere:target": "dockerhost" });
    expect(String(error)).to.match(/mcp-anywhere:dockerhostAddress=\(not set\) is required for target dockerhost/);
    // The host-key pin is required too, and the error says how to get one.
    expect(String(error)).to.match(/mcp-anywhere:dockerhostKnownHosts=\(not set\) is required for target dockerhost/);
    expect(String(error)).to.include('"$(ssh-keyscan -t ed25519 <address> 2>/dev/null)"');
  });
});
