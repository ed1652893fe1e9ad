import { evaluateOperator, type OperatorContext } from '../operators';
import type { Step } from '../schemas/pipeline';

export type ValidatorConfig = Extract<Step, { type: 'VALIDATOR' }>['validator'];
export type ValidatorOnFailure = ValidatorConfig['rules'][number]['onFailure'];

/** A validator rule whose assertion did not hold. */
export interface ValidatorFailure {
  rule: string;
  message: string;
  onFailure: ValidatorOnFailure;
}

/** What a validator step decides: FAIL stops the execution, REVIEW sends it to a reviewer, PASS goes on. */
export type ValidatorOutcome = 'PASS' | 'REVIEW' | 'FAIL';

/** Evaluates every rule of a VALIDATOR step; a rule fails when its `assert` operator does not hold. */
export function runValidator(config: ValidatorConfig, ctx: OperatorContext): { failures: ValidatorFailure[] } {
  const failures = config.rules
    .filter((rule) => !evaluateOperator(rule.assert, ctx))
    .map((rule) => ({ rule: rule.name, message: rule.message, onFailure: rule.onFailure }));
  return { failures };
}

/** The strictest outcome among failures; WARN-only failures pass (they are recorded on the execution). */
export function validatorOutcome(failures: readonly ValidatorFailure[]): ValidatorOutcome {
  if (failures.some((f) => f.onFailure === 'FAIL')) return 'FAIL';
  if (failures.some((f) => f.onFailure === 'REVIEW')) return 'REVIEW';
  return 'PASS';
}
