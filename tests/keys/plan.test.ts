/** The pure part of `npm run keys`: argument parsing and the config change of each command. */
import { expect } from "chai";
import {
  fetchCommand,
  KeysUsageError,
  parseConfigList,
  parseKeysArgs,
  planKeys,
  rotationId,
  setIdsJson,
} from "../../stacks/cli/keys.js";
import { CONFIG_SCHEMA } from "../../stacks/config-schema.js";

const DAY = new Date("2026-03-07T23:59:00Z");

describe("npm run keys: config transformation (pure)", () => {
  describe("planKeys", () => {
    const cfg = (ids: string[], parameterNames: string[] = []) => ({ ids, parameterNames });

    it("add appends the id; rotate appends a dated id; list changes nothing", () => {
      expect(planKeys(cfg(["default"]), { action: "add", id: "alice" }, DAY)).to.deep.equal({
        ids: ["default", "alice"],
        added: "alice",
      });
      expect(planKeys(cfg(["default"]), { action: "rotate" }, DAY)).to.deep.equal({
        ids: ["default", "key-20260307"],
        added: "key-20260307",
      });
      expect(planKeys(cfg(["default"]), { action: "list" }, DAY)).to.deep.equal({ ids: undefined });
    });

    it("remove drops the id, keeping the order of the others", () => {
      expect(planKeys(cfg(["a", "b", "c"]), { action: "remove", id: "b" }, DAY)).to.deep.equal({
        ids: ["a", "c"],
        removed: "b",
      });
    });

    it("removing the last generated key is allowed only when an existing parameter remains", () => {
      expect(planKeys(cfg(["a"], ["/team/k"]), { action: "remove", id: "a" }, DAY).ids).to.deep.equal([]);
      expect(() => planKeys(cfg(["a"]), { action: "remove", id: "a" }, DAY)).to.throw(
        KeysUsageError,
        /remove a: refused, it is the stack's last key/,
      );
    });

    it("refuses add of a listed id and remove of an unknown id, naming them", () => {
      expect(() => planKeys(cfg(["a"]), { action: "add", id: "a" }, DAY)).to.throw(/add a: the stack already has/);
      expect(() => planKeys(cfg(["a"]), { action: "remove", id: "z" }, DAY)).to.throw(
        /remove z: not a key of this stack; ids: a/,
      );
    });
  });

  it("rotationId: key-YYYYMMDD in UTC, then -2, -3 when taken", () => {
    expect(rotationId([], DAY)).to.equal("key-20260307");
    expect(rotationId(["key-20260307"], DAY)).to.equal("key-20260307-2");
    expect(rotationId(["key-20260307", "key-20260307-2"], DAY)).to.equal("key-20260307-3");
    expect(rotationId([], new Date("2026-03-08T08:00:00+09:00"))).to.equal("key-20260307");
  });

  describe("parseKeysArgs", () => {
    it("reads the command, --stack and the up mode", () => {
      expect(parseKeysArgs(["list"])).to.deep.equal({ command: { action: "list" }, stack: undefined, up: "ask" });
      expect(parseKeysArgs(["add", "ci", "--stack", "acme/mcp/prod", "--yes"])).to.deep.equal({
        command: { action: "add", id: "ci" },
        stack: "acme/mcp/prod",
        up: "yes",
      });
      expect(parseKeysArgs(["remove", "default", "--no-up"]).up).to.equal("no");
    });

    it("throws KeysUsageError naming the flag or value", () => {
      const cases: [string[], RegExp][] = [
        [[], /a command is missing/],
        [["add", "a b"], /add "a b": the key id is invalid/],
        [["add", "x".repeat(65)], /the key id is invalid/],
        [["rotate", "x"], /rotate takes no id, got "x"/],
        [["add", "a", "b"], /unexpected argument "b"/],
        [["list", "--stack", "bad stack"], /--stack "bad stack" is invalid/],
        [["list", "--yes", "--no-up"], /--yes and --no-up go alone/],
      ];
      for (const [argv, re] of cases) expect(() => parseKeysArgs(argv), argv.join(" ")).to.throw(KeysUsageError, re);
    });
  });

  describe("pulumi config I/O", () => {
    it("parses `pulumi config get --json` for structured and string values, and falls back when unset", () => {
      const key = "mcp-anywhere:apiKeyIds";
      expect(
        parseConfigList(
          key,
          '{"value":"[\\"a\\"]","objectValue":["a"],"secret":false}',
          ["d"],
          CONFIG_SCHEMA.apiKeyIds,
        ),
      ).to.deep.equal(["a"]);
      expect(
        parseConfigList(key, '{"value":"[\\"a\\",\\"b\\"]","secret":false}', ["d"], CONFIG_SCHEMA.apiKeyIds),
      ).to.deep.equal(["a", "b"]);
      expect(parseConfigList(key, undefined, ["default"], CONFIG_SCHEMA.apiKeyIds)).to.deep.equal(["default"]);
      expect(() => parseConfigList(key, '{"value":"nope"}', [], CONFIG_SCHEMA.apiKeyIds)).to.throw(
        /could not read the value/,
      );
      expect(() => parseConfigList(key, '{"objectValue":[1]}', [], CONFIG_SCHEMA.apiKeyIds)).to.throw(
        /mcp-anywhere:apiKeyIds=\[1\] is invalid; allowed: a list of distinct key ids/,
      );
    });

    it("validates with the program's config schema: one rule for names and ids (SSM names: 2011 characters after the leading /)", () => {
      const names = "mcp-anywhere:apiKeyParameterNames";
      const json = (list: unknown) => JSON.stringify({ objectValue: list });
      const long = `/${"a".repeat(2012)}`;
      expect(parseConfigList(names, json(["/team/alice"]), [], CONFIG_SCHEMA.apiKeyParameterNames)).to.deep.equal([
        "/team/alice",
      ]);
      // 2048 characters passed the CLI's old private rule; the schema (and so `pulumi up`) refuses it.
      expect(() => parseConfigList(names, json([long]), [], CONFIG_SCHEMA.apiKeyParameterNames)).to.throw(
        KeysUsageError,
        /apiKeyParameterNames=.* is invalid; allowed: a list of distinct SSM parameter names/,
      );
      expect(() => parseConfigList(names, json(["/a", "/a"]), [], CONFIG_SCHEMA.apiKeyParameterNames)).to.throw(
        KeysUsageError,
      );
      expect(() =>
        parseConfigList("mcp-anywhere:apiKeyIds", json(["a".repeat(65)]), [], CONFIG_SCHEMA.apiKeyIds),
      ).to.throw(KeysUsageError);
    });

    it("writes the ids as a list in `pulumi config --json` shape (the key is declared type: array)", () => {
      expect(JSON.parse(setIdsJson(["default", "k"]))).to.deep.equal({
        "mcp-anywhere:apiKeyIds": { value: '["default","k"]', objectValue: ["default", "k"], secret: false },
      });
      expect(JSON.parse(setIdsJson([]))["mcp-anywhere:apiKeyIds"].objectValue).to.deep.equal([]);
    });

    it("prints the fetch command with the stack's region when known", () => {
      expect(fetchCommand("dev", "k", "us-east-1")).to.equal(
        "aws ssm get-parameter --name /mcp-anywhere/dev/api-keys/k --with-decryption --query Parameter.Value --output text --region us-east-1",
      );
      expect(fetchCommand("dev", "k", undefined)).not.to.include("--region");
    });
  });
});
