import fc from 'fast-check';

import type { StepIssue } from '../../src/pipeline/data-path';
import { chunkTokens, segment, type SegmenterConfig } from '../../src/pipeline/segmenter';
import { StepSchema } from '../../src/schemas/pipeline';

const config = (c: Record<string, unknown>): SegmenterConfig => {
  const step = StepSchema.parse({ type: 'SEGMENTER', config: c });
  if (step.type !== 'SEGMENTER') throw new Error('unreachable');
  return step.config;
};

describe('chunkTokens', () => {
  test.each<[string, number, number, string[]]>([
    ['a b c d e', 2, 0, ['a b', 'c d', 'e']],
    ['a b c d', 2, 0, ['a b', 'c d']],
    ['a b c d e', 3, 1, ['a b c', 'c d e']],
    ['a b c d e f', 3, 1, ['a b c', 'c d e', 'e f']],
    ['a b c d', 2, 1, ['a b', 'b c', 'c d']],
    ['a b c', 5, 2, ['a b c']],
    ['a b c', 3, 2, ['a b c']],
    ['  a\n\tb  \u00a0c ', 1, 0, ['a', 'b', 'c']],
    ['one', 1, 0, ['one']],
    ['', 3, 0, []],
    [' \n ', 3, 1, []],
  ])('%j in %i with overlap %i', (text, maxTokens, overlap, chunks) => {
    expect(chunkTokens(text, maxTokens, overlap)).toEqual(chunks);
  });

  test.each<[number, number]>([
    [0, 0],
    [2, 2],
    [2, -1],
    [1.5, 0],
  ])('rejects maxTokens %d with overlap %d', (maxTokens, overlap) => {
    expect(() => chunkTokens('a b', maxTokens, overlap)).toThrow(RangeError);
  });

  test('chunks are at most maxTokens, overlap exactly, and rebuild the token sequence', () => {
    const token = fc.stringMatching(/^[a-zé.,]{1,4}$/u);
    const space = fc.constantFrom(' ', '  ', '\n', '\t', ' \u00a0');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(token, space), { maxLength: 60 }),
        space,
        fc.integer({ min: 1, max: 12 }).chain((max) => fc.tuple(fc.constant(max), fc.integer({ min: 0, max: max - 1 }))),
        (pairs, lead, [maxTokens, overlap]) => {
          const tokens = pairs.map(([t]) => t);
          const text = lead + pairs.map(([t, s]) => t + s).join('');
          const chunks = chunkTokens(text, maxTokens, overlap).map((c) => c.split(' '));
          for (const chunk of chunks) {
            expect(chunk.length).toBeGreaterThan(0);
            expect(chunk.length).toBeLessThanOrEqual(maxTokens);
          }
          chunks.slice(1).forEach((chunk, i) => {
            const previous = chunks[i] as string[];
            expect(chunk.slice(0, overlap)).toEqual(previous.slice(previous.length - overlap));
          });
          const rebuilt = chunks.flatMap((chunk, i) => (i === 0 ? chunk : chunk.slice(overlap)));
          expect(rebuilt).toEqual(tokens);
        },
      ),
    );
  });
});

describe('segment', () => {
  test.each<[string, SegmenterConfig, Record<string, unknown>, Record<string, unknown>, StepIssue[]]>([
    [
      'writes chunks to the target',
      config({ source: 'data.text', target: 'data.segments', maxTokens: 3, overlap: 1 }),
      { text: 'Ada wrote the first program in 1843.' },
      { text: 'Ada wrote the first program in 1843.', segments: ['Ada wrote the', 'the first program', 'program in 1843.'] },
      [],
    ],
    [
      'overlap defaults to 0 and nested paths are created',
      config({ source: 'data.bio.text', target: 'data.index.chunks', maxTokens: 2 }),
      { bio: { text: 'a b c' } },
      { bio: { text: 'a b c' }, index: { chunks: ['a b', 'c'] } },
      [],
    ],
    [
      'replaces an existing target',
      config({ source: 'data.text', target: 'data.segments', maxTokens: 4 }),
      { text: 'x y', segments: ['stale'] },
      { text: 'x y', segments: ['x y'] },
      [],
    ],
    [
      'an empty text gives no chunks',
      config({ source: 'data.text', target: 'data.segments', maxTokens: 4 }),
      { text: '   ' },
      { text: '   ', segments: [] },
      [],
    ],
    [
      'a missing source removes the target',
      config({ source: 'data.text', target: 'data.segments', maxTokens: 4 }),
      { segments: ['stale'], other: 1 },
      { other: 1 },
      [{ path: 'data.text', message: 'is missing: nothing to segment' }],
    ],
    [
      'a null source counts as missing',
      config({ source: 'data.text', target: 'data.segments', maxTokens: 4 }),
      { text: null },
      { text: null },
      [{ path: 'data.text', message: 'is missing: nothing to segment' }],
    ],
    [
      'a non-string source',
      config({ source: 'data.text', target: 'data.segments', maxTokens: 4 }),
      { text: ['a', 'b'] },
      { text: ['a', 'b'] },
      [{ path: 'data.text', message: 'is not a string: nothing to segment' }],
    ],
    [
      'a target under a non-object',
      config({ source: 'data.text', target: 'data.meta.segments', maxTokens: 4 }),
      { text: 'a', meta: 'x' },
      { text: 'a', meta: 'x' },
      [{ path: 'data.meta.segments', message: 'cannot be written: data.meta is not an object' }],
    ],
  ])('%s', (_name, cfg, data, expected, issues) => {
    const before = structuredClone(data);
    expect(segment(cfg, data)).toEqual({ data: expected, issues });
    expect(data).toEqual(before);
  });
});
