import type { Client } from '@temporalio/client';
import type { Store } from '../store/db';
import { RecordLocks } from '../store/record-lock';
import { ApiKeyService } from './api-keys';
import { BulkService } from './bulk';
import { BundleService } from './bundle';
import { CatalogService, type CatalogOptions } from './catalog';
import { PipelineService } from './pipelines';
import { PurgeService } from './purge';
import { RelationshipService } from './relationships';
import { ResourceService } from './resources';
import { TaskService } from './tasks';

export interface Services {
  keys: ApiKeyService;
  catalog: CatalogService;
  tasks: TaskService;
  pipelines: PipelineService;
  resources: ResourceService;
  relationships: RelationshipService;
  locks: RecordLocks;
  purge: PurgeService;
  bulk: BulkService;
  bundle: BundleService;
}

/** Wires the services over one store and one Temporal client; `now` is injectable for tests. */
export function createServices(store: Store, temporal: { client: Client; taskQueue: string }, now: () => Date = () => new Date(), catalogOptions: CatalogOptions = {}): Services {
  const catalog = new CatalogService(store, now, catalogOptions);
  const tasks = new TaskService(store, now);
  const locks = new RecordLocks(store, now);
  const pipelines = new PipelineService(store, catalog, temporal, now);
  const resources = new ResourceService(store, catalog, tasks, locks, pipelines, now);
  const relationships = new RelationshipService(store, catalog, tasks, locks, pipelines, now);
  return {
    keys: new ApiKeyService(store, now),
    catalog,
    tasks,
    pipelines,
    resources,
    relationships,
    locks,
    purge: new PurgeService(store, catalog, locks, temporal, now),
    bulk: new BulkService(store, catalog, resources, relationships, tasks, temporal, now),
    bundle: new BundleService(store, catalog, resources, relationships, pipelines, temporal, now),
  };
}
