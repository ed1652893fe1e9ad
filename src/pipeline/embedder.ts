/** Turns texts into vectors of a requested size; one vector per text, in order. */
export interface Embedder {
  embed(texts: string[], dimensions: number): Promise<number[][]>;
}

const TRIGRAM_WEIGHT = 0.5;
const FNV_PRIME = 0x01000193;
const BUCKET_SEED = 0x811c9dc5;
const SIGN_SEED = 0x9747b28c;

/**
 * A deterministic embedder that needs no model: signed feature hashing of lower-cased word unigrams and
 * character trigrams (so inflections and typos still overlap) into `dimensions` buckets, L2-normalized.
 * Changing the hashing changes every vector: stored vectors would no longer compare with new ones.
 * Texts sharing words get a high cosine similarity; a text without letters or digits maps to all zeros.
 */
export function createLocalEmbedder(): Embedder {
  return {
    embed(texts, dimensions) {
      // An executor that throws rejects, so bad dimensions fail like any other embedder call.
      return new Promise((resolve) => {
        assertDimensions(dimensions);
        resolve(texts.map((text) => hashEmbedding(text, dimensions)));
      });
    },
  };
}

function hashEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const add = (feature: string, weight: number) => {
    const bucket = mixedHash(feature, BUCKET_SEED) % dimensions;
    const signAndScale = mixedHash(feature, SIGN_SEED);
    const sign = signAndScale >>> 31 === 0 ? 1 : -1;
    // A hashed scale in [1, 2) keeps colliding features from cancelling out exactly (say 1 - 0.5 - 0.5),
    // which would leave a text with words at the zero vector.
    const scale = 1 + (signAndScale & 0xfffff) / 0x100000;
    vector[bucket] = (vector[bucket] as number) + sign * scale * weight;
  };
  for (const word of text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    add(`w:${word}`, 1);
    const chars = Array.from(`<${word}>`);
    for (let i = 0; i + 3 <= chars.length; i += 1) add(`c:${chars.slice(i, i + 3).join('')}`, TRIGRAM_WEIGHT);
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

// FNV-1a spreads poorly in its low bits, so its result goes through murmur3's finalizer.
function mixedHash(text: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A failure of the embedding endpoint; `status` is the HTTP status when it answered with one. */
export class EmbeddingEndpointError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EmbeddingEndpointError';
  }
}

export interface HttpEmbedderOptions {
  /** The full URL of an OpenAI-compatible embeddings endpoint, e.g. `http://localhost:11434/v1/embeddings`. */
  url: string;
  model?: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  fetchImpl?: typeof fetch;
  /** Per request; defaults to 30 s. */
  timeoutMs?: number;
  /** Texts per request, as endpoints cap the input count; defaults to 128. */
  batchSize?: number;
}

/**
 * An embedder that POSTs `{input, model, dimensions}` to an OpenAI-compatible endpoint and reads
 * `data[i].embedding` (ordered by `data[i].index` when present). A non-2xx answer throws an
 * `EmbeddingEndpointError` carrying the status; an answer of the wrong shape or size throws one without.
 */
export function createHttpEmbedder(options: HttpEmbedderOptions): Embedder {
  const fetchImpl = options.fetchImpl ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const batchSize = options.batchSize ?? 128;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;

  const embedBatch = async (input: string[], dimensions: number): Promise<number[][]> => {
    const response = await fetchImpl(options.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ input, model: options.model, dimensions }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      const detail = (await response.text().catch(() => '')).slice(0, 200);
      throw new EmbeddingEndpointError(
        `embedding endpoint answered ${response.status}${detail === '' ? '' : `: ${detail}`}`,
        response.status,
      );
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new EmbeddingEndpointError('embedding endpoint answered with a body that is not JSON');
    }
    return readEmbeddings(body, input.length, dimensions);
  };

  return {
    async embed(texts, dimensions) {
      assertDimensions(dimensions);
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        vectors.push(...(await embedBatch(texts.slice(start, start + batchSize), dimensions)));
      }
      return vectors;
    },
  };
}

function readEmbeddings(body: unknown, count: number, dimensions: number): number[][] {
  const data = isRecord(body) ? body.data : undefined;
  if (!Array.isArray(data)) throw new EmbeddingEndpointError('embedding endpoint answer has no "data" array');
  if (data.length !== count) {
    throw new EmbeddingEndpointError(`embedding endpoint returned ${data.length} embeddings for ${count} texts`);
  }
  const items = data.map((item: unknown, position) => {
    if (!isRecord(item)) throw new EmbeddingEndpointError(`embedding endpoint answer data[${position}] is not an object`);
    return { index: typeof item.index === 'number' ? item.index : position, embedding: item.embedding, position };
  });
  items.sort((a, b) => a.index - b.index);
  return items.map(({ index, embedding, position }, i) => {
    if (index !== i) throw new EmbeddingEndpointError('embedding endpoint answer has missing or duplicate indexes');
    if (!Array.isArray(embedding) || !embedding.every((x): x is number => typeof x === 'number' && Number.isFinite(x))) {
      throw new EmbeddingEndpointError(`embedding endpoint answer data[${position}].embedding is not an array of numbers`);
    }
    if (embedding.length !== dimensions) {
      throw new EmbeddingEndpointError(
        `embedding endpoint returned ${embedding.length} dimensions instead of ${dimensions}; does the model support "dimensions"?`,
      );
    }
    return embedding;
  });
}

function assertDimensions(dimensions: number): void {
  if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError(`dimensions must be a positive integer, got ${dimensions}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
