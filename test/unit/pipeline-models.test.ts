import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config';
import { createLocalEmbedder } from '../../src/pipeline/embedder';
import { modelsFromConfig } from '../../src/pipeline/embedder-config';
import { BUILTIN_MODELS, ModelRegistry } from '../../src/pipeline/models';
import { stepPaths, StepSchema } from '../../src/schemas/pipeline';

// Model ids of SEGMENTER and VECTORIZER steps: the documented Clinia ids map to the local segmenter and
// embedder; SLUICE_MODELS adds ids or sends one to an HTTP embedding endpoint.

describe('the built-in model ids (docs: explanation/ingestion-pipeline/built-in-processors)', () => {
  const models = new ModelRegistry();
  test.each(['clinia-chunk.1', 'clinia-segment-v1'])('%s is a segmenter', (id) => {
    expect(models.get('segmenter', id)).toEqual({ kind: 'segmenter', maxTokens: 256, overlap: 0 });
    expect(models.get('embedder', id)).toBeUndefined();
  });
  test.each(['mte-base.1', 'mte-base-knowledge.1', 'text-embedding-004'])('%s is a 768-dimension embedder on the local embedder', (id) => {
    expect(models.get('embedder', id)).toEqual({ kind: 'embedder', dimensions: 768 });
    const local = createLocalEmbedder();
    expect(models.embedder(id, local)).toBe(local);
  });
  test('an unknown id is no model, and an own property of Object.prototype is not one either', () => {
    expect(models.get('embedder', 'gpt-nope')).toBeUndefined();
    expect(models.get('embedder', 'constructor')).toBeUndefined();
    expect(models.ids('embedder')).toEqual(Object.keys(BUILTIN_MODELS).filter((k) => BUILTIN_MODELS[k]?.kind === 'embedder').sort());
  });
});

describe('SLUICE_MODELS', () => {
  let server: Server;
  let url: string;
  const bodies: unknown[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => { text += c.toString('utf8'); });
      req.on('end', () => {
        const body = JSON.parse(text) as { input: string[]; dimensions: number; model?: string };
        bodies.push(body);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: body.input.map((_, index) => ({ index, embedding: Array.from({ length: body.dimensions }, (_v, i) => (i === 0 ? 1 : 0)) })) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/embeddings`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  test('a configured embedding model embeds through its own endpoint; the others stay local', async () => {
    const config = loadConfig({ SLUICE_MODELS: JSON.stringify({ 'house-embedder.1': { kind: 'embedder', dimensions: 4, url, model: 'house' }, 'small-chunks': { kind: 'segmenter', maxTokens: 16 } }) });
    const models = modelsFromConfig(config);
    expect(models.get('segmenter', 'small-chunks')).toEqual({ kind: 'segmenter', maxTokens: 16, overlap: 0 });
    const local = createLocalEmbedder();
    const remote = models.embedder('house-embedder.1', local);
    expect(remote).not.toBe(local);
    expect(await remote.embed(['hello'], 4)).toEqual([[1, 0, 0, 0]]);
    expect(bodies).toEqual([expect.objectContaining({ input: ['hello'], model: 'house' })]);
    expect(models.embedder('mte-base.1', local)).toBe(local);
  });

  test.each([
    ['not JSON', '{nope', 'must be a JSON object'],
    ['an unknown kind', JSON.stringify({ m: { kind: 'ocr' } }), 'SLUICE_MODELS'],
    ['an embedder without dimensions', JSON.stringify({ m: { kind: 'embedder' } }), 'dimensions'],
  ])('%s is a configuration error naming the variable', (_what, value, message) => {
    expect(() => loadConfig({ SLUICE_MODELS: value })).toThrow(message);
  });
});

describe('where a step writes (stepPaths)', () => {
  const steps = [
    { type: 'SEGMENTER', segmenter: { inputProperty: 'abstract', modelId: 'clinia-chunk.1', propertyKey: 'passages' } },
    { type: 'VECTORIZER', vectorizer: { inputProperty: 'abstract.passages', modelId: 'mte-base-knowledge.1', propertyKey: 'vector' } },
    { type: 'VECTORIZER', vectorizer: { inputProperty: 'address.text', modelId: 'mte-base.1', propertyKey: 'textVector' } },
    { type: 'HUMAN_REVIEW' },
  ].map((s) => StepSchema.parse(s));
  test('a step writes its propertyKey next to its input; `input.key` of an earlier step reads that step\'s output', () => {
    expect(stepPaths(steps)).toEqual([
      { input: 'abstract', output: 'passages' },
      { input: 'passages', output: 'vector' },
      { input: 'address.text', output: 'address.textVector' },
      undefined,
    ]);
  });
});
