/**
 * Deploy-time reads of SSM parameters: an API key's value (GetParameter with decryption, as a Pulumi secret), or only a
 * parameter's version number (no decryption, so no key value enters the program).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * @param name - the SSM parameter name.
 * @param opts - the caller's `{ parent }`, so the invoke uses the caller's providers.
 * @returns the decrypted value, always marked secret; and the parameter name as SSM reports it.
 * @throws at deploy time (the invoke fails) with `ParameterNotFound` when the parameter does not exist.
 */
export function readKeyParameter(
  name: pulumi.Input<string>,
  opts: pulumi.InvokeOutputOptions,
): { name: pulumi.Output<string>; value: pulumi.Output<string> } {
  const parameter = aws.ssm.getParameterOutput({ name, withDecryption: true }, opts);
  return { name: parameter.name, value: pulumi.secret(parameter.value) };
}

/**
 * The current version of an SSM parameter: an integer that SSM raises by 1 on every `PutParameter --overwrite`
 * (AWS Systems Manager User Guide, "Working with parameter versions":
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-versions.html). Reads with
 * `withDecryption: false`, so no plaintext key value is fetched and no `kms:Decrypt` is needed by the deployer; only
 * the version is kept.
 *
 * Used where a consumer reads the value only when it starts (ECS `secrets`): putting the versions into the consumer's
 * definition makes a changed value a changed definition, hence a new deployment on the next `pulumi up`.
 *
 * @param name - the SSM parameter name (or ARN).
 * @param opts - the caller's `{ parent }`, so the invoke uses the caller's providers.
 * @returns the version, e.g. 3; not secret (a counter reveals nothing about the value).
 * @throws at deploy time (the invoke fails) with `ParameterNotFound` when the parameter does not exist.
 */
export function readParameterVersion(
  name: pulumi.Input<string>,
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<number> {
  return aws.ssm.getParameterOutput({ name, withDecryption: false }, opts).version;
}
