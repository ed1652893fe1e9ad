import type { OperatorContext } from '../../src/operators';
import { pipelineTriggered, stepTriggered } from '../../src/pipeline/trigger';
import { StepSchema, TriggerSchema, type Step } from '../../src/schemas/pipeline';

const ctx: OperatorContext = { action: 'UPDATE', data: { name: 'Ada', city: 'Toronto' } };

const step = (extra: Record<string, unknown> = {}): Step =>
  StepSchema.parse({ type: 'VALIDATOR', validator: { rules: [{ name: 'r', assert: { eq: { name: '*' } }, message: 'm', onFailure: 'WARN' }] }, ...extra });

const cityIsToronto = { type: 'OPERATOR', operator: { eq: { city: 'toronto' } } };
const onCreate = { type: 'OPERATOR', operator: { any: { '@action': ['CREATE'] } } };

describe('stepTriggered', () => {
  test.each<[string, Record<string, unknown>, boolean]>([
    ['no trigger', {}, true],
    ['ALWAYS', { trigger: { type: 'ALWAYS' } }, true],
    ['OPERATOR that holds', { trigger: cityIsToronto }, true],
    ['OPERATOR that does not hold', { trigger: onCreate }, false],
    ['OPERATOR with an id label, as the docs show trigger operators', { trigger: { type: 'OPERATOR', operator: { id: 'in-toronto', and: [{ eq: { city: 'Toronto' } }, { eq: { '@action': 'UPDATE' } }] } } }, true],
    ['OPERATOR on a missing property', { trigger: { type: 'OPERATOR', operator: { eq: { 'address.city': '*' } } } }, false],
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

describe('TriggerSchema', () => {
  test.each<[string, unknown, string[]]>([
    ['ALWAYS', { type: 'ALWAYS' }, []],
    ['OPERATOR', { type: 'OPERATOR', operator: { eq: { city: 'Toronto' } } }, []],
    ['an unknown type', { type: 'SOMETIMES' }, ['must be {"type": "ALWAYS"} or {"type": "OPERATOR", "operator": {...}}']],
    ['an OPERATOR without operator', { type: 'OPERATOR' }, ['must be an operator object; an operator object has exactly one of: and, or, not, eq, lt, gt, any, all, match, geoDistance, changed (and an optional "id")']],
    ['an old predicate as operator (no alias)', { type: 'OPERATOR', operator: { action: { in: ['CREATE'] } } }, [
      'unknown operator(s) "action"; an operator object has exactly one of: and, or, not, eq, lt, gt, any, all, match, geoDistance, changed (and an optional "id")',
      'empty operator: an operator object has exactly one of: and, or, not, eq, lt, gt, any, all, match, geoDistance, changed (and an optional "id")',
    ]],
  ])('%s', (_name, input, messages) => {
    const result = TriggerSchema.safeParse(input);
    expect(result.success ? [] : result.error.issues.map((i) => i.message)).toEqual(messages);
  });
});
