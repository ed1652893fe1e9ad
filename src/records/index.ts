import { CatalogService, type CatalogOptions } from '../catalog/catalog';
import type { Store } from '../store/db';
import { RecordLocks } from '../store/record-lock';
import { PipelineService } from './pipelines';
import { RecordOrder } from './record-order';
import { RecordWritePath } from './write-path';
import { RelationshipService } from './relationships';
import { ResourceService } from './resources';
import { TaskService } from './tasks';
import type { TemporalHandOff } from './temporal-calls';
import { WorkflowStarts } from './workflow-starts';

/**
 * The record write path, shared by the API (single operations, bulk and bundle at the door) and the worker
 * (bulk chunks, pipeline commits, bundles): the catalog it validates against, the record writers, the receipts,
 * the records' order and the hand-off to Temporal.
 */
export interface WritePath {
  catalog: CatalogService;
  tasks: TaskService;
  locks: RecordLocks;
  /** Records' heads: the order of the requests for each record (record-order.ts). */
  order: RecordOrder;
  /** The one write path of a record (write-path.ts). */
  writes: RecordWritePath;
  /** The hand-off to Temporal: accept an execution, supersede a record's active one, find a triggered pipeline. */
  pipelines: PipelineService;
  resources: ResourceService;
  relationships: RelationshipService;
  /** Bulk and bundle workflow starts that survive Temporal being down and the API dying. */
  starts: WorkflowStarts;
}

/** Wires the write path over one store and one Temporal client; `now` is injectable for tests. */
export function createWritePath(store: Store, temporal: TemporalHandOff, now: () => Date = () => new Date(), catalogOptions: CatalogOptions = {}): WritePath {
  const catalog = new CatalogService(store, now, catalogOptions);
  const tasks = new TaskService(store, now);
  const locks = new RecordLocks(store, now);
  const order = new RecordOrder(store, () => now().getTime());
  const pipelines = new PipelineService(store, catalog, temporal, now, order);
  const writes = new RecordWritePath(store, order, tasks, pipelines, now);
  const resources = new ResourceService(store, catalog, writes, pipelines, now);
  const relationships = new RelationshipService(store, catalog, writes, pipelines, now);
  return { catalog, tasks, locks, order, writes, pipelines, resources, relationships, starts: new WorkflowStarts(store, temporal, now) };
}
