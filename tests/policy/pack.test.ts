/**
 * The policy pack loads and answers as `pulumi up --policy-pack infra/policy` runs it: the CLI starts
 * `@pulumi/pulumi/cmd/run-policy-pack <engine> .` with the pack directory as the working directory (pulumi/pulumi
 * sdk/go/common/resource/plugin/analyzer_plugin.go), reads the gRPC port the pack prints, and calls the Analyzer
 * service. This test does the same, with the real runner, the real PulumiPolicy.yaml/package.json/index.cjs, and a
 * gRPC client built from the SDK's own protos.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { policies } from "../../infra/policy/policies.js";

const require = createRequire(import.meta.url);
const PACK_DIR = fileURLToPath(new URL("../../infra/policy/", import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: generated gRPC/protobuf modules without useful typings here
type Any = any;
const grpcPb: Any = require("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
const pb: Any = require("@pulumi/pulumi/proto/analyzer_pb.js");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb.js");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb.js");
const grpc: Any = require("@grpc/grpc-js");

const call = <T>(client: Any, method: string, req: unknown) =>
  new Promise<T>((res, rej) => client[method](req, (err: Error | null, r: T) => (err ? rej(err) : res(r))));

function analyzeRequest(type: string, props: Record<string, unknown>, provider?: Record<string, unknown>): Any {
  const req = new pb.AnalyzeRequest();
  req.setType(type);
  req.setName("probe");
  req.setUrn(`urn:pulumi:dev::mcp-anywhere::${type}::probe`);
  req.setProperties(Struct.fromJavaScript(props));
  const opts = new pb.AnalyzerResourceOptions();
  opts.setCustomtimeouts(new pb.AnalyzerResourceOptions.CustomTimeouts());
  req.setOptions(opts);
  if (provider) {
    const p = new pb.AnalyzerProviderResource();
    p.setType("pulumi:providers:aws");
    p.setName("default");
    p.setUrn("urn:pulumi:dev::mcp-anywhere::pulumi:providers:aws::default");
    p.setProperties(Struct.fromJavaScript(provider));
    req.setProvider(p);
  }
  return req;
}

describe("policy pack as the Pulumi CLI runs it", function () {
  this.timeout(60_000);
  let child: ChildProcess;
  let client: Any;
  let stderr = "";

  before(async () => {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK_DIR] });
    child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: PACK_DIR, stdio: ["ignore", "pipe", "pipe"] });
    child.stderr?.on("data", (d) => {
      stderr += String(d);
    });
    const port = await new Promise<string>((res, rej) => {
      let out = "";
      child.stdout?.on("data", (d) => {
        out += String(d);
        const m = /^(\d+)\s*$/m.exec(out);
        if (m?.[1]) res(m[1]);
      });
      child.on("exit", (code) => rej(new Error(`the pack exited with ${code} before printing a port: ${stderr}`)));
    });
    client = new grpcPb.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  after(() => {
    client?.close();
    child?.kill();
  });

  it("serves every policy, under the pack's name and package.json version", async () => {
    const info: Any = await call(client, "getAnalyzerInfo", new Empty());
    expect(info.getName()).to.equal("mcp-anywhere");
    expect(info.getVersion()).to.equal("0.1.0");
    const names = info.getPoliciesList().map((p: Any) => p.getName());
    expect(names).to.have.members(policies.map((p) => p.name));
  });

  it("reports a CLOUDFRONT web ACL on a non-us-east-1 provider as a mandatory violation", async () => {
    const req = analyzeRequest(
      "aws:wafv2/webAcl:WebAcl",
      { scope: "CLOUDFRONT", tags: { "mcp-anywhere:stack": "dev" } },
      {
        region: "ap-northeast-1",
      },
    );
    const resp: Any = await call(client, "analyze", req);
    const diags = resp.getDiagnosticsList().map((d: Any) => [d.getPolicyname(), d.getEnforcementlevel()]);
    expect(diags).to.deep.equal([["waf-cloudfront-scope-region", pb.EnforcementLevel.MANDATORY]]);
  });

  it("passes the same web ACL with region us-east-1 on the resource", async () => {
    const req = analyzeRequest(
      "aws:wafv2/webAcl:WebAcl",
      { scope: "CLOUDFRONT", region: "us-east-1", tags: { "mcp-anywhere:stack": "dev" } },
      { region: "ap-northeast-1" },
    );
    const resp: Any = await call(client, "analyze", req);
    expect(resp.getDiagnosticsList()).to.have.length(0);
  });

  it("runs the stack policies: this project's config files pass config-keys-readable", async () => {
    const resp: Any = await call(client, "analyzeStack", new pb.AnalyzeStackRequest());
    expect(resp.getDiagnosticsList().map((d: Any) => d.getMessage())).to.deep.equal([]);
  });
});
