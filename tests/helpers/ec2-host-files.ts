/** The EC2 host files of a synthesized stack, as its rollout document (SSM Command document) writes them. */
import { type PulumiMocks, unwrapInput } from "./pulumi-mocks.js";

/** Path → content, from each `echo '<base64>' | base64 -d > <path>.new` line of the document's first step. */
export function ec2HostFiles(m: PulumiMocks): Map<string, string> {
  const doc = JSON.parse(String(unwrapInput(m.one("aws:ssm/document:Document").inputs.content))) as {
    mainSteps: { inputs: { runCommand: string[] } }[];
  };
  const files = new Map<string, string>();
  for (const line of doc.mainSteps[0]?.inputs.runCommand ?? []) {
    const w = /^echo '([A-Za-z0-9+/=]*)' \| base64 -d > (\S+)\.new$/.exec(line);
    if (w?.[1] !== undefined && w[2] !== undefined) files.set(w[2], Buffer.from(w[1], "base64").toString("utf8"));
  }
  return files;
}
