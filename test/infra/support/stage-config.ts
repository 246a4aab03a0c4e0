import type { StageConfig } from '../../../lib/config/stage-config';
import { StageConfigError, validateStageConfig } from '../../../lib/config/stages';

/** The message of the StageConfigError a config is refused with (fails the test if it is accepted). */
export function stageConfigRefusal(config: StageConfig): string {
  try {
    validateStageConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(StageConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the stage config to be refused');
}
