/**
 * Plays a Dockerfile without a Docker engine: each stage gets a directory standing for its root file system; COPY
 * honours .dockerignore and fails on a missing source, as `docker build` does; RUN executes the same shell commands in
 * the stage's WORKDIR with its ENV; COPY --from=<stage> reads the earlier stage's directory. COPY --from=<image> from
 * an external image cannot be fetched here and is recorded instead, and so is a COPY --from=<stage> whose stage is an
 * external image (`FROM <image> AS name`) and holds nothing here. `FROM <earlier stage>` starts from a copy of that
 * stage (files, ENV, USER, WORKDIR, CMD, HEALTHCHECK); `${ARG}` in FROM takes the global ARG's default or `buildArgs`.
 * ENV values that are absolute paths under the stage's WORKDIR are mapped into the stage directory when RUN or CMD
 * execute. What it cannot check: base-image contents, file ownership (COPY --chown, USER for RUN).
 */
import { execSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, posix, relative } from "node:path";
import { type Copy, DockerfileParser, type Healthcheck, type Instruction, type JSONInstruction } from "dockerfile-ast";

// The package is CommonJS (`module.exports = factory`) while its typings declare a default export.
const ignore = createRequire(import.meta.url)("@balena/dockerignore") as typeof import("@balena/dockerignore").default;

export interface StageResult {
  name: string;
  /** What FROM named after ARG expansion: an external image or an earlier stage's name. */
  from: string;
  /** Host directory standing for the stage's `/`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  cmd: string[] | undefined;
  healthcheck: string[] | undefined;
  externalCopies: string[];
}

export class DockerfileSimError extends Error {}

/** The stage's ENV as the host sees it: absolute paths under WORKDIR point into the stage directory. */
export function hostEnv(stage: StageResult): Record<string, string> {
  const out: Record<string, string> = {};
  const prefix = stage.workdir.endsWith("/") ? stage.workdir : `${stage.workdir}/`;
  for (const [k, v] of Object.entries(stage.env)) {
    out[k] = stage.workdir !== "/" && (v === stage.workdir || v.startsWith(prefix)) ? join(stage.root, v) : v;
  }
  return out;
}

function flag(ins: Instruction, name: string): string | undefined {
  const f = (ins as Copy).getFlags?.().find((x) => x.getName() === name);
  return f?.getValue() ?? undefined;
}

function jsonArgs(ins: Instruction): string[] | undefined {
  const strings = (ins as JSONInstruction).getJSONStrings?.();
  return strings && strings.length > 0 ? strings.map((s) => s.getJSONValue()) : undefined;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(dir, f)).isFile());
}

/**
 * @param dockerfile - the Dockerfile's text.
 * @param context - the build context directory (where .dockerignore is read).
 * @param work - an empty scratch directory.
 * @param buildArgs - `--build-arg` values for the global ARGs (those before the first FROM).
 * @returns every stage the last one needs (as BuildKit, others are not built), last one being the image.
 * @throws {DockerfileSimError} on a missing or ignored COPY source, a failing RUN, or an unknown stage.
 */
export function simulateDockerBuild(
  dockerfile: string,
  context: string,
  work: string,
  buildArgs: Record<string, string> = {},
): StageResult[] {
  const globalArgs: Record<string, string> = {};
  const expand = (text: string) =>
    text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, n: string) => buildArgs[n] ?? globalArgs[n] ?? m);
  const ignorePath = join(context, ".dockerignore");
  const ig = ignore().add(existsSync(ignorePath) ? readFileSync(ignorePath, "utf8") : "");
  const stages: StageResult[] = [];
  let stage: StageResult | undefined;
  const inImage = (p: string) =>
    join(stage?.root ?? "", posix.isAbsolute(p) ? p : posix.join(stage?.workdir ?? "/", p));
  const instructions = DockerfileParser.parse(dockerfile).getInstructions();
  const needed = neededStages(instructions, expand);
  let skipping = false;
  let fromCount = 0;

  for (const ins of instructions) {
    const keyword = ins.getKeyword();
    const content = ins.getArgumentsContent() ?? "";
    if (keyword === "FROM") {
      const name = (ins as unknown as { getBuildStage(): string | null }).getBuildStage() ?? `stage${fromCount}`;
      fromCount += 1;
      // As BuildKit: a stage the final one neither starts from nor copies from (directly or not) is not built.
      skipping = !needed.has(name);
      if (skipping) continue;
      const from = expand(
        ins
          .getArguments()
          .map((a) => a.getValue())
          .find((a) => !a.startsWith("--")) ?? "",
      );
      const parent = stages.find((s) => s.name === from);
      stage = {
        name,
        from,
        root: join(work, name),
        workdir: parent?.workdir ?? "/",
        env: { ...parent?.env },
        user: parent?.user,
        cmd: parent?.cmd,
        healthcheck: parent?.healthcheck,
        externalCopies: [...(parent?.externalCopies ?? [])],
      };
      mkdirSync(stage.root, { recursive: true });
      if (parent) cpSync(parent.root, stage.root, { recursive: true });
      stages.push(stage);
      continue;
    }
    if (skipping) continue;
    if (!stage) {
      if (keyword === "ARG") {
        const [k, v] = content.trim().split(/=(.*)/s);
        if (k) globalArgs[k] = v ?? "";
        continue;
      }
      throw new DockerfileSimError(`${keyword} before FROM`);
    }
    switch (keyword) {
      case "WORKDIR":
        stage.workdir = posix.resolve(stage.workdir, content.trim());
        mkdirSync(inImage("."), { recursive: true });
        break;
      case "ENV":
        for (const p of (
          ins as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }
        ).getProperties()) {
          stage.env[p.getName()] = p.getValue() ?? "";
        }
        break;
      case "USER":
        stage.user = content.trim();
        break;
      case "CMD":
        stage.cmd = jsonArgs(ins);
        if (!stage.cmd) throw new DockerfileSimError("CMD must use the exec (JSON) form, so signals reach node");
        break;
      case "HEALTHCHECK": {
        const m = /CMD\s+(\[[\s\S]*\])\s*$/.exec(content);
        stage.healthcheck = m?.[1] ? (JSON.parse(m[1]) as string[]) : undefined;
        void (ins as Healthcheck);
        break;
      }
      case "RUN": {
        try {
          execSync(content, {
            cwd: inImage("."),
            env: { ...process.env, ...hostEnv(stage) },
            stdio: ["ignore", "pipe", "pipe"],
            shell: "/bin/sh",
            timeout: 600_000,
          });
        } catch (err) {
          const e = err as { stderr?: Buffer; stdout?: Buffer };
          throw new DockerfileSimError(`RUN ${content} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
        }
        break;
      }
      case "COPY":
      case "ADD": {
        const args = ins
          .getArguments()
          .map((a) => a.getValue())
          .filter((a) => !a.startsWith("--"));
        const dest = args.pop();
        if (!dest || args.length === 0)
          throw new DockerfileSimError(`${keyword} ${content}: needs a source and a dest`);
        const from = flag(ins, "from");
        const fromStage = from === undefined ? undefined : stages.find((s) => s.name === from);
        const imageStage =
          fromStage && !stages.some((s) => s.name === fromStage.from) && listFiles(fromStage.root).length === 0;
        if (from !== undefined && (!fromStage || imageStage)) {
          stage.externalCopies.push(`${imageStage ? fromStage?.from : from} ${args.join(" ")} -> ${dest}`);
          break;
        }
        const destPath = inImage(dest);
        const intoDir = dest.endsWith("/") || args.length > 1;
        for (const src of args) {
          const srcPath = fromStage ? join(fromStage.root, src) : join(context, src);
          if (!fromStage && (isAbsolute(src) || relative(context, srcPath).startsWith(".."))) {
            throw new DockerfileSimError(`${keyword} ${src}: outside the build context`);
          }
          if (!existsSync(srcPath)) {
            throw new DockerfileSimError(
              `${keyword} ${src}: not found${fromStage ? ` in stage ${from}` : " in the context"}`,
            );
          }
          const target = intoDir ? join(destPath, src.split("/").pop() ?? src) : destPath;
          if (statSync(srcPath).isDirectory()) {
            const files = listFiles(srcPath).filter((f) => fromStage || !ig.ignores(posix.join(src, f)));
            if (files.length === 0 && !fromStage)
              throw new DockerfileSimError(`${keyword} ${src}: every file is excluded`);
            mkdirSync(destPath, { recursive: true });
            for (const f of files) {
              mkdirSync(dirname(join(destPath, f)), { recursive: true });
              cpSync(join(srcPath, f), join(destPath, f));
            }
          } else {
            if (!fromStage && ig.ignores(src))
              throw new DockerfileSimError(`${keyword} ${src}: excluded by .dockerignore`);
            mkdirSync(dirname(target), { recursive: true });
            cpSync(srcPath, target);
          }
        }
        break;
      }
      default:
        break;
    }
  }
  if (stages.length === 0) throw new DockerfileSimError("no FROM");
  return stages;
}

/**
 * The stages the last stage needs, by name: itself, the stage its FROM names and every stage a `COPY --from` names,
 * transitively (BuildKit builds only these; e.g. server/Dockerfile's `lang-python` only with MCP_RUNTIME=python).
 * Unnamed stages are `stage<N>`, as in {@link simulateDockerBuild}. Global ARGs must be known to `expand` for FROM
 * lines that use them; they are read here in the same first pass.
 */
function neededStages(instructions: Instruction[], expand: (text: string) => string): Set<string> {
  const deps = new Map<string, string[]>();
  let current: string | undefined;
  let last: string | undefined;
  let count = 0;
  const globals: Record<string, string> = {};
  const expandAll = (t: string) =>
    expand(t).replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, n: string) => globals[n] ?? m);
  for (const ins of instructions) {
    const keyword = ins.getKeyword();
    if (keyword === "ARG" && current === undefined) {
      const [k, v] = (ins.getArgumentsContent() ?? "").trim().split(/=(.*)/s);
      if (k) globals[k] = v ?? "";
    } else if (keyword === "FROM") {
      current = (ins as unknown as { getBuildStage(): string | null }).getBuildStage() ?? `stage${count}`;
      count += 1;
      last = current;
      const from = expandAll(
        ins
          .getArguments()
          .map((a) => a.getValue())
          .find((a) => !a.startsWith("--")) ?? "",
      );
      deps.set(current, [from]);
    } else if (current !== undefined && (keyword === "COPY" || keyword === "ADD")) {
      const from = flag(ins, "from");
      if (from !== undefined) deps.get(current)?.push(expandAll(from));
    }
  }
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name) || !deps.has(name)) return;
    needed.add(name);
    for (const d of deps.get(name) ?? []) visit(d);
  };
  if (last !== undefined) visit(last);
  return needed;
}
