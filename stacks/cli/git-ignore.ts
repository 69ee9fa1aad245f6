/**
 * Keeps files that hold an API key out of git: when a file lies inside a git work tree and git would not already
 * ignore it, its path is appended to the .gitignore at the work tree's root (created if missing).
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

/** The work tree holding `path`: the nearest directory upwards with a `.git` entry (a directory, or a file for
 * worktrees and submodules, https://git-scm.com/docs/gitrepository-layout). Undefined outside any work tree. */
export function workTreeOf(path: string): string | undefined {
  let dir = dirname(path);
  for (;;) {
    if (existsSync(join(dir, ".git"))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * Whether git ignores `path` (`git check-ignore -q`: exit 0 ignored, 1 not ignored,
 * https://git-scm.com/docs/git-check-ignore). Without git, an exact `/relative/path` or `relative/path` line in the
 * root .gitignore counts.
 */
function ignored(root: string, rel: string): boolean {
  const run = spawnSync("git", ["check-ignore", "-q", "--no-index", rel], { cwd: root, stdio: "ignore" });
  if (run.status === 0) return true;
  if (run.status === 1) return false;
  const gitignore = join(root, ".gitignore");
  if (!existsSync(gitignore)) return false;
  const lines = readFileSync(gitignore, "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim());
  return lines.includes(rel) || lines.includes(`/${rel}`);
}

/**
 * Appends each path that git would not ignore to its work tree's root .gitignore, as `/relative/path`.
 * @param paths - absolute paths, all in the same work tree (a file and its `.bak`).
 * @returns the .gitignore and the entries added, or undefined when nothing was needed (outside a work tree, or all
 *   already ignored).
 */
export function ignoreInGit(paths: string[]): { gitignore: string; entries: string[] } | undefined {
  const first = paths[0];
  const root = first ? workTreeOf(first) : undefined;
  if (!root) return undefined;
  const entries = paths
    .map((p) => relative(root, p).split(sep).join("/"))
    .filter((rel) => !ignored(root, rel))
    .map((rel) => `/${rel}`);
  if (entries.length === 0) return undefined;
  const gitignore = join(root, ".gitignore");
  const existing = existsSync(gitignore) ? readFileSync(gitignore, "utf8") : "";
  const lead = existing === "" || existing.endsWith("\n") ? "" : "\n";
  appendFileSync(
    gitignore,
    `${lead}# mcp-anywhere: client config holding an API key (npm run connect --embed-key)\n${entries.join("\n")}\n`,
  );
  return { gitignore, entries };
}
