import type { Embedder } from '../src/pipeline/embedder';
import type { WritePath } from '../src/records';
import type { Store } from '../src/store/db';

/**
 * What every activity factory is built from: the store, the record write path (catalog, record writers, receipts,
 * locks, hand-off to Temporal), the embedder and the clock. Tests hand in fakes where they need control.
 */
export interface ActivityDeps extends WritePath {
  store: Store;
  embedder: Embedder;
  now?: () => Date;
}
