import type { StepIssue } from '../../src/pipeline/data-path';
import { createLocalEmbedder, type Embedder } from '../../src/pipeline/embedder';
import { ModelRegistry } from '../../src/pipeline/models';
import { segment } from '../../src/pipeline/segmenter';
import { vectorize, type VectorizerConfig } from '../../src/pipeline/vectorizer';
import { stepPaths, StepSchema, type Step } from '../../src/schemas/pipeline';

const models = new ModelRegistry();

/** What the pipeline activity runs the last step of `steps` with, a VECTORIZER: its paths and the model's defaults. */
const configOf = (steps: unknown[]): VectorizerConfig => {
  const parsed: Step[] = steps.map((step) => StepSchema.parse(step));
  const step = parsed[parsed.length - 1];
  const paths = stepPaths(parsed)[parsed.length - 1];
  if (step?.type !== 'VECTORIZER' || !paths) throw new Error('unreachable');
  const model = models.get('embedder', step.vectorizer.modelId);
  if (!model) throw new Error(`no model ${step.vectorizer.modelId}`);
  return { source: paths.input, target: paths.output, dimensions: step.vectorizer.dimensions ?? model.dimensions };
};
const config = (settings: Record<string, unknown>): VectorizerConfig => configOf([{ type: 'VECTORIZER', vectorizer: { modelId: 'mte-base.1', ...settings } }]);

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
  const text = config({ inputProperty: 'text', propertyKey: 'vector', dimensions: 3 });
  const segments = config({ inputProperty: 'segments', propertyKey: 'segmentVectors', dimensions: 3 });

  test.each<[string, VectorizerConfig, Record<string, unknown>, Record<string, unknown>, StepIssue[], [string[], number][]]>([
    ['a string becomes one rounded vector', text, { text: 'abc' }, { text: 'abc', vector: [0.428571, 0, 0.333333] }, [], [[['abc'], 3]]],
    [
      'segments become text and vector objects',
      segments,
      { segments: ['a', 'abcdefghijklmn'] },
      {
        segments: ['a', 'abcdefghijklmn'],
        segmentVectors: [
          { text: 'a', vector: [0.142857, 0, 0.333333] },
          { text: 'abcdefghijklmn', vector: [2, 0, 0.333333] },
        ],
      },
      [],
      [[['a', 'abcdefghijklmn'], 3]],
    ],
    ['no segments embed nothing', segments, { segments: [] }, { segments: [], segmentVectors: [] }, [], []],
    ['a nested input gets its output beside it', config({ inputProperty: 'address.text', propertyKey: 'vector', dimensions: 3 }), { address: { text: 'ab' } }, { address: { text: 'ab', vector: [0.285714, 0, 0.333333] } }, [], [[['ab'], 3]]],
    ['replaces a stale target', text, { text: 'abcdefg', vector: [9, 9, 9] }, { text: 'abcdefg', vector: [1, 0, 0.333333] }, [], [[['abcdefg'], 3]]],
    ['a missing source removes the target; issue paths are relative to data', text, { vector: [9, 9, 9] }, {}, [{ path: 'text', message: 'is missing: nothing to vectorize' }], []],
    ['a null source counts as missing', text, { text: null }, { text: null }, [{ path: 'text', message: 'is missing: nothing to vectorize' }], []],
    [
      'a number source',
      text,
      { text: 42, vector: [1] },
      { text: 42 },
      [{ path: 'text', message: 'is neither a string nor an array of strings: nothing to vectorize' }],
      [],
    ],
    [
      'segments that are not all strings',
      segments,
      { segments: ['a', 1] },
      { segments: ['a', 1] },
      [{ path: 'segments', message: 'is neither a string nor an array of strings: nothing to vectorize' }],
      [],
    ],
    [
      'a target under a non-object',
      { source: 'text', target: 'text.vector', dimensions: 3 },
      { text: 'abc' },
      { text: 'abc' },
      [{ path: 'text.vector', message: 'cannot be written: text is not an object' }],
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

  test('the dimensions default to the model\'s (768 for mte-base.1)', async () => {
    const cfg = config({ inputProperty: 'title', propertyKey: 'titleVector' });
    expect(cfg).toEqual({ source: 'title', target: 'titleVector', dimensions: 768 });
    const { data } = await vectorize(cfg, { title: 'Cardiology' }, createLocalEmbedder());
    expect(data.titleVector).toHaveLength(768);
  });

  test('embeds the segmenter output with the local embedder, reading it as the docs chain the steps ("bio.chunks")', async () => {
    const segmenter = { type: 'SEGMENTER', segmenter: { inputProperty: 'bio', modelId: 'clinia-chunk.1', propertyKey: 'chunks', maxTokens: 4, overlap: 1 } };
    const vectorizer = { type: 'VECTORIZER', vectorizer: { inputProperty: 'bio.chunks', modelId: 'mte-base-knowledge.1', propertyKey: 'vectors', dimensions: 16 } };
    const cfg = configOf([segmenter, vectorizer]);
    expect(cfg).toEqual({ source: 'chunks', target: 'vectors', dimensions: 16 });
    const segmented = segment({ source: 'bio', target: 'chunks', maxTokens: 4, overlap: 1 }, { bio: 'Family physician in Toronto accepting new patients since 2019' });
    const { data, issues } = await vectorize(cfg, segmented.data, createLocalEmbedder());
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

describe('the VECTORIZER step schema', () => {
  test('the documented form', () => {
    const step = { type: 'VECTORIZER', vectorizer: { inputProperty: 'description.passages', modelId: 'mte-base.1', propertyKey: 'vector' } };
    expect(StepSchema.parse(step)).toEqual(step);
  });

  test.each<[string, Record<string, unknown>, { path: PropertyKey[]; message: string }[]]>([
    ['one dimension', { inputProperty: 'title', propertyKey: 'vector', modelId: 'mte-base.1', dimensions: 1 }, [
      { path: ['vectorizer', 'dimensions'], message: 'Too small: expected number to be >=2' },
    ]],
    ['an empty modelId', { inputProperty: 'title', propertyKey: 'vector', modelId: '' }, [{ path: ['vectorizer', 'modelId'], message: 'must be a model id, e.g. "mte-base.1"' }]],
    ['a propertyKey that is a path', { inputProperty: 'title', propertyKey: 'a.b', modelId: 'mte-base.1' }, [
      { path: ['vectorizer', 'propertyKey'], message: 'must be a property key (letters, digits and "_", not starting with a digit)' },
    ]],
  ])('refuses %s', (_name, vectorizer, expected) => {
    const result = StepSchema.safeParse({ type: 'VECTORIZER', vectorizer });
    expect(result.error?.issues.map((i) => ({ path: i.path, message: i.message }))).toEqual(expected);
  });

  test('the old config key is refused', () => {
    const result = StepSchema.safeParse({ type: 'VECTORIZER', config: { source: 'data.text', target: 'data.vector', dimensions: 3 } });
    expect(result.error?.issues.map((i) => i.message)).toContain('unknown key(s) "config"; a VECTORIZER step is {"type": "VECTORIZER", "trigger"?, "onlyOnTriggeredPipeline"?, "vectorizer": {...}}');
  });
});
