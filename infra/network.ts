/**
 * `Network` (`mcp-anywhere:aws:Network`): a small VPC for one service, shared by the AWS targets that need one.
 * - 2 AZs (regular Availability Zones only, never Local or Wavelength Zones), a public subnet in each, an internet
 *   gateway and a public route table.
 * - With `privateSubnets`, also a private subnet in each AZ behind one NAT gateway (in the first public subnet), for
 *   workloads that must not have public IPs. A NAT gateway is billed per hour and per GB (../shared/PRICING.md A.3),
 *   which is why it is off by default.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface NetworkArgs {
  /** VPC CIDR. @default "10.0.0.0/16" (public subnets 10.0.0.0/20 and 10.0.16.0/20; private 10.0.128.0/20, 10.0.144.0/20) */
  cidrBlock?: string;
  /** Create private subnets behind a NAT gateway too. @default false */
  privateSubnets?: boolean;
  tags?: Record<string, string>;
}

/** Availability zones used. */
export const NETWORK_AZ_COUNT = 2;

export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string>[];
  /** Empty unless `privateSubnets`. */
  public readonly privateSubnetIds: pulumi.Output<string>[];

  /** @throws {Error} when `cidrBlock` is not a /16 IPv4 CIDR. */
  constructor(name: string, args: NetworkArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
    super("mcp-anywhere:aws:Network", name, {}, opts);
    const cidr = args.cidrBlock ?? "10.0.0.0/16";
    const match = /^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/.exec(cidr);
    if (!match) throw new Error(`Network ${name}: \`cidrBlock\` must be an IPv4 /16 such as 10.0.0.0/16, got ${cidr}`);
    const prefix = `${match[1]}.${match[2]}`;
    const tags = args.tags ?? {};
    const parent = { parent: this };
    // Only regular AZs: an account opted into a Local Zone (e.g. `ap-northeast-1-tpe-1a`, which sorts before
    // `ap-northeast-1a`) would otherwise get it as subnet 0, where ALB, Fargate on ARM or t4g may not be offered.
    // Local and Wavelength Zones have opt-in-status `opted-in`/`not-opted-in`; regular AZs `opt-in-not-required`
    // (EC2 DescribeAvailabilityZones, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html;
    // pulumi-aws example "Only Availability Zones (no Local Zones)", @pulumi/aws getAvailabilityZones.d.ts). Review F20.
    const azs = aws.getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
      parent,
    ).names;

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: name } },
      parent,
    );
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, parent);
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags },
      parent,
    );
    const subnet = (kind: "public" | "private", i: number) =>
      new aws.ec2.Subnet(
        `${name}-${kind}-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: `${prefix}.${(kind === "public" ? 0 : 128) + i * 16}.0/20`,
          availabilityZone: azs.apply((names) => {
            const az = names[i];
            if (!az) throw new Error(`Network ${name}: the region has fewer than ${NETWORK_AZ_COUNT} available AZs`);
            return az;
          }),
          mapPublicIpOnLaunch: false,
          tags: { ...tags, Name: `${name}-${kind}-${i}` },
        },
        parent,
      );

    const publics = Array.from({ length: NETWORK_AZ_COUNT }, (_, i) => subnet("public", i));
    publics.forEach((s, i) => {
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${i}`,
        { subnetId: s.id, routeTableId: publicRoutes.id },
        parent,
      );
    });

    let privates: aws.ec2.Subnet[] = [];
    if (args.privateSubnets ?? false) {
      const eip = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags }, parent);
      const nat = new aws.ec2.NatGateway(
        `${name}-nat`,
        { allocationId: eip.id, subnetId: (publics[0] as aws.ec2.Subnet).id, tags },
        { parent: this, dependsOn: [igw] },
      );
      const privateRoutes = new aws.ec2.RouteTable(
        `${name}-private`,
        { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags },
        parent,
      );
      privates = Array.from({ length: NETWORK_AZ_COUNT }, (_, i) => subnet("private", i));
      privates.forEach((s, i) => {
        new aws.ec2.RouteTableAssociation(
          `${name}-private-${i}`,
          { subnetId: s.id, routeTableId: privateRoutes.id },
          parent,
        );
      });
    }

    this.vpcId = vpc.id;
    this.publicSubnetIds = publics.map((s) => s.id);
    this.privateSubnetIds = privates.map((s) => s.id);
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }
}
