import { allowedWinners, checkFinal, type SentRequest } from '../support/order-model';

const req = (name: string, sentAt: number, answeredAt: number | undefined, applied: SentRequest['applied'], expected: SentRequest['expected']): SentRequest => ({ name, sentAt, answeredAt, applied, expected });

describe('the model the concurrency tests check against', () => {
  test('a request answered before another applied one was sent cannot be the last', () => {
    const first = req('A', 0, 10, 'yes', { v: 'A' });
    const second = req('B', 20, 30, 'yes', { v: 'B' });
    expect(allowedWinners([first, second]).candidates).toEqual([second]);
    expect(checkFinal('r', [first, second], { v: 'A' }, null)).toMatch(/ends with/);
    expect(checkFinal('r', [first, second], { v: 'B' }, null)).toBeUndefined();
  });

  test('requests in flight together may end either way', () => {
    const a = req('A', 0, 30, 'yes', { v: 'A' });
    const b = req('B', 10, 20, 'yes', { v: 'B' });
    expect(checkFinal('r', [a, b], { v: 'A' }, null)).toBeUndefined();
    expect(checkFinal('r', [a, b], { v: 'B' }, null)).toBeUndefined();
  });

  test('a cancelled or refused request never stands; with none applied the record keeps what it had', () => {
    const cancelled = req('A', 0, 10, 'no', { v: 'A' });
    expect(checkFinal('r', [cancelled], { v: 'A' }, { v: 'old' })).toMatch(/ends with/);
    expect(checkFinal('r', [cancelled], { v: 'old' }, { v: 'old' })).toBeUndefined();
  });

  test('an unanswered request may have run: it may stand, and a delete may leave the record absent', () => {
    const applied = req('A', 0, 10, 'yes', { v: 'A' });
    const lost = req('D', 20, undefined, 'maybe', null);
    expect(checkFinal('r', [applied, lost], null, null)).toBeUndefined();
    expect(checkFinal('r', [applied, lost], { v: 'A' }, null)).toBeUndefined();
    expect(checkFinal('r', [applied, lost], { v: 'old' }, { v: 'old' })).toMatch(/ends with/);
  });
});
