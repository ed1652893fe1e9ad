import type { Embedder } from '../src/pipeline/embedder';
import type { Services } from '../src/services';
import type { Store } from '../src/store/db';

/** What every activity factory is built from; tests hand in fakes where they need control. */
export interface ActivityDeps {
  store: Store;
  services: Services;
  embedder: Embedder;
  now?: () => Date;
}
