import type { Config } from '../config';
import { createHttpEmbedder, createLocalEmbedder, type Embedder } from './embedder';
import { ModelRegistry } from './models';

/** The HTTP embedder when `EMBEDDING_URL` is set, else the local deterministic one. */
export function embedderFromConfig(config: Pick<Config, 'EMBEDDING_URL' | 'EMBEDDING_MODEL' | 'EMBEDDING_API_KEY'>): Embedder {
  if (!config.EMBEDDING_URL) return createLocalEmbedder();
  return createHttpEmbedder({
    url: config.EMBEDDING_URL,
    // Below the activities' 20 s start-to-close timeout, so a slow endpoint fails the attempt cleanly.
    timeoutMs: 15_000,
    ...(config.EMBEDDING_MODEL ? { model: config.EMBEDDING_MODEL } : {}),
    ...(config.EMBEDDING_API_KEY ? { apiKey: config.EMBEDDING_API_KEY } : {}),
  });
}

/** The model ids of this process: the built-in ones plus SLUICE_MODELS; models without a `url` embed with `embedder`. */
export function modelsFromConfig(config: Pick<Config, 'SLUICE_MODELS'>, embedder?: Embedder): ModelRegistry {
  return new ModelRegistry(config.SLUICE_MODELS ?? {}, embedder);
}
