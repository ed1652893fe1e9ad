import fc from 'fast-check';
import { OrderClock, operationStamp } from '../../src/records/record-order';

describe('OrderClock (the hybrid logical clock of record-order.ts)', () => {
  test('stamps of one clock sort in the order they were taken, even when the wall clock stands still or goes back', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 200 }), (steps) => {
      let wall = 1_796_000_000_000;
      const clock = new OrderClock(() => wall);
      const stamps: string[] = [];
      for (const step of steps) {
        wall += step;
        stamps.push(clock.next());
      }
      for (let i = 1; i < stamps.length; i++) expect(stamps[i - 1]! < stamps[i]!).toBe(true);
    }));
  });

  test('a stamp taken after seeing another is after it, though this clock is behind', () => {
    const behind = new OrderClock(() => 1_000);
    const ahead = new OrderClock(() => 5_000);
    const seen = ahead.next();
    const next = behind.next(seen);
    expect(next > seen).toBe(true);
    expect(behind.next() > next).toBe(true);
  });

  test('the wall clock leads: a stamp taken a millisecond later is after every stamp of the millisecond before', () => {
    let wall = 2_000;
    const clock = new OrderClock(() => wall);
    const early = Array.from({ length: 1000 }, () => clock.next());
    wall += 1;
    expect(clock.next() > (early.at(-1) as string)).toBe(true);
  });

  test("a bulk's operations sort by position after the bulk's stamp and before any later stamp", () => {
    let wall = 3_000;
    const clock = new OrderClock(() => wall);
    const bulk = clock.next();
    const ops = [0, 1, 9, 10, 999_999].map((seq) => operationStamp(bulk, seq));
    expect([...ops].sort()).toEqual(ops);
    expect(ops.every((o) => o > bulk)).toBe(true);
    const later = clock.next();
    expect(ops.every((o) => o < later)).toBe(true);
    wall += 10;
    expect(ops.every((o) => o < clock.next())).toBe(true);
  });
});
