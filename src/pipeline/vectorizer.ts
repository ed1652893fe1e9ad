import { deleteDataPath, readDataPath, writeDataPath, type StepIssue } from './data-path';
import type { Embedder } from './embedder';

/** What the vectorizer runs with: where it reads and writes (see `stepPaths`) and the vector size. */
export interface VectorizerConfig {
  source: string;
  target: string;
  dimensions: number;
}

/** One embedded segment; objects because the database cannot store arrays nested in arrays. */
export interface EmbeddedSegment {
  text: string;
  vector: number[];
}

/**
 * Embeds the value at `config.source` into `config.target` in a copy of `data`: a string becomes one
 * vector (`number[]`), an array of strings (segments) becomes `[{text, vector}]`. Components are rounded
 * to 6 decimals. Any other source removes the target, so stale vectors never outlive their text, and is
 * reported as an issue. Embedder failures propagate (the activity's retry policy handles them).
 */
export async function vectorize(
  config: VectorizerConfig,
  data: Record<string, unknown>,
  embedder: Embedder,
): Promise<{ data: Record<string, unknown>; issues: StepIssue[] }> {
  const result = structuredClone(data);
  const source = readDataPath(result, config.source);
  let value: number[] | EmbeddedSegment[];
  if (typeof source === 'string') {
    const [vector] = await embedChecked(embedder, [source], config.dimensions);
    value = round(vector as number[]);
  } else if (Array.isArray(source) && source.every((item): item is string => typeof item === 'string')) {
    const vectors = await embedChecked(embedder, source, config.dimensions);
    value = source.map((text, i) => ({ text, vector: round(vectors[i] as number[]) }));
  } else {
    deleteDataPath(result, config.target);
    const message =
      source === undefined || source === null ? 'is missing: nothing to vectorize' : 'is neither a string nor an array of strings: nothing to vectorize';
    return { data: result, issues: [{ path: config.source, message }] };
  }
  const issue = writeDataPath(result, config.target, value);
  return { data: result, issues: issue === undefined ? [] : [issue] };
}

// A wrong count or size would silently misalign texts and vectors, so it fails the step instead.
async function embedChecked(embedder: Embedder, texts: string[], dimensions: number): Promise<number[][]> {
  if (texts.length === 0) return [];
  const vectors = await embedder.embed(texts, dimensions);
  if (vectors.length !== texts.length || vectors.some((v) => v.length !== dimensions)) {
    throw new Error(`embedder returned ${vectors.length} vectors for ${texts.length} texts, or vectors not of ${dimensions} dimensions`);
  }
  return vectors;
}

// Adding 0 turns -0 into 0, which JSON would print as 0 anyway.
function round(vector: number[]): number[] {
  return vector.map((x) => Math.round(x * 1e6) / 1e6 + 0);
}
