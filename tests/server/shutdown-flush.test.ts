/** Shutdown finishes even when the span flush fails (an unreachable collector): never a hung process. */
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import { expect } from "chai";
import { logLines } from "../helpers/secrets.js";
import { startTestServer } from "../helpers/server.js";

const KEY = "shutdown-flush-key-0123456789abcdef";

/** An exporter whose flush and shutdown fail, as an unreachable collector's can. */
class FailingExporter extends InMemorySpanExporter {
  override forceFlush(): Promise<void> {
    return Promise.reject(new Error("collector unreachable"));
  }
  override shutdown(): Promise<void> {
    return Promise.reject(new Error("collector unreachable"));
  }
}

describe("shutdown with a failing span flush", () => {
  it("resolves close() and logs `stopped` when the exporter's flush and shutdown reject", async () => {
    const srv = await startTestServer({ MCP_API_KEYS: KEY, MCP_SHUTDOWN_GRACE_MS: "500" }, undefined, {
      spanExporter: new FailingExporter(),
    });
    const before = logLines.length;
    const outcome = await Promise.race([
      srv.close().then(() => "closed"),
      new Promise((resolve) => setTimeout(() => resolve("hung"), 5000)),
    ]);
    expect(outcome).to.equal("closed");
    const lines = logLines.slice(before).join("\n");
    expect(lines).to.include('"msg":"stopped"');
  });
});
