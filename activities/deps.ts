import type { Embedder } from '../src/pipeline/embedder';
import type { ModelRegistry } from '../src/pipeline/models';
import type { WritePath } from '../src/records';
import type { Store } from '../src/store/db';

/**
 * What every activity factory is built from: the store, the record write path (catalog, record writers, receipts,
 * locks, hand-off to Temporal), the embedder and the clock. Tests hand in fakes where they need control.
 */
export interface ActivityDeps extends WritePath {
  store: Store;
  /** Embeds for embedding models without an endpoint of their own (the local embedder by default). */
  embedder: Embedder;
  /** The model ids steps name; the built-in ones when absent. */
  models?: ModelRegistry;
  now?: () => Date;
}
