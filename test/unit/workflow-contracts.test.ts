import * as workflows from '../../workflows';
import {
  WORKFLOW_TYPES, type BulkWorkflow, type BundleWorkflow, type PurgeWorkflow, type RecordWorkflow,
} from '../../workflows/messages';

// The API starts workflows by type name with the types of workflows/messages.ts, never importing workflow code.
// These assignments fail to compile when a workflow's input or result drifts from its declared type.
const typed: { record: RecordWorkflow; bulk: BulkWorkflow; bundle: BundleWorkflow; purge: PurgeWorkflow } = {
  record: workflows.recordWorkflow,
  bulk: workflows.bulkWorkflow,
  bundle: workflows.bundleWorkflow,
  purge: workflows.purgeWorkflow,
};

test('every workflow type name the API starts is a workflow the worker registers, under that name', () => {
  const exported = workflows as Record<string, unknown>;
  expect(Object.values(WORKFLOW_TYPES).sort()).toEqual(Object.keys(exported).sort());
  for (const name of Object.values(WORKFLOW_TYPES)) expect(typeof exported[name]).toBe('function');
  for (const [kind, fn] of Object.entries(typed)) expect(exported[WORKFLOW_TYPES[kind as keyof typeof typed]]).toBe(fn);
});
