/** The Fargate EFS workspace in the cost model: stored GB-months at the EFS Standard list price, an assumed size. */
import { expect } from "chai";
import { fargateCost } from "../../infra/core/cost/model.js";
import { AWS_PRICES } from "../../infra/core/cost/prices.js";
import { COST_ASSUMPTIONS } from "../../infra/core/defaults.js";
import { parseStackConfig } from "../../stacks/config.js";
import { targetSizing } from "../../stacks/sizing.js";

const efsLine = (c: ReturnType<typeof fargateCost>) => c.lines.find((l) => l.item.startsWith("EFS workspace storage"));

describe("cost model: the Fargate EFS workspace", () => {
  it("prices the assumed GB at EFS Standard ($0.30 per GB-month in us-east-1), on the file system's line", () => {
    const c = fargateCost({ efsGb: 5 }, { region: "us-east-1" });
    const l = efsLine(c);
    expect(l).to.include({ quantity: 5, unitPriceUsd: 0.3, resource: "aws:efs/fileSystem:FileSystem" });
    expect(l?.monthlyUsd).to.be.closeTo(1.5, 1e-9);
    expect(l?.source).to.include("aws.amazon.com/efs/pricing");
    expect(c.monthlyUsd - fargateCost({}, { region: "us-east-1" }).monthlyUsd).to.be.closeTo(1.5, 1e-9);
  });

  it("has no line without EFS, and an unpriced one (never a guess) where the price was not found", () => {
    expect(efsLine(fargateCost({}, { region: "us-east-1" }))).to.equal(undefined);
    expect(AWS_PRICES["ap-northeast-1"].efsStandard.confidence).to.equal("not-found");
    const tokyo = fargateCost({ efsGb: 5 }, { region: "ap-northeast-1" });
    expect(efsLine(tokyo)).to.include({ unitPriceUsd: null, monthlyUsd: null });
    expect(tokyo.complete).to.equal(false);
  });

  it("the stack's sizing carries the documented default size only with fargateEfs", () => {
    const raw = {
      "aws:region": "us-east-1",
      "mcp-anywhere:target": "fargate",
      "mcp-anywhere:serverMode": "stdio",
      "mcp-anywhere:serverCommand": '["npx","-y","@modelcontextprotocol/server-memory"]',
      "mcp-anywhere:serverWorkspace": "/workspace",
    };
    const off = parseStackConfig(raw, "mcp-anywhere", "dev");
    expect(targetSizing(off).fargate.efsGb).to.equal(0);
    const on = parseStackConfig({ ...raw, "mcp-anywhere:fargateEfs": "true" }, "mcp-anywhere", "dev");
    expect(targetSizing(on).fargate.efsGb).to.equal(COST_ASSUMPTIONS.efsWorkspaceGb);
  });
});
