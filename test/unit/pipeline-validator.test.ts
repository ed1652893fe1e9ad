import type { PredicateContext } from '../../src/predicate';
import { runValidator, validatorOutcome, type ValidatorConfig, type ValidatorFailure } from '../../src/pipeline/validator';
import { StepSchema } from '../../src/schemas/pipeline';

const config = (rules: unknown[]): ValidatorConfig => {
  const step = StepSchema.parse({ type: 'VALIDATOR', config: { rules } });
  if (step.type !== 'VALIDATOR') throw new Error('unreachable');
  return step.config;
};

const hasEmail = { name: 'has-email', assert: { property: 'data.email', exists: true }, message: 'an e-mail is required', onFailure: 'REVIEW' };
const adult = { name: 'adult', assert: { property: 'data.age', gte: 18 }, message: 'must be an adult', onFailure: 'FAIL' };
const namedOnCreate = {
  name: 'named-on-create',
  assert: { or: [{ not: { action: { in: ['CREATE'] } } }, { property: 'data.name', exists: true }] },
  message: 'a new record needs a name',
  onFailure: 'WARN',
};

const ctx = (data: Record<string, unknown>, action: PredicateContext['action'] = 'CREATE'): PredicateContext => ({
  action,
  record: { type: 'Patient', data },
});

describe('runValidator', () => {
  test.each<[string, PredicateContext, ValidatorFailure[]]>([
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
    ['a missing number fails gte', ctx({ email: 'a@b.co', name: 'Ada' }), [{ rule: 'adult', message: 'must be an adult', onFailure: 'FAIL' }]],
    ['a rule scoped by action', ctx({ email: 'a@b.co', age: 30 }, 'UPDATE'), []],
    ['the same rule on create', ctx({ email: 'a@b.co', age: 30 }), [{ rule: 'named-on-create', message: 'a new record needs a name', onFailure: 'WARN' }]],
  ])('%s', (_name, context, failures) => {
    expect(runValidator(config([hasEmail, adult, namedOnCreate]), context)).toEqual({ failures });
  });

  test('a changed rule compares with the stored record', () => {
    const frozenName = config([{ name: 'frozen-name', assert: { not: { property: 'data.name', changed: true } }, message: 'name is frozen', onFailure: 'FAIL' }]);
    const base = { action: 'UPDATE' as const, previous: { data: { name: 'Ada' } } };
    expect(runValidator(frozenName, { ...base, record: { data: { name: 'Ada' } } })).toEqual({ failures: [] });
    expect(runValidator(frozenName, { ...base, record: { data: { name: 'Grace' } } })).toEqual({
      failures: [{ rule: 'frozen-name', message: 'name is frozen', onFailure: 'FAIL' }],
    });
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
