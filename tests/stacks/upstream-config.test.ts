/**
 * Stack config for "bring your own MCP server" (serverMode and its keys): each refusal names the key (and the value
 * where there is one); combinations that deploy but may not do what the user means give a warning naming the key.
 */
import { expect } from "chai";
import { parseStackConfig, type RawConfig, StackConfigError } from "../../stacks/config.js";
import { thrownMessage } from "../helpers/errors.js";
import { GCP_PROJECT } from "../helpers/pulumi-mocks.js";

const k = (key: string) => `mcp-anywhere:${key}`;
const base: RawConfig = { "aws:region": "ap-northeast-1", [k("target")]: "fargate" };
const parse = (raw: RawConfig) => parseStackConfig({ ...base, ...raw }, "mcp-anywhere", "dev");
const error = (raw: RawConfig) => thrownMessage(() => parse(raw), StackConfigError);
const STDIO = {
  [k("serverMode")]: "stdio",
  [k("serverCommand")]: '["npx","-y","@modelcontextprotocol/server-memory"]',
};
const SIDECAR = { [k("serverMode")]: "http", [k("serverImage")]: "ghcr.io/example/mcp-server:1.2.3" };

describe("stack config: serverMode and its keys", () => {
  it("defaults to builtin with no upstream settings", () => {
    const c = parse({});
    expect(c.upstream.mode).to.equal("builtin");
    expect(c.upstream.runtime).to.equal("node");
    expect(c.fargateEfs).to.equal(false);
    expect(c.warnings.filter((w) => w.includes("server"))).to.deep.equal([]);
  });

  it("shapes a stdio server: argv, env as NAME → value, cwd, timeout, workspace", () => {
    const c = parse({
      ...STDIO,
      [k("serverEnv")]: '["API_TOKEN=a=b","LOG_LEVEL=info"]',
      [k("serverWorkdir")]: "/workspace",
      [k("serverTimeoutMs")]: "120000",
      [k("serverWorkspace")]: "/workspace",
      [k("serverRuntime")]: "python",
    });
    expect(c.upstream).to.deep.include({
      mode: "stdio",
      runtime: "python",
      command: ["npx", "-y", "@modelcontextprotocol/server-memory"],
      env: { API_TOKEN: "a=b", LOG_LEVEL: "info" },
      cwd: "/workspace",
      timeoutMs: 120_000,
      workspacePath: "/workspace",
    });
  });

  const refusals: [string, RawConfig, string[]][] = [
    ["stdio without a command", { [k("serverMode")]: "stdio" }, ["mcp-anywhere:serverCommand", "serverMode=stdio"]],
    ["stdio with an image", { ...STDIO, [k("serverImage")]: "ghcr.io/x/y:1" }, ["mcp-anywhere:serverImage"]],
    [
      "http with neither command nor image",
      { [k("serverMode")]: "http" },
      ["mcp-anywhere:serverMode=http", "mcp-anywhere:serverCommand", "mcp-anywhere:serverImage"],
    ],
    [
      "http with both command and image",
      { ...SIDECAR, [k("serverCommand")]: '["my-server"]' },
      ["mcp-anywhere:serverCommand", "mcp-anywhere:serverImage"],
    ],
    [
      "a command with builtin",
      { [k("serverCommand")]: '["my-server"]' },
      ["mcp-anywhere:serverCommand", "mcp-anywhere:serverMode=builtin"],
    ],
    ["python with builtin", { [k("serverRuntime")]: "python" }, ["mcp-anywhere:serverRuntime", "python"]],
    [
      "a workspace with builtin",
      { [k("serverWorkspace")]: "/workspace" },
      ["mcp-anywhere:serverWorkspace", "/workspace"],
    ],
    [
      "a variable set twice",
      { ...STDIO, [k("serverEnv")]: '["A=1","A=2"]' },
      ["mcp-anywhere:serverEnv", "sets A twice"],
    ],
    [
      "fargateEfs without a workspace",
      { ...STDIO, [k("fargateEfs")]: "true" },
      ["mcp-anywhere:fargateEfs", "serverWorkspace"],
    ],
    [
      "a sidecar image on lambda",
      { ...SIDECAR, [k("target")]: "lambda", [k("serverStateful")]: "false" },
      ["mcp-anywhere:serverImage", "lambda"],
    ],
    [
      "a stateful stdio server on lambda (the default serverStateful=true)",
      { ...STDIO, [k("target")]: "lambda" },
      ["mcp-anywhere:serverStateful", "lambda"],
    ],
    [
      "a stateful in-container http server on lambda",
      { [k("serverMode")]: "http", [k("serverCommand")]: '["my-server"]', [k("target")]: "lambda" },
      ["mcp-anywhere:serverStateful", "serverMode=http"],
    ],
    ["an unknown mode", { [k("serverMode")]: "grpc" }, ['mcp-anywhere:serverMode="grpc"', "builtin, stdio, http"]],
    ["an unknown runtime", { ...STDIO, [k("serverRuntime")]: "ruby" }, ['mcp-anywhere:serverRuntime="ruby"']],
    ["a public upstream URL", { ...SIDECAR, [k("serverUrl")]: "https://example.com/mcp" }, ["mcp-anywhere:serverUrl"]],
  ];
  for (const [what, raw, parts] of refusals) {
    it(`refuses ${what}, naming the key`, () => {
      const message = error(raw);
      for (const part of parts) expect(message).to.include(part);
    });
  }

  it("never echoes a serverEnv value in an error", () => {
    const message = error({ ...STDIO, [k("serverEnv")]: '["A=tok-9f8e7d6c5b4a3928","A=tok-9f8e7d6c5b4a3928"]' });
    expect(message).to.include("mcp-anywhere:serverEnv");
    expect(message).not.to.include("tok-9f8e7d6c5b4a3928");
  });

  it("accepts a stateless stdio server on lambda", () => {
    const c = parse({ ...STDIO, [k("target")]: "lambda", [k("serverStateful")]: "false" });
    expect(c.upstream).to.deep.include({ mode: "stdio", stateful: false });
  });

  describe("warnings", () => {
    const warningsOf = (raw: RawConfig) => parse(raw).warnings;
    it("a stateful server on cloudrun with several instances names cloudrunMaxInstances", () => {
      const w = warningsOf({ ...STDIO, [k("target")]: "cloudrun", "gcp:project": GCP_PROJECT });
      expect(w.join("\n")).to.include("mcp-anywhere:serverStateful=true on cloudrun");
      expect(w.join("\n")).to.include("mcp-anywhere:cloudrunMaxInstances=1");
      const one = warningsOf({
        ...STDIO,
        [k("target")]: "cloudrun",
        "gcp:project": GCP_PROJECT,
        [k("cloudrunMaxInstances")]: "1",
      });
      expect(one.join("\n")).not.to.include("serverStateful");
    });
    it("a stateful server on fargate with several tasks names fargateMaxTasks", () => {
      expect(warningsOf(STDIO).join("\n")).to.include("mcp-anywhere:fargateMaxTasks=3");
      const one = warningsOf({ ...STDIO, [k("fargateMinTasks")]: "1", [k("fargateMaxTasks")]: "1" });
      expect(one.join("\n")).not.to.include("serverStateful");
    });
    it("a workspace on cloudrun, or on fargate without EFS, is ephemeral", () => {
      const cr = warningsOf({
        ...STDIO,
        [k("target")]: "cloudrun",
        "gcp:project": GCP_PROJECT,
        [k("serverWorkspace")]: "/workspace",
      });
      expect(cr.join("\n")).to.include('mcp-anywhere:serverWorkspace="/workspace" on cloudrun is ephemeral');
      const fg = warningsOf({ ...STDIO, [k("serverWorkspace")]: "/workspace" });
      expect(fg.join("\n")).to.include("without mcp-anywhere:fargateEfs=true is ephemeral");
      const efs = warningsOf({ ...STDIO, [k("serverWorkspace")]: "/workspace", [k("fargateEfs")]: "true" });
      expect(efs.join("\n")).not.to.include("ephemeral");
    });
    it("ec2 keeps one copy and a volume: no warning", () => {
      const w = warningsOf({ ...STDIO, [k("target")]: "ec2", [k("serverWorkspace")]: "/workspace" });
      expect(w.filter((x) => x.includes("server"))).to.deep.equal([]);
    });
  });
});
