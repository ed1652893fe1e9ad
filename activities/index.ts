import type { ActivityDeps } from './deps';
import { createBulkActivities } from './bulk';
import { createBundleActivities } from './bundle';
import { withFailures } from './failure';
import { createPipelineActivities } from './pipeline';
import { createPurgeActivities } from './purge';

export type { ActivityDeps } from './deps';

/** Every activity the worker registers, built from one set of dependencies, its failures mapped in one place. */
export function createActivities(deps: ActivityDeps) {
  return withFailures({ ...createPipelineActivities(deps), ...createPurgeActivities(deps), ...createBulkActivities(deps), ...createBundleActivities(deps) });
}
