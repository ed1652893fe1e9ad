export { recordWorkflow } from './record';
export { pipelineExecutionWorkflow } from './execution';
export { purgeWorkflow } from './purge';
export { bulkWorkflow } from './bulk';
export { bundleWorkflow } from './bundle';
