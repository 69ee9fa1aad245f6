/**
 * AWS service limits that more than one layer checks (pure: no Pulumi), so the component that stays under a limit and
 * the policy that enforces it read the same figure.
 */

/** Where {@link EC2_USER_DATA_MAX_BYTES} is documented. */
export const EC2_USER_DATA_DOC = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html";

/**
 * EC2 user data limit, bytes in raw form (before base64): 16,384. "User data is limited to 16 KB, in raw form, before
 * it is base64-encoded" ({@link EC2_USER_DATA_DOC}). RunInstances rejects anything larger.
 */
export const EC2_USER_DATA_MAX_BYTES = 16_384;
