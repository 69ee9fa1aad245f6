/** Policies for container images and services: ECR scans on push, ECS deployments wait for a steady state. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asRecord, reveal, TYPES } from "./lib.js";

const SCAN_DOC = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-basic.html";
const STEADY_DOC = "https://www.pulumi.com/registry/packages/aws/api-docs/ecs/service/#waitforsteadystate_nodejs";

/** `ecr-scan-on-push`: ECR repositories scan each pushed image (`imageScanningConfiguration.scanOnPush`), SCAN_DOC. */
export const ecrScanOnPush: ResourceValidationPolicy = {
  name: "ecr-scan-on-push",
  description: `ECR repositories scan images on push (imageScanningConfiguration.scanOnPush=true) (${SCAN_DOC}).`,
  validateResource: (args, report) => {
    if (args.type !== TYPES.ecrRepository) return;
    if (reveal(asRecord(args.props.imageScanningConfiguration)?.scanOnPush) !== true)
      report(`${args.name}: imageScanningConfiguration.scanOnPush is not true (${SCAN_DOC})`);
  },
};

/**
 * `ecs-wait-for-steady-state`: an ECS service sets `waitForSteadyState: true`, so that `pulumi up` fails when a new task
 * definition never becomes healthy instead of passing while the circuit breaker rolls back (review finding F13).
 * Source: STEADY_DOC ("If true, Pulumi will wait for the service to reach a steady state … before continuing").
 */
export const ecsWaitForSteadyState: ResourceValidationPolicy = {
  name: "ecs-wait-for-steady-state",
  description: `ECS services wait for a steady state (waitForSteadyState=true), so a broken image fails the update (${STEADY_DOC}).`,
  validateResource: (args, report) => {
    if (args.type !== TYPES.ecsService) return;
    if (reveal(args.props.waitForSteadyState) !== true)
      report(
        `${args.name}: waitForSteadyState is not true; a failed rollout would still pass pulumi up (${STEADY_DOC})`,
      );
  },
};
