import type { OperatorContext } from '../../src/operators';
import { runValidator, validatorOutcome, type ValidatorConfig, type ValidatorFailure } from '../../src/pipeline/validator';
import { StepSchema } from '../../src/schemas/pipeline';

const config = (rules: unknown[]): ValidatorConfig => {
  const step = StepSchema.parse({ type: 'VALIDATOR', validator: { rules } });
  if (step.type !== 'VALIDATOR') throw new Error('unreachable');
  return step.validator;
};

const hasEmail = { name: 'has-email', assert: { eq: { email: '*' } }, message: 'an e-mail is required', onFailure: 'REVIEW' };
const adult = { name: 'adult', assert: { gt: { age: 18 } }, message: 'must be an adult', onFailure: 'FAIL' };
const namedOnCreate = {
  name: 'named-on-create',
  assert: { or: [{ not: { eq: { '@action': 'CREATE' } } }, { eq: { name: '*' } }] },
  message: 'a new record needs a name',
  onFailure: 'WARN',
};

const ctx = (data: Record<string, unknown>, action: OperatorContext['action'] = 'CREATE'): OperatorContext => ({ action, data });

describe('runValidator', () => {
  test.each<[string, OperatorContext, ValidatorFailure[]]>([
    ['all rules hold', ctx({ email: 'a@b.co', age: 40, name: 'Ada' }), []],
    [
      'every rule fails',
      ctx({ age: 12 }),
      [
        { rule: 'has-email', message: 'an e-mail is required', onFailure: 'REVIEW' },
        { rule: 'adult', message: 'must be an adult', onFailure: 'FAIL' },
        { rule: 'named-on-create', message: 'a new record needs a name', onFailure: 'WARN' },
      ],
    ],
    ['a missing number fails gt', ctx({ email: 'a@b.co', name: 'Ada' }), [{ rule: 'adult', message: 'must be an adult', onFailure: 'FAIL' }]],
    ['gt is inclusive: 18 is an adult (docs: "greater or equal")', ctx({ email: 'a@b.co', age: 18, name: 'Ada' }), []],
    ['17 is not', ctx({ email: 'a@b.co', age: 17, name: 'Ada' }), [{ rule: 'adult', message: 'must be an adult', onFailure: 'FAIL' }]],
    ['a rule scoped by action', ctx({ email: 'a@b.co', age: 30 }, 'UPDATE'), []],
    ['the same rule on create', ctx({ email: 'a@b.co', age: 30 }), [{ rule: 'named-on-create', message: 'a new record needs a name', onFailure: 'WARN' }]],
  ])('%s', (_name, context, failures) => {
    expect(runValidator(config([hasEmail, adult, namedOnCreate]), context)).toEqual({ failures });
  });

  test('a changed rule compares with the stored record', () => {
    const frozenName = config([{ name: 'frozen-name', assert: { not: { changed: { name: true } } }, message: 'name is frozen', onFailure: 'FAIL' }]);
    const base = { action: 'UPDATE' as const, previous: { name: 'Ada' } };
    expect(runValidator(frozenName, { ...base, data: { name: 'Ada' } })).toEqual({ failures: [] });
    expect(runValidator(frozenName, { ...base, data: { name: 'Grace' } })).toEqual({
      failures: [{ rule: 'frozen-name', message: 'name is frozen', onFailure: 'FAIL' }],
    });
  });
});

describe('the validator step schema', () => {
  test.each<[string, unknown, string[]]>([
    ['a rule with an old predicate (no alias)', { rules: [{ ...hasEmail, assert: { property: 'data.email', exists: true } }] }, [
      'unknown operator(s) "property", "exists"; an operator object has exactly one of: and, or, not, eq, lt, gt, any, all, match, geoDistance, changed (and an optional "id")',
      'empty operator: an operator object has exactly one of: and, or, not, eq, lt, gt, any, all, match, geoDistance, changed (and an optional "id")',
    ]],
    ['the old config key', undefined, ['unknown key(s) "config"; a VALIDATOR step is {"type": "VALIDATOR", "trigger"?, "onlyOnTriggeredPipeline"?, "validator": {...}}']],
  ])('refuses %s', (_name, validator, messages) => {
    const body = validator === undefined ? { type: 'VALIDATOR', validator: { rules: [hasEmail] }, config: { rules: [hasEmail] } } : { type: 'VALIDATOR', validator };
    const result = StepSchema.safeParse(body);
    expect(result.success ? [] : result.error.issues.map((i) => i.message)).toEqual(messages);
  });
});

describe('validatorOutcome', () => {
  const failure = (onFailure: ValidatorFailure['onFailure']): ValidatorFailure => ({ rule: onFailure.toLowerCase(), message: 'm', onFailure });
  test.each<[ValidatorFailure['onFailure'][], 'PASS' | 'REVIEW' | 'FAIL']>([
    [[], 'PASS'],
    [['WARN'], 'PASS'],
    [['WARN', 'WARN'], 'PASS'],
    [['REVIEW'], 'REVIEW'],
    [['WARN', 'REVIEW'], 'REVIEW'],
    [['FAIL'], 'FAIL'],
    [['REVIEW', 'FAIL', 'WARN'], 'FAIL'],
  ])('%j → %s', (kinds, outcome) => {
    expect(validatorOutcome(kinds.map(failure))).toBe(outcome);
  });
});
