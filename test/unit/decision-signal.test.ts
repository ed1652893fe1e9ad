import { parseDecisionSignal } from '../../workflows/decision-signal';

describe('parseDecisionSignal', () => {
  test.each([
    [{ action: 'APPROVE' }],
    [{ action: 'REJECT', description: 'no', id: 'd-1', author: { id: 'u-1', email: 'a@b.c' }, actedAt: '2026-01-01T00:00:00.000Z' }],
    [{ action: 'APPROVE', stepIndex: 0 }],
    [{ action: 'APPROVE', stepIndex: 3 }],
  ])('accepts %j', (raw) => {
    expect(parseDecisionSignal(raw)).toEqual({ ok: true, value: raw });
  });

  test.each<[unknown, string[]]>([
    ['not even an object', ['payload: must be an object']],
    [null, ['payload: must be an object']],
    [[{ action: 'APPROVE' }], ['payload: must be an object']],
    [{}, ['action: must be APPROVE or REJECT']],
    [{ action: 'MAYBE', extra: 1 }, ['extra: is not a field of a decision', 'action: must be APPROVE or REJECT']],
    [{ action: 'APPROVE', description: 7 }, ['description: must be a string']],
    [{ action: 'APPROVE', description: 'x'.repeat(2001) }, ['description: must be at most 2000 characters']],
    [{ action: 'APPROVE', id: '' }, ['id: must not be empty']],
    [{ action: 'APPROVE', author: 'me' }, ['author: must be an object']],
    [{ action: 'APPROVE', author: { email: 'a@b.c', role: 'x' } }, ['author.role: is not a field of an author', 'author.id: must be a non-empty string']],
    [{ action: 'APPROVE', stepIndex: -1 }, ['stepIndex: must be an integer from 0 to 999']],
    [{ action: 'APPROVE', stepIndex: 1.5 }, ['stepIndex: must be an integer from 0 to 999']],
    [{ action: 'APPROVE', stepIndex: '1' }, ['stepIndex: must be an integer from 0 to 999']],
  ])('refuses %j with every problem', (raw, problems) => {
    expect(parseDecisionSignal(raw)).toEqual({ ok: false, problems });
  });
});
