// The baseline of bench/pipeline.ts: the least a Temporal workflow with one activity costs on this server.
// It lives in a folder of its own because `npm run bench` runs every top-level dist/bench/*.js.
import { proxyActivities } from '@temporalio/workflow';

/** The one activity of the bare workflow; the benchmark's worker implements it as a no-op. */
export interface BareActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<BareActivities>({ startToCloseTimeout: '20 seconds' });

/** One no-op activity, then done. */
export async function bareWorkflow(): Promise<void> {
  await noop();
}
