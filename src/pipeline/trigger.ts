import { evaluateOperator, type OperatorContext } from '../operators';
import type { Step } from '../schemas/pipeline';

/** Whether a step's own trigger fires: no trigger or ALWAYS fires, OPERATOR fires when its operator holds. */
export function stepTriggered(step: Step, ctx: OperatorContext): boolean {
  if (step.trigger === undefined || step.trigger.type === 'ALWAYS') return true;
  return evaluateOperator(step.trigger.operator, ctx);
}

/**
 * Whether a write starts a pipeline execution: some step not marked `onlyOnTriggeredPipeline` fires.
 * Steps so marked run only inside an execution another step started; alone they never start one.
 */
export function pipelineTriggered(steps: readonly Step[], ctx: OperatorContext): boolean {
  return steps.some((step) => step.onlyOnTriggeredPipeline !== true && stepTriggered(step, ctx));
}
