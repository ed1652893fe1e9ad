import type { ActivityDeps } from './deps';
import { createBulkActivities } from './bulk';
import { createBundleActivities } from './bundle';
import { createPipelineActivities } from './pipeline';
import { createPurgeActivities } from './purge';

export type { ActivityDeps } from './deps';

/** Every activity the worker registers, built from one set of dependencies. */
export function createActivities(deps: ActivityDeps) {
  return { ...createPipelineActivities(deps), ...createPurgeActivities(deps), ...createBulkActivities(deps), ...createBundleActivities(deps) };
}
