import type { PredicateContext } from '../../src/predicate';
import { pipelineTriggered, stepTriggered } from '../../src/pipeline/trigger';
import { StepSchema, type Step } from '../../src/schemas/pipeline';

const ctx: PredicateContext = { action: 'UPDATE', record: { type: 'Practitioner', data: { name: 'Ada', city: 'Toronto' } } };

const step = (extra: Record<string, unknown> = {}): Step =>
  StepSchema.parse({ type: 'VALIDATOR', config: { rules: [{ name: 'r', assert: { property: 'data.name', exists: true }, message: 'm', onFailure: 'WARN' }] }, ...extra });

const cityIsToronto = { type: 'OPERATOR', operator: { property: 'data.city', eq: 'Toronto' } };
const onCreate = { type: 'OPERATOR', operator: { action: { in: ['CREATE'] } } };

describe('stepTriggered', () => {
  test.each<[string, Record<string, unknown>, boolean]>([
    ['no trigger', {}, true],
    ['ALWAYS', { trigger: { type: 'ALWAYS' } }, true],
    ['OPERATOR that holds', { trigger: cityIsToronto }, true],
    ['OPERATOR that does not hold', { trigger: onCreate }, false],
    ['onlyOnTriggeredPipeline does not change the step trigger', { trigger: { type: 'ALWAYS' }, onlyOnTriggeredPipeline: true }, true],
  ])('%s', (_name, extra, expected) => {
    expect(stepTriggered(step(extra), ctx)).toBe(expected);
  });
});

describe('pipelineTriggered', () => {
  test.each<[string, Record<string, unknown>[], boolean]>([
    ['no steps', [], false],
    ['one untriggered step', [{}], true],
    ['only a non-matching OPERATOR', [{ trigger: onCreate }], false],
    ['a matching OPERATOR among non-matching ones', [{ trigger: onCreate }, { trigger: cityIsToronto }], true],
    ['only onlyOnTriggeredPipeline steps, all firing', [{ onlyOnTriggeredPipeline: true }, { trigger: cityIsToronto, onlyOnTriggeredPipeline: true }], false],
    ['an onlyOnTriggeredPipeline step firing, the starter not', [{ trigger: onCreate }, { trigger: cityIsToronto, onlyOnTriggeredPipeline: true }], false],
    ['a starter firing, followed by onlyOnTriggeredPipeline steps', [{ trigger: cityIsToronto }, { onlyOnTriggeredPipeline: true }], true],
    ['onlyOnTriggeredPipeline false counts as a starter', [{ onlyOnTriggeredPipeline: false }], true],
  ])('%s', (_name, extras, expected) => {
    expect(pipelineTriggered(extras.map(step), ctx)).toBe(expected);
  });
});
