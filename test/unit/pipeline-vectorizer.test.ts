import type { StepIssue } from '../../src/pipeline/data-path';
import { createLocalEmbedder, type Embedder } from '../../src/pipeline/embedder';
import { segment } from '../../src/pipeline/segmenter';
import { vectorize, type VectorizerConfig } from '../../src/pipeline/vectorizer';
import { StepSchema } from '../../src/schemas/pipeline';

const config = (c: Record<string, unknown>): VectorizerConfig => {
  const step = StepSchema.parse({ type: 'VECTORIZER', config: c });
  if (step.type !== 'VECTORIZER') throw new Error('unreachable');
  return step.config;
};

/** A fake embedder: the vector of a text is [length / 7, -1e-7, 1 / 3], and every call is recorded. */
const recordingEmbedder = () => {
  const calls: [string[], number][] = [];
  const embedder: Embedder = {
    embed(texts, dimensions) {
      calls.push([texts, dimensions]);
      return Promise.resolve(texts.map((t) => [t.length / 7, -1e-7, 1 / 3].slice(0, dimensions)));
    },
  };
  return { embedder, calls };
};

describe('vectorize', () => {
  const text = config({ source: 'data.text', target: 'data.vector', dimensions: 3 });
  const segments = config({ source: 'data.segments', target: 'data.embedding.segments', dimensions: 3 });

  test.each<[string, VectorizerConfig, Record<string, unknown>, Record<string, unknown>, StepIssue[], [string[], number][]]>([
    ['a string becomes one rounded vector', text, { text: 'abc' }, { text: 'abc', vector: [0.428571, 0, 0.333333] }, [], [[['abc'], 3]]],
    [
      'segments become text and vector objects',
      segments,
      { segments: ['a', 'abcdefghijklmn'] },
      {
        segments: ['a', 'abcdefghijklmn'],
        embedding: {
          segments: [
            { text: 'a', vector: [0.142857, 0, 0.333333] },
            { text: 'abcdefghijklmn', vector: [2, 0, 0.333333] },
          ],
        },
      },
      [],
      [[['a', 'abcdefghijklmn'], 3]],
    ],
    ['no segments embed nothing', segments, { segments: [] }, { segments: [], embedding: { segments: [] } }, [], []],
    ['replaces a stale target', text, { text: 'abcdefg', vector: [9, 9, 9] }, { text: 'abcdefg', vector: [1, 0, 0.333333] }, [], [[['abcdefg'], 3]]],
    ['a missing source removes the target', text, { vector: [9, 9, 9] }, {}, [{ path: 'data.text', message: 'is missing: nothing to vectorize' }], []],
    ['a null source counts as missing', text, { text: null }, { text: null }, [{ path: 'data.text', message: 'is missing: nothing to vectorize' }], []],
    [
      'a number source',
      text,
      { text: 42, vector: [1] },
      { text: 42 },
      [{ path: 'data.text', message: 'is neither a string nor an array of strings: nothing to vectorize' }],
      [],
    ],
    [
      'segments that are not all strings',
      segments,
      { segments: ['a', 1] },
      { segments: ['a', 1] },
      [{ path: 'data.segments', message: 'is neither a string nor an array of strings: nothing to vectorize' }],
      [],
    ],
    [
      'a target under a non-object',
      config({ source: 'data.text', target: 'data.text.vector', dimensions: 3 }),
      { text: 'abc' },
      { text: 'abc' },
      [{ path: 'data.text.vector', message: 'cannot be written: data.text is not an object' }],
      [[['abc'], 3]],
    ],
  ])('%s', async (_name, cfg, data, expected, issues, calls) => {
    const fake = recordingEmbedder();
    const before = structuredClone(data);
    expect(await vectorize(cfg, data, fake.embedder)).toEqual({ data: expected, issues });
    expect(fake.calls).toEqual(calls);
    expect(data).toEqual(before);
  });

  test.each<[string, Embedder]>([
    ['too few vectors', { embed: () => Promise.resolve([]) }],
    ['vectors of the wrong size', { embed: (texts) => Promise.resolve(texts.map(() => [1])) }],
  ])('fails when the embedder returns %s', async (_name, embedder) => {
    await expect(vectorize(text, { text: 'abc' }, embedder)).rejects.toThrow('embedder returned');
  });

  test('passes embedder failures through', async () => {
    const failing: Embedder = { embed: () => Promise.reject(new Error('endpoint down')) };
    await expect(vectorize(text, { text: 'abc' }, failing)).rejects.toThrow('endpoint down');
  });

  test('embeds the segmenter output with the local embedder', async () => {
    const segmented = segment({ source: 'data.bio', target: 'data.chunks', maxTokens: 4, overlap: 1 }, { bio: 'Family physician in Toronto accepting new patients since 2019' });
    const { data, issues } = await vectorize(config({ source: 'data.chunks', target: 'data.vectors', dimensions: 16 }), segmented.data, createLocalEmbedder());
    expect(issues).toEqual([]);
    const vectors = data.vectors as { text: string; vector: number[] }[];
    expect(vectors.map((v) => v.text)).toEqual(['Family physician in Toronto', 'Toronto accepting new patients', 'patients since 2019']);
    for (const { vector } of vectors) {
      expect(vector).toHaveLength(16);
      expect(vector.every((x) => Math.round(x * 1e6) / 1e6 === x)).toBe(true);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    }
  });
});
