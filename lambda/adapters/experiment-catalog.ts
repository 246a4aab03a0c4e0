import { currentExperiment, type RoutingKnobs, type RuntimeConfigDocument } from '../core/runtime-config';
import type { ExperimentCatalog } from '../use-cases/ports/report';

/** The experiments as the runtime config records them (or the deploy-time one, without a document). */
export function runtimeConfigExperiments(
  read: () => Promise<RuntimeConfigDocument | undefined>,
  deployTime: RoutingKnobs,
): ExperimentCatalog {
  return {
    current: async () => currentExperiment(deployTime, await read()),
    recent: async () => {
      const doc = await read();
      return [currentExperiment(deployTime, doc), ...(doc?.experiments ?? [])];
    },
  };
}
