/** Reads an API-key parameter from SSM at deploy time (GetParameter with decryption), as a Pulumi secret. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * @param name - the SSM parameter name.
 * @param opts - the caller's `{ parent }`, so the invoke uses the caller's providers.
 * @returns the decrypted value, always marked secret; and the parameter name as SSM reports it.
 */
export function readKeyParameter(
  name: pulumi.Input<string>,
  opts: pulumi.InvokeOutputOptions,
): { name: pulumi.Output<string>; value: pulumi.Output<string> } {
  const parameter = aws.ssm.getParameterOutput({ name, withDecryption: true }, opts);
  return { name: parameter.name, value: pulumi.secret(parameter.value) };
}
