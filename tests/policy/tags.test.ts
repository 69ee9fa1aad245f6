/**
 * Stack-wide tagging: the taggable-type lists (infra/policy/taggable.ts) match the provider SDKs' typings for every type
 * a stack creates, and the transform (infra/tags.ts) tags what the components leave untagged, under the mocks.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { AWS_TAGGABLE, GCP_LABELABLE, GCP_LABELS_ARE_CONFIG } from "../../infra/policy/taggable.js";
import { stackTagsTransform } from "../../infra/tags.js";
import { resolve } from "../helpers/pulumi-mocks.js";
import { runStack } from "../helpers/run-stack.js";
import { VARIANTS } from "./harness.js";

const SDKS = fileURLToPath(new URL("../../node_modules/@pulumi/", import.meta.url));

/** Whether the SDK's `<Type>Args` interface for a type token has an optional `field` (`tags` or `labels`). */
function argsHas(type: string, field: string): boolean {
  const m = /^(\w+):([\w]+)\/(\w+):(\w+)$/.exec(type);
  if (!m) throw new Error(`not a type token: ${type}`);
  const [, pkg, mod, file, cls] = m as unknown as [string, string, string, string, string];
  const dir = mod === "index" ? join(SDKS, pkg) : join(SDKS, pkg, mod);
  const name = readdirSync(dir).find((f) => f.toLowerCase() === `${file.toLowerCase()}.d.ts`);
  if (!name) throw new Error(`no typings for ${type} in ${dir}`);
  const text = readFileSync(join(dir, name), "utf8");
  const start = text.indexOf(`export interface ${cls}Args {`);
  if (start < 0) throw new Error(`no ${cls}Args in ${name}`);
  const body = text.slice(start, text.indexOf("\n}", start));
  return new RegExp(`^\\s+${field}\\?:`, "m").test(body);
}

describe("stack-wide tags", function () {
  this.timeout(120_000);

  it("every listed type takes tags (AWS) or labels (GCP), per the SDK typings", () => {
    for (const t of AWS_TAGGABLE) expect(argsHas(t, "tags"), t).to.equal(true);
    for (const t of GCP_LABELABLE) expect(argsHas(t, "labels"), t).to.equal(true);
  });

  it("every AWS/GCP type any variant creates is listed exactly when its Args take tags or labels", async () => {
    const types = new Set<string>();
    for (const overrides of Object.values(VARIANTS))
      for (const r of (await runStack("dev", overrides)).mocks.resources)
        if (/^(aws|gcp):/.test(r.type) && !r.type.startsWith("pulumi:")) types.add(r.type);
    expect(types.size).to.be.greaterThan(40);
    for (const t of types) {
      if (t.startsWith("aws:")) expect(AWS_TAGGABLE.has(t), t).to.equal(argsHas(t, "tags"));
      else expect(GCP_LABELABLE.has(t), t).to.equal(argsHas(t, "labels") && !GCP_LABELS_ARE_CONFIG.has(t));
    }
  });

  it("the transform adds stack and target, keeps a component's own tags, and leaves other types alone", async () => {
    const t = stackTagsTransform({ stack: "Dev", target: "ec2" });
    const base = { custom: true, name: "x", opts: {} };
    const aws = await t({ ...base, type: "aws:ssm/association:Association", props: { name: "d" } });
    expect(aws?.props).to.deep.equal({
      name: "d",
      tags: { "mcp-anywhere:stack": "Dev", "mcp-anywhere:target": "ec2" },
    });
    const own = await t({
      ...base,
      type: "aws:ec2/vpc:Vpc",
      props: { tags: { Name: "n", "mcp-anywhere:target": "x" } },
    });
    expect(own?.props.tags).to.deep.equal({ "mcp-anywhere:stack": "Dev", "mcp-anywhere:target": "x", Name: "n" });
    const gcp = await t({ ...base, type: "gcp:compute/securityPolicy:SecurityPolicy", props: {} });
    expect(gcp?.props.labels).to.deep.equal({ "mcp-anywhere-stack": "dev", "mcp-anywhere-target": "ec2" });
    const later = await t({ ...base, type: "aws:ec2/vpc:Vpc", props: { tags: pulumi.output({ Name: "n" }) } });
    expect((await resolve(later?.props.tags as pulumi.Output<unknown>)).value).to.deep.equal({
      "mcp-anywhere:stack": "Dev",
      "mcp-anywhere:target": "ec2",
      Name: "n",
    });
    expect(await t({ ...base, type: "aws:iam/rolePolicy:RolePolicy", props: {} })).to.equal(undefined);
    expect(await t({ ...base, custom: false, type: "aws:ec2/vpc:Vpc", props: {} })).to.equal(undefined);
  });

  it("under the mocks, resources the components leave untagged get the stack tags (SG rules, SSM association)", async () => {
    const run = await runStack("dev", VARIANTS["ec2 ssh cidr"] ?? {});
    const untaggedByComponents = run.mocks.resources.filter((r) =>
      ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ssm/association:Association"].includes(r.type),
    );
    expect(untaggedByComponents.length).to.be.greaterThan(2);
    for (const r of untaggedByComponents)
      expect(r.inputs.tags, `${r.type} ${r.name}`).to.deep.equal({
        "mcp-anywhere:stack": "dev",
        "mcp-anywhere:target": "ec2",
      });
  });
});
