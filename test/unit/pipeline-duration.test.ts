import { parseDuration } from '../../src/pipeline/duration';

describe('parseDuration', () => {
  test.each<[string, number]>([
    ['500ms', 500],
    ['0s', 0],
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['90m', 5_400_000],
    ['0010s', 10_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '10', '1.5h', '-1s', '1w', ' 1s', '1s ', '1S', 'ms', '1 s', '1h30m'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(`"${text}" is not a duration such as 500ms, 30s, 15m, 2h or 7d`);
  });

  test('rejects a duration beyond safe integers', () => {
    expect(() => parseDuration('999999999999999d')).toThrow('"999999999999999d" is too long a duration');
  });
});
