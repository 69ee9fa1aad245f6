/**
 * `npm run connect -- --stack S` for a dockerhost stack with a local CA (dockerhostTls=localca): the stack's
 * `details.caCertificate` output makes connect say how clients trust that CA (NODE_EXTRA_CA_CERTS for Node clients);
 * a stack without one gets no such note. The NODE_EXTRA_CA_CERTS instruction itself is run for real against the
 * deployed edge in tests/dockerhost/ssh-host.test.ts.
 */
import { expect } from "chai";
import { connect } from "../../stacks/cli/connect-cli.js";
import type { StackOutputs } from "../../stacks/cli/sources.js";

const CA = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";

async function run(outputs: StackOutputs) {
  let out = "";
  let err = "";
  await connect(["--client", "kiro", "--stack", "lan"], {
    out: (t: string) => {
      out += t;
    },
    err: (t: string) => {
      err += t;
    },
    pathEnv: { home: "/nonexistent-home", cwd: "/nonexistent-cwd", platform: "linux" },
    deps: { outputs: () => outputs, env: {} },
  } as unknown as Parameters<typeof connect>[1]);
  return { out, err };
}

describe("npm run connect: a dockerhost stack with a local CA", () => {
  it("says how to save the CA and trust it with NODE_EXTRA_CA_CERTS", async () => {
    const { out, err } = await run({ url: "https://192.168.1.20/mcp", apiKeyParameterNames: [], caCertificate: CA });
    expect(out).to.include("https://192.168.1.20/mcp");
    expect(err).to.include("local CA (dockerhostTls=localca)");
    expect(err).to.include("pulumi stack output --stack lan --json details");
    expect(err).to.include("NODE_EXTRA_CA_CERTS=$PWD/mcp-anywhere-ca.pem");
  });

  it("prints no CA note for a stack without one", async () => {
    const { err } = await run({ url: "https://mcp.example.com/mcp", apiKeyParameterNames: [] });
    expect(err).not.to.include("NODE_EXTRA_CA_CERTS");
  });
});
