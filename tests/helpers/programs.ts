/**
 * The skip rule for tests that run system programs (nginx, cloud-init, docker-compose, openssl, python3, xmllint,
 * pebble, faketime; a Docker engine through tests/helpers/docker-engine.ts).
 *
 * - On a machine with only Node and npm, `npm test` must pass: a test whose program is missing is skipped with mocha's
 *   `this.skip()` and one console line naming the program and how to get it (`.ci/run` installs them all, or the
 *   `apt-get install` command of the Debian package).
 * - Under `CI=true` (`.ci/run` sets it; GitHub Actions does too) nothing may skip: the same message fails the test.
 *
 * Use it first thing in a `before` hook (the whole suite needs the program) or in an `it` (only that test does):
 * `before(function () { requireProgram(this, "nginx"); … })`. Arrow functions have no mocha context: use `function`.
 */
import { spawnSync } from "node:child_process";

/** How to check that a program runs, and the Debian package that provides it. */
export interface ProgramSpec {
  /** Arguments of a cheap command that exits 0 when the program works (e.g. `["-v"]` for nginx). */
  versionArgs: string[];
  /** Debian/Ubuntu package name for the install hint (`sudo apt-get install <apt>`). */
  apt: string;
}

/**
 * The programs the tests run, with the same packages `.ci/run` installs. Version arguments were checked on Debian 12:
 * each exits 0 (pebble has no version flag: `-version` exits 2, `-h` exits 0).
 */
export const PROGRAMS = {
  nginx: { versionArgs: ["-v"], apt: "nginx" },
  "cloud-init": { versionArgs: ["--version"], apt: "cloud-init" },
  "docker-compose": { versionArgs: ["version"], apt: "docker-compose" },
  openssl: { versionArgs: ["version"], apt: "openssl" },
  python3: { versionArgs: ["--version"], apt: "python3" },
  xmllint: { versionArgs: ["--version"], apt: "libxml2-utils" },
  pebble: { versionArgs: ["-h"], apt: "pebble" },
  faketime: { versionArgs: ["--version"], apt: "faketime" },
  // A real SSH server for the dockerhost target's host scripts (tests/dockerhost/); the package brings the ssh client.
  sshd: { versionArgs: ["-V"], apt: "openssh-server" },
  // nftables' own syntax check for the dockerhost firewall rule set.
  nft: { versionArgs: ["--version"], apt: "nftables" },
  // A non-root SSH user with passwordless sudo (the dockerhost target's sshUser other than root).
  sudo: { versionArgs: ["--version"], apt: "sudo" },
} as const satisfies Record<string, ProgramSpec>;

export type ProgramName = keyof typeof PROGRAMS;

/** `CI=true`: missing programs fail instead of skipping. */
export function strictCi(): boolean {
  return process.env.CI === "true";
}

/** The install hint used in every skip/fail message (`apt`: the Debian packages, space-separated). */
export function installHint(apt: string, them = false): string {
  return `.ci/run installs ${them ? "them" : "it"}, or: sudo apt-get install ${apt}`;
}

/** Why a program cannot be used, without the install hint, and its package. */
interface Problem {
  name: string;
  why: string;
  apt: string;
}

const checked = new Map<string, Problem | undefined>();

/** Runs `name versionArgs` once per process (cached) through PATH. @returns the problem, or undefined when it runs. */
function check(name: ProgramName, spec: Partial<ProgramSpec>): Problem | undefined {
  const { versionArgs, apt } = { ...PROGRAMS[name], ...spec };
  const id = `${name}\0${versionArgs.join("\0")}`;
  if (checked.has(id)) return checked.get(id);
  const r = spawnSync(name, versionArgs, { encoding: "utf8", timeout: 20_000 });
  let why: string | undefined;
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    why = code === "ENOENT" ? "not installed (not on PATH)" : `could not run (${r.error.message})`;
  } else if (r.status !== 0) {
    const first = `${r.stderr}${r.stdout}`.trim().split("\n")[0] ?? "";
    why = `broken: \`${name} ${versionArgs.join(" ")}\` exits ${r.status ?? r.signal}${first ? ` (${first})` : ""}`;
  }
  const problem = why === undefined ? undefined : { name, why, apt };
  checked.set(id, problem);
  return problem;
}

/** One message for one or more problems: what is wrong with each program, then one install command for all. */
function describeProblems(problems: Problem[]): string | undefined {
  if (problems.length === 0) return undefined;
  const allMissing = problems.every((p) => p.why === problems[0]?.why);
  const names = problems.map((p) => p.name);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  const what = allMissing
    ? `${list} ${names.length === 1 ? "is" : "are"} ${problems[0]?.why}`
    : problems.map((p) => `${p.name} is ${p.why}`).join("; ");
  return `${what}; ${installHint(problems.map((p) => p.apt).join(" "), problems.length > 1)}`;
}

/**
 * Checks that `name versionArgs` runs (once per process, through PATH).
 * @returns why the program cannot be used (not on PATH, or the check fails) and how to install it, e.g.
 *   "xmllint is not installed (not on PATH); .ci/run installs it, or: sudo apt-get install libxml2-utils"; undefined
 *   when it runs.
 */
export function programMissing(name: ProgramName, spec: Partial<ProgramSpec> = {}): string | undefined {
  const problem = check(name, spec);
  return problem && describeProblems([problem]);
}

/** What a skip line names: the suite for a hook (`before`), the test's title for an `it`. */
function titleOf(ctx: Mocha.Context): string {
  const r = ctx.test;
  if (!r) return "test";
  const isHook = (r as { type?: string }).type === "hook";
  return (isHook ? r.parent?.fullTitle() : r.title) || r.title;
}

/**
 * The shared skip rule. When `missing` is set: under CI=true throws; otherwise prints
 * `      [skipped] <what>: <missing>` and skips (mocha `ctx.skip()`, which throws mocha's Pending to stop the hook/test).
 * @param what - what is skipped, for the line; defaults to the suite (in a hook) or the test's title (in an `it`).
 * @throws {Error} `<what>: CI=true but <missing>` under CI=true.
 */
export function skipUnless(ctx: Mocha.Context, missing: string | undefined, what = titleOf(ctx)): void {
  if (!missing) return;
  if (strictCi()) throw new Error(`${what}: CI=true but ${missing}`);
  console.log(`      [skipped] ${what}: ${missing}`);
  ctx.skip();
}

/**
 * Mocha guard: skips the suite (in `before`) or the test (in `it`) with one console line naming the program and how to
 * install it when `name` does not run; under CI=true fails with the same message instead.
 * @param spec - overrides of {@link PROGRAMS}' version arguments or package.
 * @throws {Error} under CI=true when the program is missing.
 */
export function requireProgram(ctx: Mocha.Context, name: ProgramName, spec: Partial<ProgramSpec> = {}): void {
  skipUnless(ctx, programMissing(name, spec));
}

/** {@link requireProgram} for several programs: one line (or error) naming every missing one and one install command. */
export function requirePrograms(ctx: Mocha.Context, ...names: ProgramName[]): void {
  const problems = names.map((n) => check(n, {})).filter((p): p is Problem => p !== undefined);
  skipUnless(ctx, describeProblems(problems));
}
