/**
 * Policies for @pulumi/command resources, the rules the Pulumi engine applies where our code hands over to it:
 * - a Command whose `delete` runs is *replaced* only through `triggers` in @pulumi/command 1.x (the only
 *   `replaceOnChanges` input: pulumi/pulumi-command provider/pkg/provider/common/inputs.go), and a replacement
 *   creates the new resource first and deletes the old one at the end of the update
 *   (https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/), so a delete next to triggers runs during an
 *   ordinary rollout (round-2 review R2-B1: `compose down --volumes` after every deploy);
 * - a `remote.Command` without `connection.hostKey` accepts any host key ("If not provided, the host key will be
 *   ignored", pulumi/pulumi-command provider/pkg/provider/remote/connection.go), so its standard input (keys,
 *   certificates) goes to whoever answers at the address (R2-M1).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asRecord, reveal } from "./lib.js";

const COMMAND_TYPES = ["command:remote:Command", "command:local:Command"];
const INPUTS_SOURCE = "https://github.com/pulumi/pulumi-command/blob/v1.2.1/provider/pkg/provider/common/inputs.go";
const REPLACE_DOC = "https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/";
const HOST_KEY_SOURCE =
  "https://github.com/pulumi/pulumi-command/blob/v1.2.1/provider/pkg/provider/remote/connection.go";

/** `command-no-destructive-replace`: a Command with a `delete` has no `triggers`. */
export const commandNoDestructiveReplace: ResourceValidationPolicy = {
  name: "command-no-destructive-replace",
  description: `A Command with a delete has no triggers: a trigger change replaces it, and the old delete then runs at the end of the update (${INPUTS_SOURCE}, ${REPLACE_DOC}).`,
  validateResource: (args, report) => {
    if (!COMMAND_TYPES.includes(args.type)) return;
    const del = reveal(args.props.delete);
    if (typeof del === "string" && del !== "" && asArray(args.props.triggers).length > 0)
      report(
        `${args.name}: has both a delete and triggers; a trigger change would run the delete during a rollout. Move the delete into its own Command without triggers (${INPUTS_SOURCE}, ${REPLACE_DOC})`,
      );
  },
};

/** `command-host-key-pinned`: every remote Command's connection names the host key it accepts. */
export const commandHostKeyPinned: ResourceValidationPolicy = {
  name: "command-host-key-pinned",
  description: `A remote.Command's connection pins the host key (connection.hostKey); without it any host key is accepted (${HOST_KEY_SOURCE}).`,
  validateResource: (args, report) => {
    if (args.type !== "command:remote:Command") return;
    const hostKey = reveal(asRecord(args.props.connection)?.hostKey);
    if (typeof hostKey !== "string" || hostKey.trim() === "")
      report(`${args.name}: connection.hostKey is not set, so any host key is accepted (${HOST_KEY_SOURCE})`);
  },
};
