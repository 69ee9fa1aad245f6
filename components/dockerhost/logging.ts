/**
 * The dockerhost target's optional logging stack, as compose services and their config files:
 * - `local`: Grafana Alloy collects every container log of the compose project through the Docker API with the
 *   labels `service` (the compose service), `container`, `stack` and `host`, and writes to a Loki on the same host
 *   (single binary, filesystem storage, retention by the compactor); Grafana has Loki provisioned as its data source and
 *   a small dashboard (requests, status codes, 429s, edge latency, latency by tool). Grafana listens on 127.0.0.1 only:
 *   reach it with `ssh -L 3000:127.0.0.1:3000 user@host`. Its admin password is made on the host at first deploy
 *   (`openssl rand`, in `<dataDir>/grafana-admin/password`, root and Grafana's uid only), so it never enters Pulumi.
 * - `remote`: only Alloy, writing to the user's Loki (`lokiUrl`).
 * With `local` and an alert recipient, Grafana also gets three alert rules and an e-mail contact point
 * ({@link renderGrafanaAlerting}); it sends through `smtp` when given (else the alerts show in Grafana only).
 *
 * Why Alloy and not Promtail: Promtail is end of life since 2026-03-02 ("Promtail is end of life (EOL) as of March 2,
 * 2026. Commercial support has ended. No future support or updates will be provided.",
 * https://grafana.com/docs/loki/latest/send-data/promtail/, quoted at
 * https://patchdayalert.com/blog/promtail-eol-migrate-to-grafana-alloy/); Grafana names Alloy its successor
 * (https://grafana.com/docs/alloy/latest/set-up/migrate/from-promtail/). Alloy's `loki.source.docker` reads the
 * same Docker API Promtail's docker_sd did, so the labels are the same.
 *
 * Queries: nginx writes one JSON line per request (components/ec2/nginx.ts `mcp_json`: status, requestTimeS, path);
 * the app writes one JSON line per request with `tool` and `responseTime` in ms (server/http/request-log.ts), which
 * is where "latency by tool" comes from (the edge does not log the tool).
 *
 * Images (pinned releases; they run on the host, not in this project's tests, which cannot pull them): Loki 3.4.2,
 * Grafana 11.5.2, Alloy v1.7.1.
 */
import { stringify } from "yaml";
import { DEPLOY_DEFAULTS } from "../../infra/core/defaults.js";
import type { HostFile } from "../ec2/host-files.js";

export const LOGGING_IMAGES = {
  loki: "grafana/loki:3.4.2",
  grafana: "grafana/grafana:11.5.2",
  alloy: "grafana/alloy:v1.7.1",
} as const;

/** Loki's and Grafana's users in their official images (the data directories are chowned to them). */
export const LOGGING_UIDS = { loki: 10001, grafana: 472 } as const;

export interface LoggingOptions {
  mode: "none" | "local" | "remote";
  /** Loki push URL for `remote`. */
  lokiUrl?: string;
  /** Loki retention, days (the stack's logRetentionDays). */
  retentionDays: number;
  /** Host directory for Loki, Grafana and Alloy data. */
  dataDir: string;
  /** Labels on every line: the stack and the host's address. */
  stack: string;
  host: string;
  /** Grafana's port on 127.0.0.1. @default DEPLOY_DEFAULTS.dockerhost.grafanaPort */
  grafanaPort?: number;
  /** `local` with alertEmail: Grafana alert rules and an e-mail contact point ({@link renderGrafanaAlerting}). */
  alerts?: LoggingAlerts;
  /** Grafana's SMTP server for alert e-mail (its password travels in the secret compose file). @default none */
  smtp?: { host: string; user?: string; from?: string };
}

/** The alert thresholds (config alarmErrorRatePercent, alarmThrottleRatePercent, alarmLatencyP99Ms) and recipient. */
export interface LoggingAlerts {
  email: string;
  /** % of edge responses that are 5xx over 5 minutes. */
  errorRatePercent: number;
  /** % of edge responses that are 429 over 5 minutes. */
  throttleRatePercent: number;
  /** Edge p99 request time over 5 minutes, ms. */
  latencyP99Ms: number;
}

/** Config directory on the host (read-only in the containers). */
export const LOGGING_DIR = "/etc/mcp-anywhere/logging";
const LOCAL_LOKI_PUSH = "http://loki:3100/loki/api/v1/push";

/** Loki single binary with filesystem storage; retention by the compactor (Loki 3.x needs delete_request_store). */
export function renderLokiConfig(retentionDays: number): string {
  return stringify({
    auth_enabled: false,
    server: { http_listen_port: 3100, log_level: "warn" },
    common: {
      path_prefix: "/loki",
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
      storage: { filesystem: { chunks_directory: "/loki/chunks", rules_directory: "/loki/rules" } },
    },
    schema_config: {
      configs: [
        {
          from: "2024-04-01",
          store: "tsdb",
          object_store: "filesystem",
          schema: "v13",
          index: { prefix: "index_", period: "24h" },
        },
      ],
    },
    limits_config: { retention_period: `${retentionDays * 24}h` },
    compactor: {
      working_directory: "/loki/compactor",
      retention_enabled: true,
      delete_request_store: "filesystem",
    },
    analytics: { reporting_enabled: false },
  });
}

const quote = (s: string) => JSON.stringify(s);

/** Alloy (River syntax): this compose project's containers, labelled, to Loki. */
export function renderAlloyConfig(o: LoggingOptions): string {
  const url = o.mode === "remote" ? (o.lokiUrl ?? "") : LOCAL_LOKI_PUSH;
  return `// mcp-anywhere: container logs of the compose project to Loki. Generated; do not edit on the host.
discovery.docker "containers" {
  host = "unix:///var/run/docker.sock"
}

discovery.relabel "mcp" {
  targets = []

  rule {
    source_labels = ["__meta_docker_container_label_com_docker_compose_project"]
    regex         = "mcp-anywhere"
    action        = "keep"
  }
  rule {
    source_labels = ["__meta_docker_container_label_com_docker_compose_service"]
    target_label  = "service"
  }
  rule {
    source_labels = ["__meta_docker_container_name"]
    regex         = "/(.*)"
    target_label  = "container"
  }
}

loki.source.docker "containers" {
  host          = "unix:///var/run/docker.sock"
  targets       = discovery.docker.containers.targets
  labels        = { stack = ${quote(o.stack)}, host = ${quote(o.host)} }
  relabel_rules = discovery.relabel.mcp.rules
  forward_to    = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = ${quote(url)}
  }
}
`;
}

/** Grafana data source provisioning (https://grafana.com/docs/grafana/latest/administration/provisioning/#data-sources). */
export function renderGrafanaDatasources(): string {
  return stringify({
    apiVersion: 1,
    datasources: [
      { name: "Loki", uid: "loki", type: "loki", access: "proxy", url: "http://loki:3100", isDefault: true },
    ],
  });
}

/** Grafana dashboard provider: the files under /etc/grafana/dashboards. */
export function renderGrafanaDashboardProvider(): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: "mcp-anywhere",
        folder: "mcp-anywhere",
        type: "file",
        disableDeletion: true,
        options: { path: "/etc/grafana/dashboards" },
      },
    ],
  });
}

const EDGE = '{service="nginx"} | json | __error__=""';
const APP = '{service="mcp"} | json | __error__=""';

/** The dashboard's panels: title, LogQL expression, legend. */
export const DASHBOARD_PANELS = [
  { title: "Requests/s at the edge", expr: `sum(rate(${EDGE} [5m]))`, legend: "requests/s" },
  { title: "Responses by status", expr: `sum by (status) (count_over_time(${EDGE} [5m]))`, legend: "{{status}}" },
  { title: "429 (rate limited)", expr: `sum(count_over_time(${EDGE} | status="429" [5m]))`, legend: "429" },
  {
    title: "Edge latency p99 (s)",
    expr: `quantile_over_time(0.99, ${EDGE} | unwrap requestTimeS [5m]) by (service)`,
    legend: "p99",
  },
  {
    title: "Latency by tool, p99 (ms)",
    expr: `quantile_over_time(0.99, ${APP} | tool!="" | unwrap responseTime [5m]) by (tool)`,
    legend: "{{tool}}",
  },
] as const;

/** The dashboard JSON (Grafana's dashboard model, https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/). */
export function renderDashboard(): string {
  return JSON.stringify(
    {
      uid: "mcp-anywhere",
      title: "mcp-anywhere",
      schemaVersion: 39,
      time: { from: "now-6h", to: "now" },
      refresh: "1m",
      panels: DASHBOARD_PANELS.map((p, i) => ({
        id: i + 1,
        type: "timeseries",
        title: p.title,
        datasource: { type: "loki", uid: "loki" },
        gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
        targets: [{ refId: "A", expr: p.expr, legendFormat: p.legend, datasource: { type: "loki", uid: "loki" } }],
      })),
    },
    null,
    2,
  );
}

/** The LogQL of each alert rule: a share of edge responses in %, and the edge's p99 in ms, over 5 minutes. */
export function alertQueries(): { errors: string; throttled: string; latencyMs: string } {
  const total = `sum(count_over_time(${EDGE} [5m]))`;
  return {
    errors: `100 * sum(count_over_time(${EDGE} | status >= 500 [5m])) / ${total}`,
    throttled: `100 * sum(count_over_time(${EDGE} | status = 429 [5m])) / ${total}`,
    latencyMs: `1000 * quantile_over_time(0.99, ${EDGE} | unwrap requestTimeS [5m]) by (service)`,
  };
}

/**
 * Grafana alerting provisioning (https://grafana.com/docs/grafana/latest/alerting/set-up/provision-alerting-resources/file-provisioning/):
 * an e-mail contact point for `alerts.email`, the default notification policy pointing at it, and three rules over the
 * nginx access log in Loki, each query (A) reduced to its last value (B) and compared with the threshold (C), firing
 * after 5 minutes: 5xx share, 429 share, p99 latency. No data (no traffic) is OK, not an alert.
 */
export function renderGrafanaAlerting(a: LoggingAlerts): string {
  const q = alertQueries();
  const rule = (uid: string, title: string, expr: string, threshold: number, summary: string) => ({
    uid,
    title,
    condition: "C",
    for: "5m",
    noDataState: "OK",
    execErrState: "Error",
    annotations: { summary },
    data: [
      {
        refId: "A",
        datasourceUid: "loki",
        relativeTimeRange: { from: 600, to: 0 },
        model: { refId: "A", expr, queryType: "range" },
      },
      {
        refId: "B",
        datasourceUid: "__expr__",
        model: { refId: "B", type: "reduce", expression: "A", reducer: "last" },
      },
      {
        refId: "C",
        datasourceUid: "__expr__",
        model: {
          refId: "C",
          type: "threshold",
          expression: "B",
          conditions: [{ evaluator: { type: "gt", params: [threshold] } }],
        },
      },
    ],
  });
  return stringify({
    apiVersion: 1,
    contactPoints: [
      {
        orgId: 1,
        name: "mcp-anywhere-email",
        receivers: [{ uid: "mcp-anywhere-email", type: "email", settings: { addresses: a.email } }],
      },
    ],
    policies: [{ orgId: 1, receiver: "mcp-anywhere-email", group_by: ["grafana_folder", "alertname"] }],
    groups: [
      {
        orgId: 1,
        name: "mcp-anywhere",
        folder: "mcp-anywhere",
        interval: "1m",
        rules: [
          rule(
            "mcp-5xx",
            "5xx share at the edge",
            q.errors,
            a.errorRatePercent,
            `More than ${a.errorRatePercent}% 5xx`,
          ),
          rule(
            "mcp-429",
            "429 share at the edge",
            q.throttled,
            a.throttleRatePercent,
            `More than ${a.throttleRatePercent}% 429`,
          ),
          rule("mcp-p99", "p99 latency at the edge", q.latencyMs, a.latencyP99Ms, `p99 above ${a.latencyP99Ms} ms`),
        ],
      },
    ],
  });
}

/** The compose services of the logging stack (none for `none`). */
export function loggingServices(o: LoggingOptions): Record<string, Record<string, unknown>> {
  if (o.mode === "none") return {};
  const port = o.grafanaPort ?? DEPLOY_DEFAULTS.dockerhost.grafanaPort;
  const alloy = {
    image: LOGGING_IMAGES.alloy,
    restart: "unless-stopped",
    command: ["run", "--storage.path=/var/lib/alloy/data", "/etc/alloy/config.alloy"],
    volumes: [
      "/var/run/docker.sock:/var/run/docker.sock:ro",
      `${LOGGING_DIR}/config.alloy:/etc/alloy/config.alloy:ro`,
      `${o.dataDir}/alloy:/var/lib/alloy/data`,
    ],
    ...(o.mode === "local" ? { depends_on: ["loki"] } : {}),
  };
  if (o.mode === "remote") return { alloy };
  return {
    loki: {
      image: LOGGING_IMAGES.loki,
      restart: "unless-stopped",
      user: `${LOGGING_UIDS.loki}:${LOGGING_UIDS.loki}`,
      command: ["-config.file=/etc/loki/loki.yaml"],
      volumes: [`${LOGGING_DIR}/loki.yaml:/etc/loki/loki.yaml:ro`, `${o.dataDir}/loki:/loki`],
    },
    grafana: {
      image: LOGGING_IMAGES.grafana,
      restart: "unless-stopped",
      // Not open to the world: loopback only, reach it through an SSH tunnel.
      ports: [`127.0.0.1:${port}:3000`],
      environment: {
        GF_SECURITY_ADMIN_PASSWORD__FILE: "/run/grafana-admin/password",
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_AUTH_ANONYMOUS_ENABLED: "false",
        GF_ANALYTICS_REPORTING_ENABLED: "false",
        ...(o.smtp
          ? {
              GF_SMTP_ENABLED: "true",
              GF_SMTP_HOST: o.smtp.host,
              ...(o.smtp.user ? { GF_SMTP_USER: o.smtp.user } : {}),
              ...(o.smtp.from || o.smtp.user ? { GF_SMTP_FROM_ADDRESS: o.smtp.from ?? o.smtp.user } : {}),
            }
          : {}),
      },
      volumes: [
        `${LOGGING_DIR}/grafana/provisioning:/etc/grafana/provisioning:ro`,
        `${LOGGING_DIR}/grafana/dashboards:/etc/grafana/dashboards:ro`,
        `${o.dataDir}/grafana:/var/lib/grafana`,
        `${o.dataDir}/grafana-admin:/run/grafana-admin:ro`,
      ],
      depends_on: ["loki"],
    },
    alloy,
  };
}

/** The config files of the logging stack (none for `none`). */
export function loggingFiles(o: LoggingOptions): HostFile[] {
  if (o.mode === "none") return [];
  const alloy: HostFile = { path: `${LOGGING_DIR}/config.alloy`, permissions: "0644", content: renderAlloyConfig(o) };
  if (o.mode === "remote") return [alloy];
  const g = `${LOGGING_DIR}/grafana`;
  return [
    { path: `${LOGGING_DIR}/loki.yaml`, permissions: "0644", content: renderLokiConfig(o.retentionDays) },
    alloy,
    { path: `${g}/provisioning/datasources/loki.yaml`, permissions: "0644", content: renderGrafanaDatasources() },
    {
      path: `${g}/provisioning/dashboards/mcp-anywhere.yaml`,
      permissions: "0644",
      content: renderGrafanaDashboardProvider(),
    },
    { path: `${g}/dashboards/mcp-anywhere.json`, permissions: "0644", content: renderDashboard() },
    ...(o.alerts
      ? [
          {
            path: `${g}/provisioning/alerting/mcp-anywhere.yaml`,
            permissions: "0644",
            content: renderGrafanaAlerting(o.alerts),
          },
        ]
      : []),
  ];
}

/** Shell lines the host preparation runs for the data directories (owners are the images' users). */
export function loggingDirectories(o: LoggingOptions): string[] {
  if (o.mode === "none") return [];
  const d = o.dataDir;
  const lines = [`install -d -m 0755 ${d}`, `install -d -m 0750 ${d}/alloy`];
  if (o.mode === "local") {
    lines.push(
      `install -d -m 0750 -o ${LOGGING_UIDS.loki} -g ${LOGGING_UIDS.loki} ${d}/loki`,
      `install -d -m 0750 -o ${LOGGING_UIDS.grafana} -g 0 ${d}/grafana`,
      `install -d -m 0750 -o 0 -g ${LOGGING_UIDS.grafana} ${d}/grafana-admin`,
      `if [ ! -s ${d}/grafana-admin/password ]; then`,
      `  (umask 027; openssl rand -hex 16 > ${d}/grafana-admin/password)`,
      `  chgrp ${LOGGING_UIDS.grafana} ${d}/grafana-admin/password`,
      "fi",
    );
  }
  return lines;
}
