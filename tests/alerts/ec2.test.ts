/** EC2 guardrail alarms: metric filters on nginx's JSON access lines, then rate and p99 alarms. */
import { expect } from "chai";
import { runStack } from "../helpers/run-stack.js";
import { alarm, billedAlarmMetrics, costLine, EMAIL, queries, T } from "./helpers.js";

describe("guardrails: ec2 alarms", function () {
  this.timeout(60_000);

  it("filters nginx lines (requestTimeS) for requests, 5xx, 429 and slow requests, and alarms on their rates", async () => {
    const run = await runStack("dev", {
      "mcp-anywhere:target": "ec2",
      "mcp-anywhere:alertEmail": EMAIL,
      "mcp-anywhere:alarmThrottleRatePercent": "15",
      "mcp-anywhere:alarmLatencyP99Ms": "2500",
    });
    const filters = Object.fromEntries(
      run.mocks.ofType(T.filter).map((f) => [f.name.replace(/^dev-guardrails-nginx-/, ""), f.inputs.pattern]),
    );
    expect(filters).to.deep.equal({
      requests: "{ $.requestTimeS >= 0 }",
      "5xx": "{ $.status >= 500 && $.requestTimeS >= 0 }",
      "429": "{ $.status = 429 && $.requestTimeS >= 0 }",
      slow: "{ $.requestTimeS > 2.5 }",
    });
    for (const f of run.mocks.ofType(T.filter)) expect(f.inputs.logGroupName).to.equal("/mcp-anywhere/dev/ec2");
    const topic = run.mocks.one(T.topic).state.arn;
    const t = alarm(run, "429-rate");
    expect(queries(t)).to.deep.equal({ n0: "mcp-anywhere/dev-ec2-429", d0: "mcp-anywhere/dev-ec2-requests" });
    expect(t.inputs).to.include({ threshold: 15 });
    expect(t.inputs.alarmActions).to.deep.equal([topic]);
    expect(queries(alarm(run, "5xx-rate"))).to.deep.equal({
      n0: "mcp-anywhere/dev-ec2-5xx",
      d0: "mcp-anywhere/dev-ec2-requests",
    });
    const slow = alarm(run, "latency-p99");
    expect(queries(slow)).to.deep.equal({ n0: "mcp-anywhere/dev-ec2-slow", d0: "mcp-anywhere/dev-ec2-requests" });
    expect(slow.inputs.threshold, "p99 > X when more than 1% are slower than X").to.equal(1);
    expect(costLine(run, "CloudWatch custom metrics")?.quantity).to.equal(4);
    expect(costLine(run, "CloudWatch alarm metrics")?.quantity).to.equal(billedAlarmMetrics(run)).and.equal(6);
  });

  it("creates nothing without a recipient", async () => {
    const run = await runStack("dev", { "mcp-anywhere:target": "ec2" });
    expect(run.mocks.ofType(T.filter).length + run.mocks.ofType(T.alarm).length).to.equal(0);
  });
});
