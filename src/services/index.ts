import type { CatalogOptions } from '../catalog/catalog';
import { createWritePath, type WritePath } from '../records';
import type { TemporalHandOff } from '../records/temporal-calls';
import type { Store } from '../store/db';
import { ApiKeyService } from './api-keys';
import { BulkService } from './bulk';
import { BundleService } from './bundle';
import { HistoryService } from './history';
import { PurgeService } from './purge';
import { ReviewService, type ReviewOptions } from './review';

/** What the API's handlers call: the write path, plus the requests only the API accepts. */
export interface Services extends WritePath {
  keys: ApiKeyService;
  purge: PurgeService;
  bulk: BulkService;
  bundle: BundleService;
  history: HistoryService;
  /** The review console's queue, counts and signed-in key. */
  review: ReviewService;
}

/** Wires the API's services over one store and one Temporal client; `now` is injectable for tests. */
export function createServices(
  store: Store, temporal: TemporalHandOff, now: () => Date = () => new Date(), catalogOptions: CatalogOptions = {}, reviewOptions: ReviewOptions = {},
): Services {
  const path = createWritePath(store, temporal, now, catalogOptions);
  const { catalog, locks, pipelines, resources, relationships } = path;
  return {
    ...path,
    keys: new ApiKeyService(store, now),
    purge: new PurgeService(store, catalog, locks, temporal, path.starts, path.order, now),
    bulk: new BulkService(store, path.starts, path.order, now),
    bundle: new BundleService(store, catalog, resources, relationships, pipelines, temporal, path.starts, path.order, now),
    history: new HistoryService(store, catalog),
    review: new ReviewService(store, catalog, pipelines.assignments, { namespace: temporal.client.options.namespace, ...reviewOptions }, now),
  };
}
