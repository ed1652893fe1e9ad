import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import type { createActivities } from '../../activities';
import { testCodec } from './codec';

/** The activities the real worker registers, by name, with their real signatures. */
export type Activities = ReturnType<typeof createActivities>;
/** The name of one activity. */
export type ActivityName = keyof Activities;

// The mapped type makes the compiler flag an activity added to (or removed from) the factory and not here.
const ACTIVITY_NAMES: { [K in ActivityName]: true } = {
  describeExecution: true, beginExecution: true, runStep: true, approveStep: true, recordIgnoredSignal: true, commit: true,
  checkForBundle: true, finish: true, cancelQueued: true,
  purgeBatches: true, finishPurge: true,
  bulkProcessChunks: true, bulkOpenExecutions: true,
  bundleStart: true, bundleCommit: true, bundleDrop: true, bundleSettle: true,
};

/** One call a workflow made of a fake activity. */
export interface ActivityCall {
  name: ActivityName;
  args: unknown[];
}

/** Fake activities under every real name, and what the workflows asked of them. */
export interface FakeActivities {
  activities: Activities;
  /** Every call, in the order the worker ran them. */
  calls: ActivityCall[];
  /** The arguments of each call of one activity, in order. */
  argsOf<K extends ActivityName>(name: K): Parameters<Activities[K]>[];
  /** Resolves with the arguments of the `nth` call (1-based) of `name` once the workflow has made it. */
  called<K extends ActivityName>(name: K, nth?: number): Promise<Parameters<Activities[K]>>;
}

/**
 * Fakes built from `impl`; an activity the test did not provide fails non-retryably (UnexpectedActivity),
 * so a workflow that calls something unexpected shows it in its result rather than hanging in retries.
 */
export function fakeActivities(impl: Partial<Activities>): FakeActivities {
  const calls: ActivityCall[] = [];
  const waiters: { name: ActivityName; nth: number; done: (args: unknown[]) => void }[] = [];
  const argsOf = (name: ActivityName): unknown[][] => calls.filter((c) => c.name === name).map((c) => c.args);
  const activities: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of Object.keys(ACTIVITY_NAMES) as ActivityName[]) {
    activities[name] = async (...args: unknown[]) => {
      calls.push({ name, args });
      const made = argsOf(name);
      for (const w of waiters.filter((w) => w.name === name && made.length >= w.nth)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done(made[w.nth - 1] as unknown[]);
      }
      const fake = impl[name] as ((...a: unknown[]) => Promise<unknown>) | undefined;
      if (!fake) throw ApplicationFailure.create({ type: 'UnexpectedActivity', message: `the test did not expect ${name}`, nonRetryable: true });
      return fake(...args);
    };
  }
  return {
    activities: activities as unknown as Activities,
    calls,
    argsOf: ((name: ActivityName) => argsOf(name)) as FakeActivities['argsOf'],
    called: ((name: ActivityName, nth = 1): Promise<unknown[]> => {
      const made = argsOf(name)[nth - 1];
      if (made) return Promise.resolve(made);
      return new Promise<unknown[]>((done) => waiters.push({ name, nth, done }));
    }) as FakeActivities['called'],
  };
}

/** A promise and the function that resolves it: lets a fake activity wait for the test. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((done) => (open = done));
  return { opened, open };
}

/** A fresh id, so that no two tests share a workflow id or a task queue. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

let runtimeInstalled = false;
/**
 * Errors only: these tests fail activities on purpose, and the SDK logs each such failure as a warning
 * (TEST_LOG_LEVEL=warn, info or debug shows more).
 */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const wanted = process.env.TEST_LOG_LEVEL?.toUpperCase();
  const level = wanted === 'DEBUG' || wanted === 'INFO' || wanted === 'WARN' ? wanted : 'ERROR';
  // Core's own messages too (e.g. an activity completing after its workflow closed), at the same level.
  Runtime.install({ logger: new DefaultLogger(level), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: level, other: level }), forward: {} } } });
}

/** The real workflows: the bundle global setup built, or the sources when a test runs without it. */
export function realWorkflows(): Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = process.env.SLUICE_TEST_WORKFLOW_BUNDLE;
  return bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('../../workflows') };
}

/** A client and a worker connection to the dev server that jest's global setup started. */
export interface WorkflowEnv {
  client: Client;
  /** Runs `fn` while a worker of the real workflows and `fakes` polls a task queue of its own, then stops it. */
  withWorker<T>(fakes: FakeActivities, fn: (taskQueue: string) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Connects to TEMPORAL_ADDRESS; one per test file, a new task queue and worker per test. */
export async function connectWorkflowEnv(): Promise<WorkflowEnv> {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the tests through jest (global setup starts the server)');
  installQuietRuntime();
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  // The payload codec of production, so the workflows run on encrypted payloads here too.
  const { dataConverter } = testCodec();
  const client = new Client({ connection, dataConverter });
  return {
    client,
    withWorker: async (fakes, fn) => {
      const taskQueue = uniqueId('wf-test');
      const worker = await Worker.create({ connection: nativeConnection, taskQueue, ...realWorkflows(), activities: fakes.activities, dataConverter });
      return worker.runUntil(() => fn(taskQueue));
    },
    close: async () => {
      await nativeConnection.close();
      await connection.close();
    },
  };
}

/** The failures of the workflow tasks in a history: a workflow that crashed on a message shows one here. */
export function workflowTaskFailures(history: History): string[] {
  return (history.events ?? []).flatMap((e) => (e.workflowTaskFailedEventAttributes ? [e.workflowTaskFailedEventAttributes.failure?.message ?? 'workflow task failed'] : []));
}
