/** The child's output in our logs is bounded: long lines are cut (never buffered whole), and floods are counted. */
import { PassThrough } from "node:stream";
import { expect } from "chai";
import pino from "pino";
import { logOutputLines, MAX_LINE_CHARS, MAX_LINES_PER_SECOND } from "../../../server/upstream/output-log.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const dest = new PassThrough();
  dest.on("data", (b: Buffer) => {
    for (const l of b.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  return { logger: pino({ level: "info" }, dest), lines };
}
const flush = () => new Promise((r) => setImmediate(r));

describe("upstream output in the logs", () => {
  it("cuts a line far longer than the cap, in many chunks, without a partial key at the cut", async () => {
    const { logger, lines } = capture();
    const out = new PassThrough();
    logOutputLines(out, { logger, stream: "stderr", isKey: () => false });
    const key = "K".repeat(40);
    out.write(`${"a ".repeat((MAX_LINE_CHARS - 10) / 2)}${key}`);
    for (let i = 0; i < 1000; i++) out.write("x".repeat(10_000)); // 10 MB with no newline
    out.write("\nnext line\n");
    out.end();
    await flush();
    await flush();
    const logged = lines.map((l) => l.line as string);
    expect(logged).to.have.length(2);
    expect(logged[0]?.length).to.be.at.most(MAX_LINE_CHARS + 1);
    expect(logged[0]).to.not.include("KKKK");
    expect(logged[1]).to.equal("next line");
  });

  it("logs at most MAX_LINES_PER_SECOND lines a second and reports the rest as dropped", async () => {
    const { logger, lines } = capture();
    const out = new PassThrough();
    let t = 0;
    logOutputLines(out, { logger, stream: "stdout", isKey: () => false, now: () => t });
    out.write(`${Array.from({ length: MAX_LINES_PER_SECOND + 50 }, (_, i) => `line ${i}`).join("\n")}\n`);
    await flush();
    t = 1500;
    out.write("after a second\n");
    out.end();
    await flush();
    await flush();
    const info = lines.filter((l) => l.msg === "upstream output");
    const warn = lines.find((l) => l.msg === "upstream output dropped");
    expect(info).to.have.length(MAX_LINES_PER_SECOND + 1);
    expect(warn?.dropped).to.equal(50);
    expect(info.at(-1)?.line).to.equal("after a second");
  });

  it("redacts a known key and keeps a line split across chunks whole", async () => {
    const { logger, lines } = capture();
    const out = new PassThrough();
    const key = "abcdefghijklmnopqrstuvwxyz0123456789ABCD";
    logOutputLines(out, { logger, stream: "stderr", isKey: (c) => c === key });
    out.write("token=abcdefghijklmnopqrst");
    out.write("uvwxyz0123456789ABCD done\n");
    out.end();
    await flush();
    await flush();
    expect(lines.map((l) => l.line)).to.deep.equal(["token=[REDACTED] done"]);
  });
});
