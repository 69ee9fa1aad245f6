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
