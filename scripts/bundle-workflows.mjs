// Part of `npm run build`: bundles the compiled workflows once, so the production worker loads a prebuilt
// bundle (dist/workflow-bundle.js) instead of running webpack at every start.
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { bundleWorkflowCode } = require('@temporalio/worker');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: (m, meta) => console.error(m, meta ?? ''), error: (m, meta) => console.error(m, meta ?? '') };
// The sandbox converts workflow failures itself: it needs the failure converter that encodes their messages, so no failure message reaches Temporal in clear.
const { code } = await bundleWorkflowCode({
  workflowsPath: path.join(root, 'dist/workflows/index.js'),
  failureConverterPath: path.join(root, 'dist/src/codec/failure-converter.js'),
  logger: quiet,
});
const out = path.join(root, 'dist/workflow-bundle.js');
await writeFile(out, code);
console.log(JSON.stringify({ level: 'info', msg: 'workflow bundle written', time: new Date().toISOString(), file: out, bytes: code.length, seconds: (Date.now() - started) / 1000 }));
