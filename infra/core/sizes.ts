/**
 * The sizes each platform offers, as data (pure: no Pulumi), shared by the components that deploy them and the stack
 * config schema that validates them.
 */

/** Fargate task sizes: vCPU → allowed memory, MiB (Amazon ECS Developer Guide, "Task CPU and memory",
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size). */
export const FARGATE_SIZES: Record<string, number[]> = {
  "0.25": [512, 1024, 2048],
  "0.5": [1024, 2048, 3072, 4096],
  "1": Array.from({ length: 7 }, (_, i) => 2048 + i * 1024),
  "2": Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
  "4": Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
};

/** Cloud Run edges: none (the run.app URL) or an external HTTPS load balancer with Cloud Armor. */
export const CLOUD_RUN_EDGES = ["none", "loadbalancer"] as const;
export type CloudRunEdge = (typeof CLOUD_RUN_EDGES)[number];

/** vCPU per Cloud Run instance (https://cloud.google.com/run/docs/configuring/services/cpu). */
export const CLOUD_RUN_CPUS = [1, 2, 4, 6, 8] as const;

/**
 * Memory each Cloud Run vCPU count allows, MiB, inclusive: `[min, max]`. From the "vCPU and memory table" of
 * "Configure CPU limits for services" (https://cloud.google.com/run/docs/configuring/services/cpu): 1 vCPU up to
 * 4 GiB, 2 vCPU up to 8 GiB, 4 vCPU 2 to 16 GiB, 6 vCPU 4 to 24 GiB, 8 vCPU 4 to 32 GiB. The floor of 128 MiB is the
 * first-generation execution environment's minimum ("Configure memory limits for services",
 * https://cloud.google.com/run/docs/configuring/services/memory-limits; the second generation needs 512 MiB).
 */
export const CLOUD_RUN_MEMORY_MIB: Record<(typeof CLOUD_RUN_CPUS)[number], readonly [number, number]> = {
  1: [128, 4096],
  2: [128, 8192],
  4: [2048, 16_384],
  6: [4096, 24_576],
  8: [4096, 32_768],
};

/**
 * Why Cloud Run would refuse `cpu` vCPU with `memoryMiB` MiB, or `undefined` when the pair is allowed
 * ({@link CLOUD_RUN_MEMORY_MIB}). Pure, so the component's argument check and the stack config schema give the same
 * answer before anything is built (review finding m1: the API refused such pairs only after the image build).
 * @param cpu - vCPU per instance; anything outside {@link CLOUD_RUN_CPUS} is reported.
 * @param memoryMiB - memory per instance, MiB.
 * @returns e.g. "4 vCPU needs 2048 to 16384 MiB of memory, got 512 MiB".
 */
export function cloudRunSizeProblem(cpu: number, memoryMiB: number): string | undefined {
  const range = CLOUD_RUN_MEMORY_MIB[cpu as (typeof CLOUD_RUN_CPUS)[number]];
  if (range === undefined) return `vCPU must be one of ${CLOUD_RUN_CPUS.join(", ")}, got ${cpu}`;
  const [min, max] = range;
  if (!Number.isInteger(memoryMiB) || memoryMiB < min || memoryMiB > max) {
    return `${cpu} vCPU needs ${min} to ${max} MiB of memory, got ${memoryMiB} MiB`;
  }
  return undefined;
}
