import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter';
import { keepStack } from './local-stack';

/** The workflow bundle is built once per run and shared by every test file's workers. */
async function bundleWorkflowsOnce(): Promise<void> {
  if (process.env.SLUICE_TEST_WORKFLOW_BUNDLE) return;
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    // As scripts/bundle-workflows.mjs: the sandbox encodes workflow failures' messages.
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  const file = join(mkdtempSync(join(tmpdir(), 'sluice-bundle-')), 'workflow-bundle.js');
  writeFileSync(file, code);
  process.env.SLUICE_TEST_WORKFLOW_BUNDLE = file;
}

/**
 * Starts the in-memory Temporal dev server and a FerretDB in a temp dir that every test file shares, for
 * whichever of TEMPORAL_ADDRESS / MONGODB_URI is unset; jest's workers inherit the env set here.
 */
export default async function globalSetup(): Promise<void> {
  await bundleWorkflowsOnce();
  const { codecEnv, ensureBinaries, newCodecKey, startEphemeralStack, temporalBinary } = await import('../../scripts/stack.mjs');
  // Every test client and worker encrypts payloads as production does, with a throwaway key of the run.
  if (!process.env.SLUICE_CODEC_KEY) Object.assign(process.env, codecEnv(newCodecKey()));
  // Tests drive the Temporal CLI too (signals, visibility queries), as a user would.
  process.env.SLUICE_TEMPORAL_CLI ??= temporalBinary();
  if (process.env.TEMPORAL_ADDRESS && process.env.MONGODB_URI) return;
  await ensureBinaries();
  const stack = await startEphemeralStack({ prefix: 'sluice-test-' });
  keepStack(stack);
  Object.assign(process.env, stack.env);
  // Jest skips global teardown when it is interrupted; exiting still kills the servers (stack.mjs's exit hook).
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
}
