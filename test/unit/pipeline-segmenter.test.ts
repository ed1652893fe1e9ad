import fc from 'fast-check';

import type { StepIssue } from '../../src/pipeline/data-path';
import { ModelRegistry } from '../../src/pipeline/models';
import { chunkTokens, segment, type SegmenterConfig } from '../../src/pipeline/segmenter';
import { stepPaths, StepSchema } from '../../src/schemas/pipeline';

/** What the pipeline activity runs a SEGMENTER step `{segmenter: settings}` with: its paths and the model's defaults. */
const config = (settings: Record<string, unknown>): SegmenterConfig => {
  const step = StepSchema.parse({ type: 'SEGMENTER', segmenter: { modelId: 'clinia-chunk.1', ...settings } });
  if (step.type !== 'SEGMENTER') throw new Error('unreachable');
  const [paths] = stepPaths([step]);
  const model = new ModelRegistry().get('segmenter', step.segmenter.modelId);
  if (!paths || !model) throw new Error('unreachable');
  return { source: paths.input, target: paths.output, maxTokens: step.segmenter.maxTokens ?? model.maxTokens, overlap: step.segmenter.overlap ?? model.overlap };
};

describe('the SEGMENTER step schema', () => {
  test('the documented form', () => {
    const step = { type: 'SEGMENTER', segmenter: { inputProperty: 'description', modelId: 'clinia-chunk.1', propertyKey: 'passages' } };
    expect(StepSchema.parse(step)).toEqual(step);
    expect(config(step.segmenter)).toEqual({ source: 'description', target: 'passages', maxTokens: 256, overlap: 0 });
  });

  test.each<[string, Record<string, unknown>, { path: PropertyKey[]; message: string }[]]>([
    ['overlap not smaller than maxTokens', { inputProperty: 'text', propertyKey: 'passages', modelId: 'clinia-chunk.1', maxTokens: 4, overlap: 4 }, [
      { path: ['segmenter', 'overlap'], message: 'overlap must be smaller than maxTokens' },
    ]],
    ['a propertyKey that is a path', { inputProperty: 'text', propertyKey: 'index.passages', modelId: 'clinia-chunk.1' }, [
      { path: ['segmenter', 'propertyKey'], message: 'must be a property key (letters, digits and "_", not starting with a digit)' },
    ]],
    ['an inputProperty with an empty segment', { inputProperty: 'data..text', propertyKey: 'passages', modelId: 'clinia-chunk.1' }, [
      { path: ['segmenter', 'inputProperty'], message: 'must be a property path relative to data, e.g. "abstract" or "address.city" (keys joined by ".")' },
    ]],
    ['no modelId', { inputProperty: 'text', propertyKey: 'passages' }, [{ path: ['segmenter', 'modelId'], message: 'must be a model id, e.g. "mte-base.1"' }]],
    ['the old source and target', { source: 'data.text', target: 'data.segments', maxTokens: 4 }, [
      { path: ['segmenter', 'inputProperty'], message: 'must be a property path relative to data, e.g. "abstract" or "address.city"' },
      { path: ['segmenter', 'propertyKey'], message: 'must be a property key' },
      { path: ['segmenter', 'modelId'], message: 'must be a model id, e.g. "mte-base.1"' },
      { path: ['segmenter'], message: 'Unrecognized keys: "source", "target"' },
    ]],
  ])('refuses %s', (_name, segmenter, expected) => {
    const result = StepSchema.safeParse({ type: 'SEGMENTER', segmenter });
    expect(result.error?.issues.map((i) => ({ path: i.path, message: i.message }))).toEqual(expected);
  });

  test('the old config key is refused', () => {
    const result = StepSchema.safeParse({ type: 'SEGMENTER', config: { source: 'data.text', target: 'data.segments', maxTokens: 4 } });
    expect(result.error?.issues.map((i) => i.message)).toContain('unknown key(s) "config"; a SEGMENTER step is {"type": "SEGMENTER", "trigger"?, "onlyOnTriggeredPipeline"?, "segmenter": {...}}');
  });
});

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
      'writes chunks to propertyKey next to the input',
      config({ inputProperty: 'text', propertyKey: 'segments', maxTokens: 3, overlap: 1 }),
      { text: 'Ada wrote the first program in 1843.' },
      { text: 'Ada wrote the first program in 1843.', segments: ['Ada wrote the', 'the first program', 'program in 1843.'] },
      [],
    ],
    [
      'overlap defaults to the model\'s (0), and a nested input gets its output beside it',
      config({ inputProperty: 'bio.text', propertyKey: 'chunks', maxTokens: 2 }),
      { bio: { text: 'a b c' } },
      { bio: { text: 'a b c', chunks: ['a b', 'c'] } },
      [],
    ],
    [
      'maxTokens defaults to the model\'s (256 for clinia-chunk.1)',
      config({ inputProperty: 'text', propertyKey: 'passages' }),
      { text: Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ') },
      {
        text: Array.from({ length: 300 }, (_, i) => `w${i}`).join(' '),
        passages: [Array.from({ length: 256 }, (_, i) => `w${i}`).join(' '), Array.from({ length: 44 }, (_, i) => `w${i + 256}`).join(' ')],
      },
      [],
    ],
    [
      'replaces an existing target',
      config({ inputProperty: 'text', propertyKey: 'segments', maxTokens: 4 }),
      { text: 'x y', segments: ['stale'] },
      { text: 'x y', segments: ['x y'] },
      [],
    ],
    [
      'an empty text gives no chunks',
      config({ inputProperty: 'text', propertyKey: 'segments', maxTokens: 4 }),
      { text: '   ' },
      { text: '   ', segments: [] },
      [],
    ],
    [
      'a missing source removes the target; issue paths are relative to data',
      config({ inputProperty: 'text', propertyKey: 'segments', maxTokens: 4 }),
      { segments: ['stale'], other: 1 },
      { other: 1 },
      [{ path: 'text', message: 'is missing: nothing to segment' }],
    ],
    [
      'a null source counts as missing',
      config({ inputProperty: 'text', propertyKey: 'segments', maxTokens: 4 }),
      { text: null },
      { text: null },
      [{ path: 'text', message: 'is missing: nothing to segment' }],
    ],
    [
      'a non-string source',
      config({ inputProperty: 'text', propertyKey: 'segments', maxTokens: 4 }),
      { text: ['a', 'b'] },
      { text: ['a', 'b'] },
      [{ path: 'text', message: 'is not a string: nothing to segment' }],
    ],
    [
      'intermediate objects of the target are created',
      { source: 'bio.text', target: 'index.chunks', maxTokens: 2, overlap: 0 },
      { bio: { text: 'a b c' } },
      { bio: { text: 'a b c' }, index: { chunks: ['a b', 'c'] } },
      [],
    ],
    [
      'a target under a non-object',
      { source: 'text', target: 'meta.segments', maxTokens: 4, overlap: 0 },
      { text: 'a', meta: 'x' },
      { text: 'a', meta: 'x' },
      [{ path: 'meta.segments', message: 'cannot be written: meta is not an object' }],
    ],
  ])('%s', (_name, cfg, data, expected, issues) => {
    const before = structuredClone(data);
    expect(segment(cfg, data)).toEqual({ data: expected, issues });
    expect(data).toEqual(before);
  });
});
