import fc from 'fast-check';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createHttpEmbedder, createLocalEmbedder, EmbeddingEndpointError } from '../../src/pipeline/embedder';

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * (b[i] as number), 0);
const norm = (v: number[]) => Math.hypot(...v);
const round6 = (v: number[]) => v.map((x) => Math.round(x * 1e6) / 1e6 + 0);

describe('createLocalEmbedder', () => {
  const embedder = createLocalEmbedder();

  test('pins its hashing, since stored vectors depend on it', async () => {
    const vectors = await embedder.embed(['Toronto', 'family doctor'], 8);
    expect(vectors.map(round6)).toEqual([
      [-0.278207, -0.906986, -0.190311, 0, -0.252504, 0, 0, 0],
      [-0.339434, -0.456533, 0, 0.046871, 0.276468, -0.111326, -0.402041, -0.650923],
    ]);
  });

  test.each<[string, string, string]>([
    ['family physician in Toronto', 'Toronto family doctor', 'cardiac surgery billing codes'],
    ['family physician in Toronto', 'Family Physicians, TORONTO', 'pediatric cardiology clinic'],
    ['pediatric cardiology clinic', 'paediatric cardiologist', 'family physician in Toronto'],
    ['Montréal general hospital', 'Montreal General Hospital', 'rural pharmacy'],
  ])('%j is closer to %j than to %j', async (anchor, similar, unrelated) => {
    for (const dimensions of [64, 256, 1024]) {
      const [a, s, u] = (await embedder.embed([anchor, similar, unrelated], dimensions)) as [number[], number[], number[]];
      expect(cosine(a, s)).toBeGreaterThan(0.3);
      expect(cosine(a, s)).toBeGreaterThan(cosine(a, u) + 0.2);
    }
  });

  test('ignores case, punctuation, spacing and Unicode composition', async () => {
    const [a, b] = (await embedder.embed(['Émile Zola', '  e\u0301mile,ZOLA!'], 32)) as [number[], number[]];
    expect(b).toEqual(a);
  });

  test.each(['', '   ', '?!…'])('maps %j, which has no words, to zeros', async (text) => {
    expect(await embedder.embed([text], 4)).toEqual([[0, 0, 0, 0]]);
  });

  test('returns nothing for no texts', async () => {
    expect(await embedder.embed([], 16)).toEqual([]);
  });

  test.each([0, -1, 1.5, Number.NaN])('rejects %d dimensions', async (dimensions) => {
    await expect(embedder.embed(['a'], dimensions)).rejects.toThrow(RangeError);
  });

  test('has the requested length, unit norm, and is deterministic', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ minLength: 1 }).map((s) => `w${s}`), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 512 }),
        async (texts, dimensions) => {
          const vectors = await embedder.embed(texts, dimensions);
          expect(vectors).toHaveLength(texts.length);
          for (const v of vectors) {
            expect(v).toHaveLength(dimensions);
            expect(norm(v)).toBeCloseTo(1, 9);
          }
          expect(await createLocalEmbedder().embed(texts, dimensions)).toEqual(vectors);
        },
      ),
    );
  });
});

interface Received {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: { input: string[]; model?: string; dimensions: number };
}

type Reply = (request: Received) => { status?: number; body: unknown } | 'hang';

describe('createHttpEmbedder', () => {
  let server: Server;
  let url: string;
  let reply: Reply;
  let received: Received[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const request: Received = { method: req.method, url: req.url, headers: req.headers, body: JSON.parse(raw) as Received['body'] };
        received.push(request);
        const answer = reply(request);
        if (answer === 'hang') return;
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
        res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/embeddings`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    received = [];
  });

  // A fake model: the vector of a text is [its length, 1, 2, ...], answered in reverse order with indexes.
  const fakeModel: Reply = ({ body }) => ({
    body: {
      object: 'list',
      data: body.input
        .map((text, index) => ({ object: 'embedding', index, embedding: Array.from({ length: body.dimensions }, (_, d) => (d === 0 ? text.length : d)) }))
        .reverse(),
      model: body.model,
    },
  });

  test('POSTs an OpenAI-compatible request and reads the embeddings in index order', async () => {
    reply = fakeModel;
    const embedder = createHttpEmbedder({ url, model: 'text-embedding-3-small', apiKey: 'sk-test' });
    expect(await embedder.embed(['a', 'bbb'], 3)).toEqual([
      [1, 1, 2],
      [3, 1, 2],
    ]);
    expect(received).toHaveLength(1);
    const [request] = received as [Received];
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/embeddings');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.body).toEqual({ input: ['a', 'bbb'], model: 'text-embedding-3-small', dimensions: 3 });
  });

  test('omits the model and the authorization when not configured', async () => {
    reply = fakeModel;
    await createHttpEmbedder({ url }).embed(['x'], 2);
    const [request] = received as [Received];
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body).toEqual({ input: ['x'], dimensions: 2 });
  });

  test('reads positionally when the answer has no indexes', async () => {
    reply = ({ body }) => ({ body: { data: body.input.map((text) => ({ embedding: [text.length, 0] })) } });
    expect(await createHttpEmbedder({ url }).embed(['a', 'bb', 'ccc'], 2)).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
  });

  test('sends at most batchSize texts a request, keeping the order', async () => {
    reply = fakeModel;
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    const vectors = await createHttpEmbedder({ url, batchSize: 2 }).embed(texts, 2);
    expect(vectors).toEqual(texts.map((t) => [t.length, 1]));
    expect(received.map((r) => r.body.input)).toEqual([['a', 'bb'], ['ccc', 'dddd'], ['eeeee']]);
  });

  test('sends nothing for no texts', async () => {
    reply = fakeModel;
    expect(await createHttpEmbedder({ url }).embed([], 8)).toEqual([]);
    expect(received).toEqual([]);
  });

  test.each<[number, string, string]>([
    [401, '{"error":{"message":"invalid api key"}}', 'embedding endpoint answered 401: {"error":{"message":"invalid api key"}}'],
    [429, '', 'embedding endpoint answered 429'],
    [503, 'x'.repeat(500), `embedding endpoint answered 503: ${'x'.repeat(200)}`],
  ])('a %i answer throws with its status', async (status, body, message) => {
    reply = () => ({ status, body });
    const error = await createHttpEmbedder({ url }).embed(['a'], 2).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EmbeddingEndpointError);
    expect(error).toMatchObject({ status, message });
  });

  test.each<[string, unknown, string]>([
    ['a body that is not JSON', 'not json', 'embedding endpoint answered with a body that is not JSON'],
    ['no data', { embeddings: [[1, 2]] }, 'embedding endpoint answer has no "data" array'],
    ['data not an array', { data: { embedding: [1, 2] } }, 'embedding endpoint answer has no "data" array'],
    ['too few embeddings', { data: [{ embedding: [1, 2] }] }, 'embedding endpoint returned 1 embeddings for 2 texts'],
    ['an item that is not an object', { data: [[1, 2], { embedding: [1, 2] }] }, 'embedding endpoint answer data[0] is not an object'],
    ['an embedding that is not an array', { data: [{ embedding: 'AAAA' }, { embedding: [1, 2] }] }, 'embedding endpoint answer data[0].embedding is not an array of numbers'],
    ['a non-numeric component', { data: [{ embedding: [1, 2] }, { embedding: [1, '2'] }] }, 'embedding endpoint answer data[1].embedding is not an array of numbers'],
    ['the wrong size', { data: [{ embedding: [1, 2, 3] }, { embedding: [1, 2, 3] }] }, 'embedding endpoint returned 3 dimensions instead of 2; does the model support "dimensions"?'],
    ['duplicate indexes', { data: [{ index: 0, embedding: [1, 2] }, { index: 0, embedding: [1, 2] }] }, 'embedding endpoint answer has missing or duplicate indexes'],
  ])('an answer with %s throws', async (_name, body, message) => {
    reply = () => ({ body });
    const error = await createHttpEmbedder({ url }).embed(['a', 'b'], 2).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EmbeddingEndpointError);
    expect(error).toMatchObject({ message, status: undefined });
  });

  test('gives up on an endpoint that does not answer in time', async () => {
    reply = () => 'hang';
    await expect(createHttpEmbedder({ url, timeoutMs: 50 }).embed(['a'], 2)).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  test('uses the fetch it is given', async () => {
    const calls: string[] = [];
    const fetchImpl: typeof fetch = (input, init) => {
      calls.push(typeof input === 'string' ? input : 'not a string URL');
      return fetch(input, init);
    };
    reply = fakeModel;
    expect(await createHttpEmbedder({ url, fetchImpl }).embed(['ab'], 2)).toEqual([[2, 1]]);
    expect(calls).toEqual([url]);
  });
});
