import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { takeStack } from './local-stack';

/** Stops the servers that global setup started and deletes FerretDB's temp data (the logs stay). */
export default async function globalTeardown(): Promise<void> {
  const bundle = process.env.SLUICE_TEST_WORKFLOW_BUNDLE;
  if (bundle?.includes('sluice-bundle-')) rmSync(dirname(bundle), { recursive: true, force: true });
  const stack = takeStack();
  if (!stack) return;
  const { stopEphemeralStack } = await import('../../scripts/stack.mjs');
  await stopEphemeralStack(stack);
}
