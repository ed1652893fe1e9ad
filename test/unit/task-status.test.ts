import fc from 'fast-check';
import { taskStatus, type StatusCounts } from '../../src/task-status';

const counts = (c: Partial<StatusCounts>): StatusCounts => ({ SUCCESS: 0, PENDING: 0, FAILURE: 0, CANCELLED: 0, ...c });

describe('taskStatus', () => {
  test.each<[string, Partial<StatusCounts>, ReturnType<typeof taskStatus>]>([
    ['one operation in progress', { PENDING: 1 }, 'PENDING'],
    ['one pending among successes', { SUCCESS: 99, PENDING: 1 }, 'PENDING'],
    ['one pending among failures and cancellations', { FAILURE: 3, CANCELLED: 2, PENDING: 1 }, 'PENDING'],
    ['no receipts yet (bulk still staging)', {}, 'PENDING'],
    ['every operation persisted', { SUCCESS: 1 }, 'SUCCESS'],
    ['a large bulk fully persisted', { SUCCESS: 100_000 }, 'SUCCESS'],
    ['one operation failed', { FAILURE: 1 }, 'FAILURE'],
    ['one failure among successes', { SUCCESS: 9, FAILURE: 1 }, 'FAILURE'],
    ['one cancellation among successes', { SUCCESS: 9, CANCELLED: 1 }, 'FAILURE'],
    ['failures and cancellations', { FAILURE: 1, CANCELLED: 1 }, 'FAILURE'],
    ['every operation cancelled', { CANCELLED: 1 }, 'CANCELLED'],
    ['a whole bulk cancelled', { CANCELLED: 500 }, 'CANCELLED'],
  ])('%s → %s', (_name, c, expected) => {
    expect(taskStatus(counts(c))).toBe(expected);
  });

  const count = fc.nat({ max: 1_000_000 });
  const anyCounts = fc.record({ SUCCESS: count, PENDING: count, FAILURE: count, CANCELLED: count });

  test('any counts with PENDING > 0 → PENDING', () => {
    fc.assert(fc.property(anyCounts, fc.integer({ min: 1, max: 1_000_000 }), (c, pending) => {
      expect(taskStatus({ ...c, PENDING: pending })).toBe('PENDING');
    }));
  });

  test('with nothing pending: SUCCESS only when all succeeded, CANCELLED only when all were cancelled, else FAILURE', () => {
    fc.assert(fc.property(anyCounts, (raw) => {
      const c = { ...raw, PENDING: 0 };
      const total = c.SUCCESS + c.FAILURE + c.CANCELLED;
      fc.pre(total > 0);
      const expected = c.SUCCESS === total ? 'SUCCESS' : c.CANCELLED === total ? 'CANCELLED' : 'FAILURE';
      expect(taskStatus(c)).toBe(expected);
    }));
  });

  test('any failure or cancellation next to a success is a FAILURE once nothing is pending', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), (success, failure, cancelled) => {
      fc.pre(failure + cancelled > 0);
      expect(taskStatus(counts({ SUCCESS: success, FAILURE: failure, CANCELLED: cancelled }))).toBe('FAILURE');
    }));
  });
});
