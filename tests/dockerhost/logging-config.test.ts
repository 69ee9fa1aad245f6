/**
 * The dockerhost logging stack's generated configs, checked as far as this machine allows: Loki, Grafana and Alloy
 * images cannot be pulled here and Debian packages none of them (its `loki` package is an unrelated genetics tool), so
 * their own config checks (`loki -verify-config`, `alloy fmt`, Grafana's provisioning) cannot run. Checked instead:
 * every YAML and JSON file parses; Loki's retention is wired as Loki 3.x requires it (compactor
 * `retention_enabled` with a `delete_request_store`, `limits_config.retention_period`; tsdb/v13 schema,
 * https://grafana.com/docs/loki/latest/operations/storage/retention/); Alloy's file is balanced and every component it
 * references is declared; the dashboard's queries use only labels Alloy sets and JSON fields the nginx edge and the
 * app really log; Grafana is bound to loopback. The firewall rule set is checked by the real `nft -c`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { dockerhostFiles } from "../../components/dockerhost/host-files.js";
import {
  alertQueries,
  DASHBOARD_PANELS,
  LOGGING_DIR,
  type LoggingOptions,
  loggingServices,
  renderAlloyConfig,
  renderDashboard,
  renderGrafanaAlerting,
  renderLokiConfig,
} from "../../components/dockerhost/logging.js";
import { renderFirewall } from "../../components/dockerhost/prepare.js";
import { LETS_ENCRYPT_DIRECTORY } from "../../components/ec2/acme-client.js";
import { renderNginxConfig } from "../../components/ec2/nginx.js";
import { requireProgram } from "../helpers/programs.js";

const LOCAL: LoggingOptions = {
  mode: "local",
  retentionDays: 14,
  dataDir: "/var/lib/mcp-anywhere",
  stack: 'dev "quoted"',
  host: "192.0.2.10",
};

describe("dockerhost logging configs (Loki, Alloy, Grafana) and firewall", () => {
  it("Loki: filesystem tsdb v13, retention by the compactor at logRetentionDays", () => {
    const c = parse(renderLokiConfig(14)) as Record<string, Record<string, unknown>>;
    expect(c.limits_config).to.deep.equal({ retention_period: "336h" });
    expect(c.compactor).to.include({ retention_enabled: true, delete_request_store: "filesystem" });
    const schema = (c.schema_config?.configs as Record<string, unknown>[] | undefined)?.[0];
    expect(schema).to.include({ store: "tsdb", schema: "v13", object_store: "filesystem" });
    expect(c.auth_enabled).to.equal(false);
  });

  it("Alloy: balanced, every referenced component declared, labels quoted, local or remote Loki", () => {
    for (const o of [
      LOCAL,
      { ...LOCAL, mode: "remote" as const, lokiUrl: "https://loki.example.com/loki/api/v1/push" },
    ]) {
      const text = renderAlloyConfig(o);
      expect(text.split("{").length).to.equal(text.split("}").length);
      const declared = [...text.matchAll(/^([a-z_.]+) "([a-z_]+)" \{/gm)].map((m) => `${m[1]}.${m[2]}`);
      expect(declared).to.have.members([
        "discovery.docker.containers",
        "discovery.relabel.mcp",
        "loki.source.docker.containers",
        "loki.write.default",
      ]);
      const refs = [...text.matchAll(/= \[?((discovery|loki)\.[a-z_.]+?)\.(targets|rules|receiver)\]?$/gm)];
      expect(refs.map((r) => r[1])).to.have.members([
        "discovery.docker.containers",
        "discovery.relabel.mcp",
        "loki.write.default",
      ]);
      for (const ref of refs) expect(declared, ref[1]).to.include(ref[1]);
      expect(text).to.include('stack = "dev \\"quoted\\""');
      expect(text).to.include(o.mode === "remote" ? o.lokiUrl : "http://loki:3100/loki/api/v1/push");
      expect(text).to.match(/regex\s+= "mcp-anywhere"/);
    }
  });

  it("Grafana: Loki provisioned, the dashboard's queries use the labels Alloy sets and the fields the logs hold", () => {
    const files = new Map(
      dockerhostFiles({
        image: "mcp-anywhere/server:dev",
        host: "192.0.2.10",
        acmeEmail: undefined,
        acmeDirectoryUrl: LETS_ENCRYPT_DIRECTORY,
        environment: {},
        mcpPath: "/mcp",
        healthPath: "/health",
        rateLimit: { requestsPerSecond: 20, burst: 40, ipRequestsPerMinute: 60 },
        maxBodyBytes: 1_048_576,
        tls: "localca",
        logging: LOCAL,
      }).map((f) => [f.path, f.content]),
    );
    const ds = parse(files.get(`${LOGGING_DIR}/grafana/provisioning/datasources/loki.yaml`) ?? "") as {
      datasources: { uid: string; type: string; url: string }[];
    };
    expect(ds.datasources).to.deep.equal([
      { name: "Loki", uid: "loki", type: "loki", access: "proxy", url: "http://loki:3100", isDefault: true },
    ]);
    const provider = parse(files.get(`${LOGGING_DIR}/grafana/provisioning/dashboards/mcp-anywhere.yaml`) ?? "") as {
      providers: { options: { path: string } }[];
    };
    expect(provider.providers[0]?.options.path).to.equal("/etc/grafana/dashboards");
    const dashboard = JSON.parse(renderDashboard()) as {
      panels: { targets: { expr: string; datasource: { uid: string } }[] }[];
    };
    expect(dashboard.panels.map((p) => p.targets[0]?.datasource.uid)).to.deep.equal(DASHBOARD_PANELS.map(() => "loki"));
    // Labels: Alloy sets `service` from the compose service; the compose file names the services mcp and nginx.
    expect(renderAlloyConfig(LOCAL)).to.include('target_label  = "service"');
    const nginxLog = renderNginxConfig({
      serverName: "h",
      httpsListen: "443",
      httpListen: "80",
      upstream: "mcp:8080",
      certificate: "/c",
      certificateKey: "/k",
      keyMapPath: "/m",
      acmeWebroot: "/w",
      mcpPath: "/mcp",
      healthPath: "/health",
      rateLimit: { requestsPerSecond: 1, burst: 1, ipRequestsPerMinute: 1 },
      maxBodyBytes: 1,
      readTimeoutSeconds: 1,
      accessLog: "/dev/stdout",
      errorLog: "/dev/stderr",
      pidPath: "/p",
    });
    for (const p of DASHBOARD_PANELS) {
      expect(p.expr.split("(").length, p.title).to.equal(p.expr.split(")").length);
      for (const s of p.expr.matchAll(/service="([a-z]+)"/g)) expect(["nginx", "mcp"]).to.include(s[1]);
      if (p.expr.includes('service="nginx"'))
        for (const f of p.expr.matchAll(/\| (?:unwrap )?(status|requestTimeS)\b/g))
          expect(nginxLog).to.include(`"${f[1]}":`);
    }
    // The app's request line has `tool` and `responseTime` (ms): server/http/request-log.ts.
    expect(DASHBOARD_PANELS.at(-1)?.expr).to.include("unwrap responseTime");
  });

  it("Grafana alerting: an e-mail contact point and three rules (5xx share, 429 share, p99) at the configured thresholds", () => {
    const doc = parse(
      renderGrafanaAlerting({
        email: "ops@example.com",
        errorRatePercent: 5,
        throttleRatePercent: 20,
        latencyP99Ms: 10_000,
      }),
    ) as {
      contactPoints: { receivers: { type: string; settings: { addresses: string } }[] }[];
      policies: { receiver: string }[];
      groups: {
        rules: {
          uid: string;
          condition: string;
          for: string;
          noDataState: string;
          data: { refId: string; datasourceUid: string; model: Record<string, unknown> }[];
        }[];
      }[];
    };
    expect(doc.contactPoints[0]?.receivers[0]).to.deep.include({
      type: "email",
      settings: { addresses: "ops@example.com" },
    });
    expect(doc.policies[0]?.receiver).to.equal("mcp-anywhere-email");
    const rules = doc.groups[0]?.rules ?? [];
    expect(rules.map((r) => r.uid)).to.deep.equal(["mcp-5xx", "mcp-429", "mcp-p99"]);
    const thresholds = rules.map((r) => {
      const c = r.data.find((d) => d.refId === r.condition)?.model as {
        expression: string;
        conditions: { evaluator: { params: number[] } }[];
      };
      return c.conditions[0]?.evaluator.params[0];
    });
    expect(thresholds).to.deep.equal([5, 20, 10_000]);
    for (const r of rules) {
      expect(r).to.include({ for: "5m", noDataState: "OK" });
      const query = r.data.find((d) => d.refId === "A");
      expect(query?.datasourceUid).to.equal("loki");
      const expr = String(query?.model.expr);
      expect(expr.split("(").length).to.equal(expr.split(")").length);
      expect(expr).to.include('{service="nginx"} | json');
    }
    const q = alertQueries();
    expect(q.errors).to.include("status >= 500");
    expect(q.throttled).to.include("status = 429");
    expect(q.latencyMs).to.match(/^1000 \* quantile_over_time\(0\.99, .*unwrap requestTimeS/);
  });

  it("compose: Grafana on 127.0.0.1 only, configs mounted read-only from the files written", () => {
    const s = loggingServices(LOCAL);
    expect(Object.keys(s)).to.have.members(["loki", "grafana", "alloy"]);
    expect(s.grafana?.ports).to.deep.equal(["127.0.0.1:3000:3000"]);
    expect(s.alloy?.volumes).to.include("/var/run/docker.sock:/var/run/docker.sock:ro");
    expect(
      Object.keys(loggingServices({ ...LOCAL, mode: "remote", lokiUrl: "https://l/loki/api/v1/push" })),
    ).to.deep.equal(["alloy"]);
    expect(loggingServices({ ...LOCAL, mode: "none" })).to.deep.equal({});
  });

  it("the firewall rule set passes the real nft's check; a broken one does not", function () {
    requireProgram(this, "nft");
    const dir = mkdtempSync(join(tmpdir(), "mcp-nft-"));
    try {
      for (const cidrs of [["192.168.1.0/24", "10.0.0.0/8"], ["0.0.0.0/0"]]) {
        writeFileSync(join(dir, "fw.nft"), renderFirewall(cidrs));
        const r = spawnSync("nft", ["-c", "-f", join(dir, "fw.nft")], { encoding: "utf8" });
        expect(r.status, r.stderr).to.equal(0);
      }
      writeFileSync(join(dir, "bad.nft"), renderFirewall(["192.168.1.0/33"]));
      expect(spawnSync("nft", ["-c", "-f", join(dir, "bad.nft")]).status).not.to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
