/** Policies for EC2 hosts: IMDSv2 with hop limit 1, encrypted EBS, and user data under its size limit. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { EC2_USER_DATA_DOC, EC2_USER_DATA_MAX_BYTES } from "../core/aws-limits.js";
import { asArray, asNumber, asRecord, reveal, TYPES } from "./lib.js";

const IMDS_DOC = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html";
const EBS_DOC = "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html";

/**
 * `ec2-imdsv2`: instances and launch templates require IMDSv2 session tokens (`metadataOptions.httpTokens:
 * "required"`) with a PUT response hop limit of 1, so a container behind a bridge network cannot reach the role's
 * credentials (the host's docker daemon and aws CLI still reach it). Source: IMDS_DOC.
 */
export const ec2Imdsv2: ResourceValidationPolicy = {
  name: "ec2-imdsv2",
  description: `EC2 instances and launch templates require IMDSv2 (httpTokens=required) with hop limit 1 (${IMDS_DOC}).`,
  validateResource: (args, report) => {
    if (args.type !== TYPES.instance && args.type !== TYPES.launchTemplate) return;
    const m = asRecord(args.props.metadataOptions) ?? {};
    if (reveal(m.httpTokens) !== "required")
      report(
        `${args.name}: metadataOptions.httpTokens=${JSON.stringify(reveal(m.httpTokens))}; must be "required" (${IMDS_DOC})`,
      );
    const hops = asNumber(m.httpPutResponseHopLimit);
    if (hops !== 1)
      report(`${args.name}: metadataOptions.httpPutResponseHopLimit=${JSON.stringify(hops)}; must be 1 (${IMDS_DOC})`);
  },
};

/**
 * `ebs-encrypted`: every EBS volume is encrypted: an instance's `rootBlockDevice` and `ebsBlockDevices`, a launch
 * template's `blockDeviceMappings[].ebs`, and `aws:ebs/volume:Volume`. Account-level default encryption would also
 * encrypt them, but a policy cannot see it, so the flag must be explicit. Source: EBS_DOC.
 */
export const ebsEncrypted: ResourceValidationPolicy = {
  name: "ebs-encrypted",
  description: `EBS root and data volumes are encrypted (encrypted=true) (${EBS_DOC}).`,
  validateResource: (args, report) => {
    const need = (where: string, v: unknown) => {
      if (reveal(v) !== true)
        report(`${args.name}: ${where}.encrypted=${JSON.stringify(reveal(v))}; must be true (${EBS_DOC})`);
    };
    const p = args.props;
    if (args.type === TYPES.instance) {
      need("rootBlockDevice", asRecord(p.rootBlockDevice)?.encrypted);
      asArray(p.ebsBlockDevices).forEach((d, i) => {
        need(`ebsBlockDevices[${i}]`, asRecord(d)?.encrypted);
      });
    } else if (args.type === TYPES.launchTemplate) {
      asArray(p.blockDeviceMappings).forEach((d, i) => {
        const ebs = asRecord(asRecord(d)?.ebs);
        if (ebs) need(`blockDeviceMappings[${i}].ebs`, ebs.encrypted);
      });
    } else if (args.type === TYPES.ebsVolume) need("volume", p.encrypted);
  },
};

/** The raw size in bytes of an instance's or launch template's user data; undefined when it has none. */
export function userDataBytes(type: string, props: Record<string, unknown>): number | undefined {
  const text = reveal(props.userData);
  const b64 = reveal(props.userDataBase64);
  // A launch template's userData is already base64; an instance's userData is raw text.
  if (type === TYPES.launchTemplate && typeof text === "string") return Buffer.from(text, "base64").length;
  if (typeof text === "string") return Buffer.byteLength(text, "utf8");
  if (typeof b64 === "string") return Buffer.from(b64, "base64").length;
  return undefined;
}

/** `ec2-user-data-size`: user data is under {@link EC2_USER_DATA_MAX_BYTES} bytes raw, or RunInstances fails. */
export const ec2UserDataSize: ResourceValidationPolicy = {
  name: "ec2-user-data-size",
  description: `EC2 user data is under ${EC2_USER_DATA_MAX_BYTES} bytes raw, before base64 (${EC2_USER_DATA_DOC}).`,
  validateResource: (args, report) => {
    if (args.type !== TYPES.instance && args.type !== TYPES.launchTemplate) return;
    const bytes = userDataBytes(args.type, args.props);
    if (bytes !== undefined && bytes >= EC2_USER_DATA_MAX_BYTES)
      report(
        `${args.name}: user data is ${bytes} bytes raw; the limit is ${EC2_USER_DATA_MAX_BYTES} (${EC2_USER_DATA_DOC})`,
      );
  },
};
