/**
 * The config-key rule (policy `config-keys-readable`) over hand-made project and stack files, and over this project's
 * Pulumi.yaml and stack files from a copy of the project directory.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  checkConfigFiles,
  configKeysReadable,
  DEFAULT_PROJECT_DIR,
  readProjectFiles,
} from "../../infra/policy/config.js";
import { runPolicies } from "./harness.js";

const PROJECT = `name: p\nruntime: nodejs\nconfig:\n  target:\n    type: string\n  ec2AllowedCidrs:\n    type: array\n`;

describe("policy config-keys-readable", () => {
  it("passes this project's Pulumi.yaml and every Pulumi.<stack>.yaml", () => {
    const files = readProjectFiles(DEFAULT_PROJECT_DIR);
    expect(files, "Pulumi.yaml at the project root").to.not.equal(undefined);
    expect(Object.keys(files?.stackFiles ?? {})).to.include.members(["Pulumi.dev.yaml", "Pulumi.prod.yaml"]);
    expect(checkConfigFiles(files?.projectYaml ?? "", files?.stackFiles ?? {})).to.deep.equal([]);
  });

  it("reads the stack files of stacks whose names have dots, and not Pulumi.yaml as a stack file", () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-policy-files-"));
    try {
      writeFileSync(join(dir, "Pulumi.yaml"), PROJECT);
      writeFileSync(join(dir, "Pulumi.team.dev.yaml"), "config:\n  p:ec2.allowedCidrs: '[]'\n");
      const files = readProjectFiles(dir);
      expect(Object.keys(files?.stackFiles ?? {})).to.deep.equal(["Pulumi.team.dev.yaml"]);
      expect(checkConfigFiles(files?.projectYaml ?? "", files?.stackFiles ?? {})[0]).to.include(
        "Pulumi.team.dev.yaml: config key p:ec2.allowedCidrs has a dot",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails a dotted declared key (pulumi/pulumi#21219)", () => {
    const problems = checkConfigFiles(`${PROJECT}  ec2.sshCidr:\n    type: string\n`, {});
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include("p:ec2.sshCidr").and.include("21219");
  });

  it("fails a stack-file key the project does not declare, and a nested object written with --path", () => {
    const stack =
      "config:\n  p:target: ec2\n  p:ec2AllowedCidr: 10.0.0.0/8\n  p:ec2:\n    allowedCidrs: [10.0.0.0/8]\n  aws:region: us-east-1\n";
    const problems = checkConfigFiles(PROJECT, { "Pulumi.dev.yaml": stack });
    expect(problems).to.have.length(2);
    expect(problems[0]).to.include("p:ec2AllowedCidr ").and.include("not declared");
    expect(problems[1]).to.include("p:ec2 ").and.include("not declared");
  });

  it("fails a dotted stack-file key", () => {
    const problems = checkConfigFiles(PROJECT, { "Pulumi.dev.yaml": "config:\n  p:ec2.allowedCidrs: '[]'\n" });
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include("has a dot");
  });

  it("the stack policy reads the files from its projectDir: a broken copy of this project fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-config-"));
    try {
      cpSync(join(DEFAULT_PROJECT_DIR, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
      const dev = readFileSync(join(DEFAULT_PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
      writeFileSync(join(dir, "Pulumi.dev.yaml"), `${dev}  mcp-anywhere:lambda.streaming: "true"\n`);
      const found = await runPolicies([], { [configKeysReadable.name]: { projectDir: dir } }, [configKeysReadable]);
      expect(found.map((v) => v.message)).to.have.length(1);
      expect(found[0]?.message).to.include("mcp-anywhere:lambda.streaming");
      expect(found[0]?.level).to.equal("mandatory");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
