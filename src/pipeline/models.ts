import { z } from 'zod';
import { createHttpEmbedder, type Embedder } from './embedder';

/** A model a SEGMENTER or VECTORIZER step names by `modelId`. */
export type ModelSpec =
  | { kind: 'segmenter'; maxTokens: number; overlap: number }
  | { kind: 'embedder'; dimensions: number; url?: string | undefined; model?: string | undefined; apiKey?: string | undefined };

/**
 * The model ids Sluice knows without configuration: the ids of Clinia's documentation map to the local segmenter
 * (whitespace tokens) and the local embedder (deterministic feature hashing; see `createLocalEmbedder`).
 */
export const BUILTIN_MODELS: Readonly<Record<string, ModelSpec>> = {
  'clinia-chunk.1': { kind: 'segmenter', maxTokens: 256, overlap: 0 },
  'clinia-segment-v1': { kind: 'segmenter', maxTokens: 256, overlap: 0 },
  'mte-base.1': { kind: 'embedder', dimensions: 768 },
  'mte-base-knowledge.1': { kind: 'embedder', dimensions: 768 },
  'text-embedding-004': { kind: 'embedder', dimensions: 768 },
};

/** `SLUICE_MODELS`: more model ids, or other settings for the built-in ones; an embedder with `url` calls that endpoint. */
export const ModelsConfigSchema = z.record(
  z.string().min(1).max(200),
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('segmenter'), maxTokens: z.number().int().min(1).max(8192), overlap: z.number().int().min(0).default(0) }),
    z.strictObject({
      kind: z.literal('embedder'),
      dimensions: z.number().int().min(2).max(4096),
      url: z.url().optional(),
      model: z.string().min(1).optional(),
      apiKey: z.string().min(1).optional(),
    }),
  ]),
);

/** The models of one process: which ids exist, their defaults, and the embedder behind each embedding model. */
export class ModelRegistry {
  private readonly models: Record<string, ModelSpec>;
  private readonly embedders = new Map<string, Embedder>();

  /** `fallback` embeds for models without a `url` of their own (the local embedder, or EMBEDDING_URL's). */
  constructor(extra: Record<string, ModelSpec> = {}, private readonly fallback?: Embedder) {
    this.models = { ...BUILTIN_MODELS, ...extra };
  }

  /** The ids of a kind, for messages. */
  ids(kind: ModelSpec['kind']): string[] {
    return Object.entries(this.models).filter(([, m]) => m.kind === kind).map(([id]) => id).sort();
  }

  /** The model, or undefined when the id is not one of `kind`. */
  get<K extends ModelSpec['kind']>(kind: K, id: string): Extract<ModelSpec, { kind: K }> | undefined {
    const model = Object.hasOwn(this.models, id) ? this.models[id] : undefined;
    return model?.kind === kind ? (model as Extract<ModelSpec, { kind: K }>) : undefined;
  }

  /** The embedder of an embedding model: its own endpoint when configured, else the fallback. */
  embedder(id: string, fallback: Embedder): Embedder {
    const model = this.get('embedder', id);
    if (!model?.url) return this.fallback ?? fallback;
    let embedder = this.embedders.get(id);
    if (!embedder) {
      embedder = createHttpEmbedder({ url: model.url, timeoutMs: 15_000, ...(model.model ? { model: model.model } : {}), ...(model.apiKey ? { apiKey: model.apiKey } : {}) });
      this.embedders.set(id, embedder);
    }
    return embedder;
  }
}
