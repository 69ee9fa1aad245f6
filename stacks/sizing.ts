/**
 * Each target's sizing from the stack config, in one place: the stack program hands it to the target's component,
 * and stacks/cost.ts hands the same object to the cost model, so the estimate always prices what is deployed.
 */
import type {
  CloudRunSizing,
  DockerhostSizing,
  Ec2Sizing,
  FargateSizing,
  LambdaSizing,
} from "../infra/core/cost/model.js";
import { COST_ASSUMPTIONS } from "../infra/core/defaults.js";
import type { StackConfig } from "./config.js";

export interface TargetSizing {
  lambda: Required<LambdaSizing>;
  fargate: Required<FargateSizing>;
  cloudrun: Required<CloudRunSizing>;
  ec2: Required<Ec2Sizing>;
  dockerhost: Required<DockerhostSizing>;
}

export function targetSizing(config: StackConfig): TargetSizing {
  const { fargate: f, cloudrun: c } = config;
  return {
    lambda: { memoryMiB: config.memoryMiB },
    fargate: {
      cpu: f.cpu,
      memoryMiB: config.memoryMiB,
      minTasks: f.minTasks,
      maxTasks: f.maxTasks,
      privateSubnets: f.privateSubnets,
      // Only the estimate reads it (the component takes `efs`); the assumed size is a documented default.
      efsGb: config.fargateEfs ? COST_ASSUMPTIONS.efsWorkspaceGb : 0,
    },
    cloudrun: {
      cpu: c.cpu,
      memoryMiB: config.memoryMiB,
      concurrency: c.concurrency,
      maxInstances: c.maxInstances,
      edge: c.edge,
    },
    ec2: { instanceType: config.ec2.instanceType },
    dockerhost: { logging: config.dockerhost.logging, keySource: config.dockerhost.keySource },
  };
}
