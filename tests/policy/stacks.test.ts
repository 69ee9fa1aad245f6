/**
 * The policy pack over every mock-synthesized stack: each target and variant, on the dev and the prod stack files, must
 * have no mandatory violation. The same policy objects run under `pulumi up --policy-pack infra/policy`.
 */
import { expect } from "chai";
import { runStack, stackFileConfig } from "../helpers/run-stack.js";
import { mandatory, runPolicies, stackInputs, VARIANTS } from "./harness.js";

describe("policy pack over every synthesized stack", function () {
  this.timeout(120_000);
  for (const stack of ["dev", "prod"]) {
    for (const [variant, overrides] of Object.entries(VARIANTS)) {
      it(`${stack}, ${variant}: no mandatory violation`, async () => {
        const run = await runStack(stack, overrides);
        const inputs = await stackInputs(run, stack, { ...stackFileConfig(stack), ...overrides });
        // The run is real: the policies saw the target's resources.
        expect(inputs.length).to.be.greaterThan(10);
        expect(mandatory(await runPolicies(inputs))).to.deep.equal([]);
      });
    }
  }

  it("a lambda stack that opts into the API Gateway account setting violates until the policy config allows it", async () => {
    const overrides = { "mcp-anywhere:target": "lambda", "mcp-anywhere:lambdaManageApiGatewayAccount": "true" };
    const run = await runStack("dev", overrides);
    const inputs = await stackInputs(run, "dev", { ...stackFileConfig("dev"), ...overrides });
    const found = mandatory(await runPolicies(inputs));
    expect(found).to.have.length(1);
    expect(found[0]).to.match(/^apigateway-account-opt-in: /);
    const allowed = { "apigateway-account-opt-in": { allowApiGatewayAccount: true } };
    expect(mandatory(await runPolicies(inputs, allowed))).to.deep.equal([]);
  });
});
