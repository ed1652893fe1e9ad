import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

/**
 * Where the worker gets its workflow code: a prebuilt bundle (`SLUICE_WORKFLOW_BUNDLE`, or the one
 * `npm run build` writes next to the compiled code), else the workflow sources, bundled at start.
 */
export function workerOptions(bundlePath?: string): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = bundlePath ?? join(__dirname, '..', 'workflow-bundle.js');
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('../workflows') };
}
