/** Lambda guardrail alarms: API Gateway 5xx and p99, and the 429 rate from access logs or 4XXError. */
import { expect } from "chai";
import { runStack } from "../helpers/run-stack.js";
import { alarm, billedAlarmMetrics, costLine, dimensions, EMAIL, queries, T } from "./helpers.js";

const LAMBDA = { "mcp-anywhere:target": "lambda", "mcp-anywhere:alertEmail": EMAIL };

describe("guardrails: lambda alarms", function () {
  this.timeout(60_000);

  it("5xx rate = 5XXError / Count and p99 Latency, thresholds from config, to the created topic", async () => {
    const run = await runStack("dev", {
      ...LAMBDA,
      "mcp-anywhere:alarmErrorRatePercent": "3",
      "mcp-anywhere:alarmLatencyP99Ms": "4000",
    });
    const topic = run.mocks.one(T.topic).state.arn;
    expect(run.mocks.one(T.subscription).inputs).to.include({ protocol: "email", endpoint: EMAIL });
    const e = alarm(run, "5xx-rate");
    expect(queries(e)).to.deep.equal({ n0: "AWS/ApiGateway/5XXError", d0: "AWS/ApiGateway/Count" });
    expect(Object.keys(dimensions(e).n0 ?? {}).sort()).to.deep.equal(["ApiName", "Stage"]);
    expect(e.inputs).to.include({ threshold: 3, treatMissingData: "notBreaching" });
    expect(e.inputs.alarmActions).to.deep.equal([topic]);
    const l = alarm(run, "latency-p99");
    expect(l.inputs).to.include({
      namespace: "AWS/ApiGateway",
      metricName: "Latency",
      extendedStatistic: "p99",
      threshold: 4000,
    });
    expect(l.inputs.alarmActions).to.deep.equal([topic]);
  });

  it("429 rate: 4XXError / Count without access logs; an access-log filter on status 429 with them", async () => {
    const off = await runStack("dev", LAMBDA);
    expect(queries(alarm(off, "429-rate"))).to.deep.equal({
      n0: "AWS/ApiGateway/4XXError",
      d0: "AWS/ApiGateway/Count",
    });
    expect(off.mocks.ofType(T.filter)).to.have.length(0);
    const on = await runStack("dev", {
      ...LAMBDA,
      "mcp-anywhere:lambdaAccessLogs": "true",
      "mcp-anywhere:alarmThrottleRatePercent": "7",
    });
    const f = on.mocks.one(T.filter);
    expect(f.inputs.pattern).to.equal('{ $.status = "429" }');
    expect(String(f.inputs.logGroupName)).to.match(/apigateway-access$/);
    const t = alarm(on, "429-rate");
    expect(queries(t)).to.deep.equal({ n0: "mcp-anywhere/dev-lambda-429", d0: "AWS/ApiGateway/Count" });
    expect(t.inputs.threshold).to.equal(7);
    expect(costLine(on, "CloudWatch custom metrics")).to.include({ quantity: 1 });
  });

  it("the alarm-metric cost line matches what is declared", async () => {
    const run = await runStack("dev", LAMBDA);
    expect(run.mocks.ofType(T.alarm)).to.have.length(3);
    expect(costLine(run, "CloudWatch alarm metrics")?.quantity).to.equal(billedAlarmMetrics(run)).and.equal(5);
  });
});
