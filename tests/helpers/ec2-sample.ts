/** Host files rendered with sample inputs, as the EC2 component would on a stack. */
import { LETS_ENCRYPT_DIRECTORY } from "../../components/ec2/acme-client.js";
import { type HostFilesOptions, hostFiles } from "../../components/ec2/host-files.js";

export const SAMPLE_HOST_OPTIONS: HostFilesOptions = {
  image: `123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/server-repository@sha256:${"a".repeat(64)}`,
  host: "54.250.10.20",
  acmeEmail: undefined,
  acmeDirectoryUrl: LETS_ENCRYPT_DIRECTORY,
  region: "ap-northeast-1",
  registry: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com",
  logGroupName: "/mcp-anywhere/dev/ec2",
  parameterNames: ["/mcp-anywhere/dev/api-keys/default"],
  environment: { MCP_TARGET: "ec2", MCP_TRUST_PROXY: "1" },
  mcpPath: "/mcp",
  healthPath: "/health",
  rateLimit: { requestsPerSecond: 20, burst: 40, ipRequestsPerMinute: 60 },
  maxBodyBytes: 1048576,
};

export const sampleHostFiles = () => hostFiles(SAMPLE_HOST_OPTIONS);
