/**
 * Pulumi mocks for running the real stack program without a cloud: every resource and invoke is recorded; resources
 * get realistic outputs by type (ARNs, URLs, digests); an invoke the helper does not know throws, so a new cloud call
 * cannot slip through untested. SSM parameters live in `ssm`, pre-seeded by the test or created by the program.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

export const ACCOUNT = "123456789012";
export const GCP_PROJECT = "mcp-anywhere-test";
/** The mock project's number (what `gcp.organizations.getProject` returns as `number`). */
export const GCP_PROJECT_NUMBER = "123456789012";
export const AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

export interface RecordedResource {
  type: string;
  name: string;
  /** The physical id the mock assigned. */
  id: string;
  /** The explicit provider reference (`urn::id`), when one was given. */
  provider: string | undefined;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

/** An API Gateway API key as the account holds it (GetApiKeys `items`, with `includeValues`). */
export interface MockApiKey {
  id: string;
  name: string;
  value: string;
  description: string;
  enabled: boolean;
  tags: Record<string, string>;
  /** GetApiKeys `createdDate`; keys the program creates get increasing dates. @default 2026-01-01T00:00:00Z */
  createdDate?: string;
}

/** Keys created by any run, in order (so a later run's key is newer than an earlier run's). */
let apiKeysCreated = 0;

export interface RecordedCall {
  token: string;
  inputs: Record<string, unknown>;
}

/** True when a mock input arrived as a secret (Pulumi wraps secret values with its secret signature). */
export function isSecretInput(v: unknown): boolean {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
  );
}

/** The value inside a secret-wrapped input, or the input itself. */
export function unwrapInput(v: unknown): unknown {
  return isSecretInput(v) ? (v as { value: unknown }).value : v;
}

const hex = (s: string, n: number) => createHash("sha256").update(s).digest("hex").slice(0, n);

/** A deterministic alphanumeric string, like a RandomPassword with special=false. */
function alnum(seed: string, length: number): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = createHash("sha512").update(seed).digest();
  return Array.from({ length }, (_, i) => chars[(bytes[i % bytes.length] ?? 0) % chars.length]).join("");
}

export class PulumiMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly calls: RecordedCall[] = [];
  /** SSM parameter name → value, as the account holds them; AWS's public AMI parameter is always there. */
  readonly ssm = new Map<string, string>([[AMI_PARAMETER, "ami-0a1b2c3d4e5f60718"]]);
  /** SSM parameter name → version (GetParameter's `version`); 1 when absent, as for a parameter written once. */
  readonly ssmVersions = new Map<string, number>();
  /**
   * `docker.Image` resource name → the digest its build produces (`sha256:…`), for a test that built the image for
   * real; absent: one derived from the name.
   */
  readonly imageDigests = new Map<string, string>();

  /**
   * API Gateway API keys of the account and region, as `aws.apigateway.getApiKeys` lists them: seeded by the test
   * (e.g. another stack's keys, or this stack's from its previous run), plus every ApiKey the program creates.
   */
  readonly apiKeys: MockApiKey[] = [];

  /**
   * Subnet id → its Availability Zone, as `aws.ec2.getSubnet` reports it: seeded by the test; a subnet not seeded is
   * put in the region's next zone (a, c, d) when first looked up, so distinct ids get distinct zones.
   */
  readonly subnetZones = new Map<string, string>();

  constructor(private readonly region: string) {}

  /** Stack transforms the program registered (`pulumi.runtime.registerResourceTransform`), in order. */
  readonly transforms: pulumi.ResourceTransform[] = [];

  /** Records a stack transform; the mock monitor only hands it over, so {@link newResource} applies it. */
  registerTransform(transform: pulumi.ResourceTransform): void {
    this.transforms.push(transform);
  }

  /**
   * Applies the registered stack transforms to the inputs first, as the engine does before a provider sees them, then
   * records the resource with realistic outputs ({@link record}).
   */
  newResource(
    args: pulumi.runtime.MockResourceArgs,
  ): { id: string; state: Record<string, unknown> } | Promise<{ id: string; state: Record<string, unknown> }> {
    if (this.transforms.length === 0) return this.record(args);
    return (async () => {
      let inputs = args.inputs as Record<string, unknown>;
      for (const t of this.transforms) {
        const r = await t({ custom: args.custom ?? true, type: args.type, name: args.name, props: inputs, opts: {} });
        if (r) inputs = r.props as Record<string, unknown>;
      }
      return this.record({ ...args, inputs });
    })();
  }

  private record(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const { type, name, inputs } = args;
    const r = this.region;
    let id = `${name}-${hex(type + name, 8)}`;
    let state: Record<string, unknown> = { ...inputs };
    switch (type) {
      case "aws:ecr/repository:Repository":
        state = {
          ...state,
          name: id,
          registryId: ACCOUNT,
          arn: `arn:aws:ecr:${r}:${ACCOUNT}:repository/${id}`,
          repositoryUrl: `${ACCOUNT}.dkr.ecr.${r}.amazonaws.com/${id}`,
        };
        break;
      case "docker-build:index:Image": {
        const digest = `sha256:${hex(`image:${name}`, 64)}`;
        state = { ...state, digest, ref: `${(inputs.tags as string[] | undefined)?.[0] ?? name}@${digest}` };
        break;
      }
      case "docker:index/image:Image": {
        // @pulumi/docker's Image reports repoDigest for a local (unpushed) image too, since v4.4.
        const digest = this.imageDigests.get(name) ?? `sha256:${hex(`docker-image:${name}`, 64)}`;
        state = { ...state, repoDigest: `${String(inputs.imageName).split(":")[0]}@${digest}` };
        break;
      }
      case "docker:index/remoteImage:RemoteImage":
        state = { ...state, imageId: `sha256:${hex(`remote:${String(inputs.name)}`, 64)}`, repoDigest: "" };
        break;
      case "command:remote:Command":
      case "command:local:Command":
        state = { ...state, stdout: "", stderr: "" };
        break;
      case "random:index/randomPassword:RandomPassword":
        state = { ...state, result: alnum(`password:${name}`, Number(inputs.length ?? 16)) };
        break;
      case "aws:ssm/parameter:Parameter":
        this.ssm.set(String(inputs.name), String(unwrapInput(inputs.value)));
        state = { ...state, arn: `arn:aws:ssm:${r}:${ACCOUNT}:parameter${String(inputs.name)}` };
        break;
      case "aws:apigateway/apiKey:ApiKey":
        id = hex(id, 10);
        this.apiKeys.push({
          id,
          name: String(inputs.name ?? `${name}-${hex(name, 7)}`),
          value: String(unwrapInput(inputs.value)),
          description: String(inputs.description ?? ""),
          enabled: inputs.enabled !== false,
          tags: (inputs.tags as Record<string, string> | undefined) ?? {},
          createdDate: new Date(Date.UTC(2026, 0, 1) + ++apiKeysCreated * 1000).toISOString(),
        });
        break;
      case "aws:cloudwatch/logGroup:LogGroup":
        state = { ...state, arn: `arn:aws:logs:${r}:${ACCOUNT}:log-group:${String(inputs.name)}` };
        break;
      case "aws:iam/role:Role":
        state = { ...state, name: id, arn: `arn:aws:iam::${ACCOUNT}:role/${id}` };
        break;
      case "aws:lambda/function:Function": {
        const arn = `arn:aws:lambda:${r}:${ACCOUNT}:function:${id}`;
        const base = `arn:aws:apigateway:${r}:lambda:path`;
        state = {
          ...state,
          name: id,
          arn,
          invokeArn: `${base}/2015-03-31/functions/${arn}/invocations`,
          responseStreamingInvokeArn: `${base}/2021-11-15/functions/${arn}/response-streaming-invocations`,
        };
        break;
      }
      case "aws:apigateway/restApi:RestApi":
        id = hex(id, 10);
        state = {
          ...state,
          // Pulumi auto-names a RestApi whose `name` is not given.
          name: inputs.name ?? `${name}-${hex(name, 7)}`,
          rootResourceId: `root${hex(id, 6)}`,
          executionArn: `arn:aws:execute-api:${r}:${ACCOUNT}:${id}`,
        };
        break;
      case "aws:apigateway/stage:Stage":
        state = {
          ...state,
          invokeUrl: `https://${String(inputs.restApi)}.execute-api.${r}.amazonaws.com/${String(inputs.stageName)}`,
        };
        break;
      case "aws:lb/loadBalancer:LoadBalancer":
        state = {
          ...state,
          arn: `arn:aws:elasticloadbalancing:${r}:${ACCOUNT}:loadbalancer/app/${id}`,
          dnsName: `${id}.${r}.elb.amazonaws.com`,
          arnSuffix: `app/${id}/${hex(id, 16)}`,
        };
        break;
      case "aws:lb/targetGroup:TargetGroup":
        state = { ...state, arn: `arn:aws:elasticloadbalancing:${r}:${ACCOUNT}:targetgroup/${id}` };
        break;
      case "aws:lb/listener:Listener":
        state = { ...state, arn: `arn:aws:elasticloadbalancing:${r}:${ACCOUNT}:listener/app/${id}` };
        break;
      case "aws:efs/fileSystem:FileSystem":
        id = `fs-${hex(id, 17)}`;
        state = { ...state, arn: `arn:aws:elasticfilesystem:${r}:${ACCOUNT}:file-system/${id}` };
        break;
      case "aws:efs/accessPoint:AccessPoint":
        id = `fsap-${hex(id, 17)}`;
        state = { ...state, arn: `arn:aws:elasticfilesystem:${r}:${ACCOUNT}:access-point/${id}` };
        break;
      case "aws:ecs/cluster:Cluster":
        state = { ...state, name: id, arn: `arn:aws:ecs:${r}:${ACCOUNT}:cluster/${id}` };
        break;
      case "aws:ecs/taskDefinition:TaskDefinition":
        state = { ...state, arn: `arn:aws:ecs:${r}:${ACCOUNT}:task-definition/${String(inputs.family)}:1` };
        break;
      case "aws:ecs/service:Service":
        state = { ...state, name: id };
        break;
      case "aws:cloudfront/distribution:Distribution":
        state = {
          ...state,
          domainName: `d${hex(id, 13)}.cloudfront.net`,
          arn: `arn:aws:cloudfront::${ACCOUNT}:distribution/${id}`,
        };
        break;
      case "aws:wafv2/webAcl:WebAcl":
        state = { ...state, arn: `arn:aws:wafv2:us-east-1:${ACCOUNT}:global/webacl/${id}` };
        break;
      case "aws:ec2/eip:Eip":
        state = { ...state, publicIp: "54.250.10.20", allocationId: `eipalloc-${hex(id, 17)}` };
        break;
      case "aws:ec2/instance:Instance":
        id = `i-${hex(id, 17)}`;
        break;
      case "aws:iam/instanceProfile:InstanceProfile":
        state = { ...state, name: id };
        break;
      case "aws:ssm/document:Document":
        state = { ...state, name: id };
        break;
      case "aws:sns/topic:Topic":
        state = {
          ...state,
          arn: `arn:aws:sns:${String(inputs.region ?? r)}:${ACCOUNT}:${id}`,
        };
        break;
      case "gcp:artifactregistry/repository:Repository":
        state = { ...state, name: String(inputs.repositoryId) };
        break;
      case "gcp:serviceaccount/account:Account":
        state = { ...state, email: `${String(inputs.accountId)}@${GCP_PROJECT}.iam.gserviceaccount.com` };
        break;
      case "gcp:secretmanager/secret:Secret":
        id = `projects/${GCP_PROJECT}/secrets/${String(inputs.secretId)}`;
        state = { ...state, name: id };
        break;
      case "gcp:secretmanager/secretVersion:SecretVersion": {
        // The provider replaces a version whose secretData changes, and Secret Manager numbers the new one; a number
        // derived from the data stands in for that: a new value gets a new number, the same value the same one.
        const version = String(
          1 + (Number.parseInt(hex(`version:${String(unwrapInput(inputs.secretData))}`, 6), 16) % 997),
        );
        id = `${String(inputs.secret)}/versions/${version}`;
        state = { ...state, version, name: id };
        break;
      }
      case "gcp:compute/managedSslCertificate:ManagedSslCertificate":
        state = { ...state, name: id };
        break;
      case "gcp:projects/service:Service":
        id = `${GCP_PROJECT}/${String(inputs.service)}`;
        state = { ...state, project: GCP_PROJECT };
        break;
      case "gcp:cloudrunv2/service:Service":
        state = { ...state, uri: `https://${String(inputs.name)}-${hex(id, 10)}-an.a.run.app` };
        break;
      case "gcp:compute/globalAddress:GlobalAddress":
        state = { ...state, address: "34.117.42.7" };
        break;
      case "gcp:compute/securityPolicy:SecurityPolicy":
        state = {
          ...state,
          selfLink: `https://www.googleapis.com/compute/v1/projects/${GCP_PROJECT}/global/securityPolicies/${id}`,
        };
        break;
      default:
        break;
    }
    this.resources.push({ type, name, id, provider: args.provider, inputs, state });
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const { token, inputs } = args;
    this.calls.push({ token, inputs });
    switch (token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ci`, userId: "AIDMOCK", id: ACCOUNT };
      case "aws:index/getRegion:getRegion":
        return {
          region: this.region,
          name: this.region,
          id: this.region,
          description: this.region,
          endpoint: `ec2.${this.region}.amazonaws.com`,
        };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
      case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
        return {
          userName: "AWS",
          password: "mock-ecr-password",
          authorizationToken: "QVdTOm1vY2s=",
          proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${this.region}.amazonaws.com`,
          expiresAt: "2099-01-01T00:00:00Z",
          id: this.region,
        };
      case "aws:ssm/getParameter:getParameter": {
        const name = String(inputs.name);
        const value = this.ssm.get(name);
        if (value === undefined) throw new Error(`ParameterNotFound: ${name}`);
        return {
          name,
          value,
          type: "SecureString",
          arn: `arn:aws:ssm:${this.region}:${ACCOUNT}:parameter${name}`,
          version: this.ssmVersions.get(name) ?? 1,
          id: name,
          withDecryption: inputs.withDecryption,
          insecureValue: "",
        };
      }
      case "aws:apigateway/getApiKeys:getApiKeys":
        // Values only with includeValues, as GetApiKeys (https://docs.aws.amazon.com/apigateway/latest/api/API_GetApiKeys.html).
        return {
          id: this.region,
          region: this.region,
          includeValues: inputs.includeValues,
          items: this.apiKeys.map((k) => ({
            ...k,
            value: inputs.includeValues === true ? k.value : "",
            customerId: "",
            stageKeys: [],
            createdDate: k.createdDate ?? "2026-01-01T00:00:00Z",
            lastUpdatedDate: "2026-01-01T00:00:00Z",
          })),
        };
      case "aws:index/getAvailabilityZones:getAvailabilityZones": {
        // The account has opted into a Local Zone, whose name sorts first; DescribeAvailabilityZones lists it unless
        // the caller filters on opt-in-status (regular AZs are "opt-in-not-required").
        const optIn = (inputs.filters as { name: string; values: string[] }[] | undefined)?.find(
          (f) => f.name === "opt-in-status",
        )?.values;
        const zones = [
          { name: `${this.region}-lcl-1a`, zoneId: "apne1-lcl1-az1", optInStatus: "opted-in" },
          ...["a", "c", "d"].map((z, i) => ({
            name: `${this.region}${z}`,
            zoneId: ["apne1-az4", "apne1-az1", "apne1-az2"][i] as string,
            optInStatus: "opt-in-not-required",
          })),
        ].filter((z) => optIn === undefined || optIn.includes(z.optInStatus));
        return { names: zones.map((z) => z.name), zoneIds: zones.map((z) => z.zoneId), id: this.region };
      }
      case "aws:ec2/getSubnet:getSubnet": {
        const id = String(inputs.id);
        if (!this.subnetZones.has(id)) this.subnetZones.set(id, `${this.region}${"acd"[this.subnetZones.size % 3]}`);
        const zone = this.subnetZones.get(id) as string;
        return { id, arn: `arn:aws:ec2:${this.region}:${ACCOUNT}:subnet/${id}`, availabilityZone: zone };
      }
      case "aws:ec2/getManagedPrefixList:getManagedPrefixList":
        return {
          id: "pl-58a04531",
          name: inputs.name,
          addressFamily: "IPv4",
          maxEntries: 55,
          arn: "arn:aws:ec2:aws-managed:prefix-list/pl-58a04531",
        };
      case "aws:cloudfront/getCachePolicy:getCachePolicy":
        if (inputs.name !== "Managed-CachingDisabled") throw new Error(`unknown cache policy ${String(inputs.name)}`);
        return { id: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", name: inputs.name };
      case "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy":
        if (inputs.name !== "Managed-AllViewerExceptHostHeader")
          throw new Error(`unknown origin request policy ${String(inputs.name)}`);
        return { id: "b689b0a8-53d0-40ab-baf2-68738e2966ac", name: inputs.name };
      case "gcp:organizations/getProject:getProject":
        return {
          projectId: inputs.projectId ?? GCP_PROJECT,
          number: GCP_PROJECT_NUMBER,
          name: GCP_PROJECT,
          id: GCP_PROJECT,
        };
      case "gcp:organizations/getClientConfig:getClientConfig":
        return {
          accessToken: "mock-gcp-access-token",
          project: GCP_PROJECT,
          region: "asia-northeast1",
          zone: "",
          id: GCP_PROJECT,
        };
      default:
        throw new Error(`unmocked invoke ${token}(${JSON.stringify(inputs)})`);
    }
  }

  /** Resources of one type token. */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource of a type token; throws when there are none or several. */
  one(type: string): RecordedResource {
    const found = this.ofType(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0] as RecordedResource;
  }
}

/** Resolves an Output (or plain value) to its value and whether it is secret, outside of any apply. */
export async function resolve<T>(value: pulumi.Input<T>): Promise<{ value: T; secret: boolean }> {
  const out = pulumi.output(value);
  const secret = await pulumi.isSecret(out);
  const v = await new Promise<T>((res) => {
    out.apply((x) => {
      res(x as T);
      return x;
    });
  });
  return { value: v, secret };
}

/** A recorded resource's inputs as a plain record. */
export function inputsOf(r: RecordedResource): Record<string, unknown> {
  return r.inputs;
}

/** JSON of a value with every secret-wrapped part replaced: what would be visible in plain text. */
export function plainJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (isSecretInput(x) ? "[secret]" : x));
}
