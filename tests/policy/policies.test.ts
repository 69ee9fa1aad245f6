/** Each policy of the pack fails a hand-made resource that breaks its rule, and passes one that keeps it. */
import { Secret } from "@pulumi/policy";
import { expect } from "chai";
import { configKeysReadable } from "../../infra/policy/config.js";
import { ecrScanOnPush, ecsWaitForSteadyState } from "../../infra/policy/containers.js";
import { ebsEncrypted, ec2Imdsv2, ec2UserDataSize } from "../../infra/policy/ec2.js";
import { TYPES } from "../../infra/policy/lib.js";
import { logRetention } from "../../infra/policy/logs.js";
import { noSshFromInternet } from "../../infra/policy/network.js";
import { policies } from "../../infra/policy/policies.js";
import { apiGatewayKeyAlphanumeric, keyMaterialSecret, keyValuesStayInKeyStores } from "../../infra/policy/secrets.js";
import { apiGatewayAccountOptIn } from "../../infra/policy/singleton.js";
import { stackTags } from "../../infra/policy/tags.js";
import { wafCloudfrontRegion, wafCustomResponseHeaders, wafRateBasedRules } from "../../infra/policy/waf.js";
import { type PolicyInput, resource, runPolicies } from "./harness.js";

type AnyPolicy = (typeof policies)[number];
const messages = async (policy: AnyPolicy, inputs: PolicyInput[], config: Record<string, unknown> = {}) =>
  (await runPolicies(inputs, { [policy.name]: config }, [policy])).map((v) => v.message);

const KEY = "Abcdefghij0123456789KLMNOPqrstuv";
const instance = (extra: Record<string, unknown> = {}) =>
  resource(TYPES.instance, {
    metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
    rootBlockDevice: { encrypted: true },
    userData: "#cloud-config\n",
    ...extra,
  });
const rateAcl = (statement: Record<string, unknown>) =>
  resource(TYPES.wafWebAcl, {
    scope: "REGIONAL",
    rules: [{ name: "r", statement: { rateBasedStatement: statement } }],
  });

describe("policy pack: each policy can fail", () => {
  it("names its source in every policy's description and has unique names", () => {
    for (const p of policies) expect(p.description, p.name).to.match(/https:\/\/\S+|pulumi\/pulumi#\d+/);
    expect(new Set(policies.map((p) => p.name)).size).to.equal(policies.length);
  });

  it("apigateway-account-opt-in: the Account fails by default and passes with allowApiGatewayAccount", async () => {
    const account = [resource(TYPES.apiGatewayAccount, { cloudwatchRoleArn: "arn:aws:iam::1:role/x" })];
    expect(await messages(apiGatewayAccountOptIn, account)).to.have.length(1);
    expect((await messages(apiGatewayAccountOptIn, account))[0]).to.include("aws-resource-apigateway-account.html");
    expect(await messages(apiGatewayAccountOptIn, account, { allowApiGatewayAccount: true })).to.deep.equal([]);
  });

  describe("no-ssh-from-internet", () => {
    const sg = (ingress: unknown[]) => resource(TYPES.securityGroup, { ingress });
    it("fails inline rules and separate rules open on 22 to a /0, over IPv4 and IPv6", async () => {
      const bad = [
        sg([{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }]),
        sg([{ protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }]),
        sg([{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"] }]),
        resource(TYPES.securityGroupIngressRule, {
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrIpv4: "0.0.0.0/0",
        }),
        resource(TYPES.securityGroupIngressRule, { ipProtocol: "-1", cidrIpv6: "::/0" }),
        resource(TYPES.securityGroupRule, {
          type: "ingress",
          protocol: "6",
          fromPort: 20,
          toPort: 30,
          cidrBlocks: ["0.0.0.0/0"],
        }),
      ];
      for (const r of bad) expect(await messages(noSshFromInternet, [r]), JSON.stringify(r.props)).to.have.length(1);
    });
    it("passes SSH from one network, 443 from anywhere, and egress rules", async () => {
      const good = [
        sg([{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.7/32"] }]),
        sg([{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]),
        resource(TYPES.securityGroupIngressRule, {
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrIpv4: "0.0.0.0/0",
        }),
        resource(TYPES.securityGroupRule, { type: "egress", protocol: "-1", cidrBlocks: ["0.0.0.0/0"] }),
      ];
      for (const r of good) expect(await messages(noSshFromInternet, [r]), JSON.stringify(r.props)).to.deep.equal([]);
    });
  });

  it("ec2-imdsv2: optional tokens or a hop limit above 1 fail", async () => {
    expect(await messages(ec2Imdsv2, [instance()])).to.deep.equal([]);
    expect(
      await messages(ec2Imdsv2, [
        instance({ metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } }),
      ]),
    ).to.have.length(1);
    expect(
      await messages(ec2Imdsv2, [
        instance({ metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } }),
      ]),
    ).to.have.length(1);
    expect(await messages(ec2Imdsv2, [instance({ metadataOptions: undefined })])).to.have.length(2);
  });

  it("ebs-encrypted: an unencrypted root, data volume or EBS volume fails", async () => {
    expect(await messages(ebsEncrypted, [instance()])).to.deep.equal([]);
    expect(await messages(ebsEncrypted, [instance({ rootBlockDevice: { volumeSize: 8 } })])).to.have.length(1);
    expect(
      await messages(ebsEncrypted, [instance({ ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: false }] })]),
    ).to.have.length(1);
    expect(await messages(ebsEncrypted, [resource(TYPES.ebsVolume, { size: 10 })])).to.have.length(1);
    expect(await messages(ebsEncrypted, [resource(TYPES.ebsVolume, { size: 10, encrypted: true })])).to.deep.equal([]);
  });

  it("ec2-user-data-size: 16,384 raw bytes fail, 16,383 pass; a launch template's base64 is decoded first", async () => {
    expect(await messages(ec2UserDataSize, [instance({ userData: "x".repeat(16_383) })])).to.deep.equal([]);
    expect(await messages(ec2UserDataSize, [instance({ userData: "x".repeat(16_384) })])).to.have.length(1);
    // Multi-byte characters count as bytes, not characters.
    expect(await messages(ec2UserDataSize, [instance({ userData: "é".repeat(8_192) })])).to.have.length(1);
    const b64 = Buffer.from("x".repeat(16_000)).toString("base64"); // 21,336 base64 characters, 16,000 raw bytes
    expect(await messages(ec2UserDataSize, [resource(TYPES.launchTemplate, { userData: b64 })])).to.deep.equal([]);
  });

  describe("key-material-secret", () => {
    it("fails a plain key value in an SSM SecureString, an API Gateway key or a Secret Manager version", async () => {
      const plain = [
        resource(TYPES.ssmParameter, { name: "/mcp-anywhere/dev/api-keys/a", type: "SecureString", value: KEY }),
        resource(TYPES.apiGatewayKey, { value: KEY }),
        resource(TYPES.gcpSecretVersion, { secretData: KEY }),
        resource(TYPES.secretsManagerVersion, { secretString: KEY }),
      ];
      for (const r of plain) expect(await messages(keyMaterialSecret, [r]), r.type).to.have.length(1);
      const secret = plain.map((r) =>
        resource(
          r.type,
          Object.fromEntries(Object.entries(r.props).map(([k, v]) => [k, v === KEY ? new Secret(v) : v])),
        ),
      );
      for (const r of secret) expect(await messages(keyMaterialSecret, [r]), r.type).to.deep.equal([]);
    });
    it("fails a key-named SSM parameter that is not a SecureString", async () => {
      const r = resource(TYPES.ssmParameter, { name: "/mcp/api-keys/a", type: "String", value: KEY });
      expect((await messages(keyMaterialSecret, [r]))[0]).to.include("SecureString");
    });
    it("under the engine (secrets not visible), requires the field in additionalSecretOutputs", async () => {
      const r = (aso: string[]) =>
        resource(TYPES.randomPassword, { length: 32 }, { opts: { additionalSecretOutputs: aso } });
      expect(await messages(keyMaterialSecret, [r([])], { secretsVisible: false })).to.have.length(1);
      expect(await messages(keyMaterialSecret, [r(["bcryptHash", "result"])], { secretsVisible: false })).to.deep.equal(
        [],
      );
    });
  });

  describe("key-values-stay-in-key-stores", () => {
    const store = resource(TYPES.ssmParameter, { name: "/k", type: "SecureString", value: new Secret(KEY) });
    it("fails a stored key found in another resource (even as a secret) or in a stack output, without printing it", async () => {
      const fn = resource("aws:lambda/function:Function", { environment: { variables: { API_KEY: new Secret(KEY) } } });
      const stack = resource(TYPES.stack, { clientConfigs: { header: `x-api-key: ${KEY}` } });
      const found = await messages(keyValuesStayInKeyStores, [store, fn, stack]);
      expect(found).to.have.length(2);
      expect(found[0]).to.include("environment.variables.API_KEY");
      expect(found[1]).to.include("clientConfigs.header");
      for (const m of found) expect(m).to.not.include(KEY);
    });
    it("passes the key in key stores only (SSM, API Gateway key) and by reference elsewhere", async () => {
      const apiKey = resource(TYPES.apiGatewayKey, { value: new Secret(KEY) });
      const fn = resource("aws:lambda/function:Function", { environment: { variables: { KEYS: "/k" } } });
      expect(await messages(keyValuesStayInKeyStores, [store, apiKey, fn])).to.deep.equal([]);
    });
  });

  it("apigateway-key-alphanumeric: a key with symbols or under 20 characters fails", async () => {
    expect(
      await messages(apiGatewayKeyAlphanumeric, [resource(TYPES.apiGatewayKey, { value: new Secret(KEY) })]),
    ).to.deep.equal([]);
    for (const v of ["short1234", `${KEY.slice(0, 20)}+/=`])
      expect(
        await messages(apiGatewayKeyAlphanumeric, [resource(TYPES.apiGatewayKey, { value: new Secret(v) })]),
      ).to.have.length(1);
  });

  it("log-retention: a missing or non-CloudWatch retention fails", async () => {
    expect(await messages(logRetention, [resource(TYPES.logGroup, { retentionInDays: 30 })])).to.deep.equal([]);
    expect(await messages(logRetention, [resource(TYPES.logGroup, { name: "/x" })])).to.have.length(1);
    expect(await messages(logRetention, [resource(TYPES.logGroup, { retentionInDays: 31 })])).to.have.length(1);
  });

  it("waf-cloudfront-scope-region: CLOUDFRONT outside us-east-1 fails; the resource region beats the provider's", async () => {
    const acl = (props: Record<string, unknown>, provider?: Record<string, unknown>) =>
      resource(TYPES.wafWebAcl, { scope: "CLOUDFRONT", ...props }, provider ? { provider } : {});
    expect(await messages(wafCloudfrontRegion, [acl({}, { region: "ap-northeast-1" })])).to.have.length(1);
    expect(await messages(wafCloudfrontRegion, [acl({ region: "eu-west-1" }, { region: "us-east-1" })])).to.have.length(
      1,
    );
    expect(
      await messages(wafCloudfrontRegion, [acl({ region: "us-east-1" }, { region: "ap-northeast-1" })]),
    ).to.deep.equal([]);
    expect(await messages(wafCloudfrontRegion, [acl({}, { region: "us-east-1" })])).to.deep.equal([]);
    const regional = resource(TYPES.wafWebAcl, { scope: "REGIONAL" }, { provider: { region: "ap-northeast-1" } });
    expect(await messages(wafCloudfrontRegion, [regional])).to.deep.equal([]);
  });

  it("waf-rate-based-rules: a limit under 10 or a window outside 60/120/300/600 fails, also inside a scope-down", async () => {
    expect(await messages(wafRateBasedRules, [rateAcl({ limit: 10, evaluationWindowSec: 60 })])).to.deep.equal([]);
    expect(await messages(wafRateBasedRules, [rateAcl({ limit: 100 })])).to.deep.equal([]); // default window 300
    expect(await messages(wafRateBasedRules, [rateAcl({ limit: 9, evaluationWindowSec: 60 })])).to.have.length(1);
    expect(await messages(wafRateBasedRules, [rateAcl({ limit: 100, evaluationWindowSec: 30 })])).to.have.length(1);
    const nested = resource(TYPES.wafWebAcl, {
      rules: [{ name: "n", statement: { notStatement: { statement: { rateBasedStatement: { limit: 5 } } } } }],
    });
    expect(await messages(wafRateBasedRules, [nested])).to.have.length(1);
  });

  it("waf-custom-response-headers: content-type, bad characters and duplicates fail; Retry-After passes", async () => {
    const acl = (names: string[]) =>
      resource(TYPES.wafWebAcl, {
        rules: [
          {
            action: {
              block: {
                customResponse: { responseCode: 429, responseHeaders: names.map((name) => ({ name, value: "1" })) },
              },
            },
          },
        ],
      });
    expect(await messages(wafCustomResponseHeaders, [acl(["Retry-After"])])).to.deep.equal([]);
    expect(await messages(wafCustomResponseHeaders, [acl(["Content-Type"])])).to.have.length(1);
    expect(await messages(wafCustomResponseHeaders, [acl(["bad header"])])).to.have.length(1);
    expect(await messages(wafCustomResponseHeaders, [acl(["Retry-After", "retry-after"])])).to.have.length(1);
  });

  it("stack-tags: an untagged AWS resource, a wrong stack tag and an unlabelled GCP resource fail", async () => {
    const tagged = resource(TYPES.logGroup, { tags: { "mcp-anywhere:stack": "dev" } });
    expect(await messages(stackTags, [tagged])).to.deep.equal([]);
    expect(await messages(stackTags, [resource(TYPES.logGroup, {})])).to.have.length(1);
    expect(
      await messages(stackTags, [resource(TYPES.logGroup, { tags: { "mcp-anywhere:stack": "prod" } })]),
    ).to.have.length(1);
    const svc = "gcp:cloudrunv2/service:Service";
    expect(await messages(stackTags, [resource(svc, { labels: {} })])).to.have.length(1);
    expect(await messages(stackTags, [resource(svc, { labels: { "mcp-anywhere-stack": "dev" } })])).to.deep.equal([]);
    // A type that takes no tags is not checked.
    expect(await messages(stackTags, [resource("aws:iam/rolePolicy:RolePolicy", {})])).to.deep.equal([]);
  });

  it("ecr-scan-on-push and ecs-wait-for-steady-state fail when unset", async () => {
    expect(await messages(ecrScanOnPush, [resource(TYPES.ecrRepository, {})])).to.have.length(1);
    expect(
      await messages(ecrScanOnPush, [
        resource(TYPES.ecrRepository, { imageScanningConfiguration: { scanOnPush: true } }),
      ]),
    ).to.deep.equal([]);
    expect(await messages(ecsWaitForSteadyState, [resource(TYPES.ecsService, {})])).to.have.length(1);
    expect(
      await messages(ecsWaitForSteadyState, [resource(TYPES.ecsService, { waitForSteadyState: true })]),
    ).to.deep.equal([]);
  });

  it("config-keys-readable: passes this project's files; is not applicable where there is no Pulumi.yaml", async () => {
    expect(await messages(configKeysReadable, [])).to.deep.equal([]);
    expect(await messages(configKeysReadable, [], { projectDir: "/nonexistent" })).to.deep.equal([]);
  });
});
