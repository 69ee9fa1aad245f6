/** Fargate guardrail alarms: ALB 5xx and p99, WAF 429 rate in us-east-1. */
import { expect } from "chai";
import { runStack } from "../helpers/run-stack.js";
import { alarm, billedAlarmMetrics, costLine, dimensions, EMAIL, queries, T } from "./helpers.js";

describe("guardrails: fargate alarms", function () {
  this.timeout(60_000);

  it("ALB 5xx rate and TargetResponseTime p99 in the stack's Region; WAF 429 rate in us-east-1 to a topic there", async () => {
    const run = await runStack("prod", { "mcp-anywhere:alertEmail": EMAIL, "mcp-anywhere:alarmLatencyP99Ms": "2500" });
    const [local, east] = ["prod-guardrails-topic", "prod-guardrails-us-east-1-topic"].map((n) =>
      run.mocks.ofType(T.topic).find((t) => t.name === n),
    );
    expect(east?.inputs.region).to.equal("us-east-1");
    const e = alarm(run, "5xx-rate");
    expect(queries(e)).to.deep.equal({
      n0: "AWS/ApplicationELB/HTTPCode_ELB_5XX_Count",
      n1: "AWS/ApplicationELB/HTTPCode_Target_5XX_Count",
      d0: "AWS/ApplicationELB/RequestCount",
    });
    expect(dimensions(e).d0?.LoadBalancer).to.match(/^app\//);
    expect(e.inputs.alarmActions).to.deep.equal([local?.state.arn]);
    const l = alarm(run, "latency-p99");
    expect(l.inputs).to.include({ metricName: "TargetResponseTime", extendedStatistic: "p99", threshold: 2.5 });
    const t = alarm(run, "429-rate");
    expect(t.inputs.region).to.equal("us-east-1");
    expect(t.inputs.alarmActions).to.deep.equal([east?.state.arn]);
    expect(Object.values(dimensions(t)).map((d) => d.Rule)).to.deep.equal(["per-api-key", "per-ip", "ALL", "ALL"]);
    expect(queries(t)).to.include({ d0: "AWS/WAFV2/AllowedRequests", d1: "AWS/WAFV2/BlockedRequests" });
    expect(costLine(run, "CloudWatch alarm metrics")?.quantity).to.equal(billedAlarmMetrics(run)).and.equal(8);
  });

  it("WAF dimensions are the web ACL's and its rate rules' metric names, with no Region (CLOUDFRONT scope)", async () => {
    const run = await runStack("prod", { "mcp-anywhere:alertEmail": EMAIL });
    const acl = run.mocks.one("aws:wafv2/webAcl:WebAcl").inputs as {
      visibilityConfig: { metricName: string };
      rules: {
        action?: { block?: { customResponse?: { responseCode: number } } };
        visibilityConfig: { metricName: string };
      }[];
    };
    const rules429 = acl.rules
      .filter((r) => r.action?.block?.customResponse?.responseCode === 429)
      .map((r) => r.visibilityConfig.metricName);
    const dims = Object.values(dimensions(alarm(run, "429-rate")));
    for (const d of dims) expect(Object.keys(d).sort()).to.deep.equal(["Rule", "WebACL"]);
    expect(new Set(dims.map((d) => d.WebACL))).to.deep.equal(new Set([acl.visibilityConfig.metricName]));
    expect(dims.map((d) => d.Rule).filter((r) => r !== "ALL")).to.deep.equal(rules429);
  });

  it("each created topic lets only this account's CloudWatch alarms publish, in the topic's own Region", async () => {
    const run = await runStack("prod", { "mcp-anywhere:alertEmail": EMAIL });
    const policies = run.mocks.ofType(T.topicPolicy);
    expect(policies.map((p) => p.inputs.region)).to.deep.equal([undefined, "us-east-1"]);
    for (const p of policies) {
      const doc = JSON.parse(p.inputs.policy as string) as { Statement: Record<string, unknown>[] };
      expect(doc.Statement).to.have.length(1);
      expect(doc.Statement[0]).to.deep.include({
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "SNS:Publish",
      });
      expect(doc.Statement[0]?.Condition).to.have.nested.property("StringEquals.aws:SourceAccount");
    }
  });

  it("a topic in another Region than the stack, with no e-mail: no alarm, and a warning", async () => {
    const run = await runStack("prod", { "mcp-anywhere:alertSnsTopicArn": "arn:aws:sns:eu-west-1:123456789012:ops" });
    expect(run.mocks.ofType(T.alarm)).to.have.length(0);
    expect(costLine(run, "CloudWatch alarm metrics")).to.equal(undefined);
  });
});
