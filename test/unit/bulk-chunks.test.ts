import fc from 'fast-check';
import { canWaitForReview } from '../../src/records/pipelines';
import { chunkOf } from '../../src/records/tasks';
import { StepSchema } from '../../src/schemas/pipeline';

describe('chunkOf', () => {
  test('finds the chunk holding a position from the chunks\' first positions', () => {
    const starts = [0, 1000, 1400, 2400];
    expect([0, 999, 1000, 1399, 1400, 2399, 2400, 9999].map((seq) => chunkOf(starts, seq))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(chunkOf([0], 5)).toBe(0);
  });

  test('agrees with a linear scan for any chunking', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 30 }), fc.nat(2000), (sizes, probe) => {
      const starts = sizes.reduce<number[]>((acc, _size, i) => [...acc, i === 0 ? 0 : (acc[i - 1] ?? 0) + (sizes[i - 1] ?? 0)], []);
      const total = sizes.reduce((a, b) => a + b, 0);
      const seq = probe % total;
      let linear = 0;
      starts.forEach((start, i) => {
        if (start <= seq) linear = i;
      });
      expect(chunkOf(starts, seq)).toBe(linear);
    }));
  });
});

describe('canWaitForReview (which executions run inside their record workflow)', () => {
  const normalize = { type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } };
  const validator = (onFailure: 'FAIL' | 'REVIEW' | 'WARN') => ({ type: 'VALIDATOR', validator: { rules: [{ name: 'r', message: 'm', onFailure, assert: { eq: { name: '*' } } }] } });
  test.each<[string, unknown[], boolean]>([
    ['augmenters only', [normalize], false],
    ['a validator that fails or warns', [normalize, validator('FAIL'), validator('WARN')], false],
    ['a validator rule that sends to review', [validator('REVIEW')], true],
    ['a human review step', [normalize, { type: 'HUMAN_REVIEW', humanReview: {} }], true],
    ['a human review step without settings (humanReview defaults to {})', [{ type: 'HUMAN_REVIEW' }], true],
  ])('%s → %s', (_name, steps, expected) => {
    expect(canWaitForReview(StepSchema.array().parse(steps))).toBe(expected);
  });
});
