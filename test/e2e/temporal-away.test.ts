import { ServiceError, type Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { SluiceError } from '../../src/errors';
import { SYSTEM_ACTOR } from '../../src/records/actor';
import { createLocalEmbedder } from '../../src/pipeline/embedder';
import { recordKey } from '../../src/records/keys';
import { createServices, type Services } from '../../src/services';
import { NEVER_HANDED_OVER, sweep, type SweepDeps } from '../../src/sweeper';
import { recordWorkflowId } from '../../workflows/messages';
import { recordWorkflow } from '../../workflows/record';
import { startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

// Issue #11: Temporal away for a moment must not refuse an operation (the hand-off retries until Temporal takes it,
// up to its deadline); a bulk Temporal does not take in time is accepted anyway and started by the sweep; a write
// whose record's workflow never answers the `supersede` update gets a 409 at the deadline instead of hanging.

const S = '/sources/demo/v1';
let api: TestApi;

/** A gRPC UNAVAILABLE as the client reports it when the server is down. */
function unavailable(): ServiceError {
  return new ServiceError('Failed to start Workflow', { cause: Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14, details: 'No connection established', metadata: {} }) });
}

/** The real client, whose workflow starts (and signal-with-starts) fail as with a server that is down, `refusals()` times. */
function awayClient(real: Client, refusals: () => boolean): Client {
  const workflow = new Proxy(real.workflow, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if ((prop === 'start' || prop === 'signalWithStart') && typeof value === 'function') {
        return async (...args: unknown[]) => {
          if (refusals()) throw unavailable();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return new Proxy(real, { get: (target, prop, receiver) => (prop === 'workflow' ? workflow : Reflect.get(target, prop, receiver)) });
}

function servicesWith(client: Client, opts: { handOffTimeoutMs?: number; supersedeTimeoutMs?: number }): Services {
  return createServices(api.store, { client, taskQueue: api.taskQueue, ...opts });
}

function sweepDeps(services: Services): SweepDeps {
  const acts = createActivities({ store: api.store, ...services, embedder: createLocalEmbedder() });
  return { store: api.store, pipelines: services.pipelines, starts: services.starts, finish: acts.finish, bundleDrop: acts.bundleDrop, bundleSettle: acts.bundleSettle, bundleCommit: acts.bundleCommit };
}

beforeAll(async () => {
  api = await startApi({ worker: true });
  expect((await api.request('PUT', `${S}/profiles/away`, { body: { type: 'ROOT', properties: { name: { type: 'symbol' } } } })).status).toBe(201);
  expect((await api.request('PUT', `${S}/collections/away/pipeline`, { body: { steps: [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } }] } })).status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

test('a hand-off Temporal refuses at first is tried again until it takes it: 202, and the operation commits', async () => {
  let refused = 0;
  const services = servicesWith(awayClient(api.client, () => refused++ < 3), { handOffTimeoutMs: 20_000 });
  const accepted = await services.resources.upsert('demo', 'away', 'retried', { data: { name: '  retried  ' } }, SYSTEM_ACTOR);
  expect(accepted.status).toBe('ACCEPTED');
  expect(refused).toBe(4);
  const task = await waitFor(async () => (await api.request('GET', `${S}/tasks/${accepted.taskId}`)).body, (t) => t.status !== 'PENDING', 30_000, 'the task');
  expect(task.status).toBe('SUCCESS');
  expect((await api.request('GET', `${S}/resources/away/retried`)).body.data).toEqual({ name: 'retried' });
});

test('a hand-off Temporal never confirms: the answer says the outcome is unknown and names the task, nothing is written, and the sweep ends it with the reason', async () => {
  const services = servicesWith(awayClient(api.client, () => true), { handOffTimeoutMs: 1500 });
  const started = Date.now();
  const failure = await services.resources.upsert('demo', 'away', 'never', { data: { name: 'never' } }, SYSTEM_ACTOR).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(SluiceError);
  expect((failure as SluiceError).type).toBe('INTERNAL');
  expect((failure as SluiceError).message).toMatch(/did not confirm that it took the operation \(task s_\w+\).*the outcome is unknown: read GET \/sources\/demo\/v1\/tasks\/s_\w+/);
  expect(Date.now() - started).toBeLessThan(10_000);
  const taskId = /task (s_\w+)/.exec((failure as SluiceError).message)?.[1];
  expect((await api.request('GET', `${S}/tasks/${taskId}`)).body.status).toBe('PENDING');
  // The sweep (here with no grace period) finds it without a workflow and ends it; the task says why.
  await new Promise((r) => setTimeout(r, 50));
  const swept = await sweep(sweepDeps(servicesWith(api.client, {})), 0);
  expect(swept.ended).toHaveLength(1);
  const task = (await api.request('GET', `${S}/tasks/${taskId}?withReceipts=true`)).body;
  expect(task).toMatchObject({ status: 'FAILURE', receipts: [{ status: 'FAILURE', error: { message: NEVER_HANDED_OVER } }] });
  expect((await api.request('GET', `${S}/resources/away/never`)).status).toBe(404);
});

test('a bulk whose start Temporal does not take is accepted all the same, and the sweep starts it', async () => {
  const services = servicesWith(awayClient(api.client, () => true), { handOffTimeoutMs: 1000 });
  const accepted = await services.bulk.accept('demo', 'RESOURCE', [
    { action: 'UPSERT', upsert: { type: 'away', id: 'bulk-late-1', data: { name: ' late 1 ' } } },
    { action: 'CREATE', create: { type: 'clinic', id: 'bulk-late-2', data: { name: 'late 2' } } },
  ], SYSTEM_ACTOR);
  expect(accepted.status).toBe('ACCEPTED');
  expect(await api.store.workflowStarts.countDocuments({ taskId: accepted.taskId })).toBe(1);
  await new Promise((r) => setTimeout(r, 50));
  const swept = await sweep(sweepDeps(servicesWith(api.client, {})), 0);
  expect(swept.started).toEqual([`bulk:${accepted.taskId}`]);
  const task = await waitFor(async () => (await api.request('GET', `${S}/resources/bulk/${accepted.taskId}`)).body, (t) => t.status !== 'PENDING', 30_000, 'the bulk');
  expect(task.counts).toEqual({ SUCCESS: 2, FAILURE: 0, PENDING: 0, CANCELLED: 0 });
  expect((await api.request('GET', `${S}/resources/away/bulk-late-1`)).body.data).toEqual({ name: 'late 1' });
  expect(await api.store.workflowStarts.countDocuments({})).toBe(0);
});

test("a write whose record's workflow never answers the supersede update: 409 at the deadline, nothing written", async () => {
  const key = recordKey('demo', 'RESOURCE', 'clinic', 'stuck');
  // A record workflow that runs on a queue no worker polls: it never answers.
  const handle = await api.client.workflow.start(recordWorkflow, { workflowId: recordWorkflowId(key), taskQueue: `${api.taskQueue}-idle`, args: [{ recordKey: key }] });
  try {
    const services = servicesWith(api.client, { supersedeTimeoutMs: 1500 });
    const started = Date.now();
    const failure = await services.resources.upsert('demo', 'clinic', 'stuck', { data: { name: 'stuck' } }, SYSTEM_ACTOR).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(SluiceError);
    expect((failure as SluiceError).type).toBe('FAILED_PRECONDITION');
    expect((failure as SluiceError).message).toMatch(/did not confirm within 1.5 s that it stopped.*nothing was written, try again/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await api.request('GET', `${S}/resources/clinic/stuck`)).status).toBe(404);
  } finally {
    await handle.terminate('test done');
  }
});

test('a purge whose start Temporal does not take is accepted, counts as running, and the sweep starts it', async () => {
  for (const id of ['purge-late-1', 'purge-late-2']) expect((await api.request('PUT', `${S}/resources/away/${id}`, { body: { data: { name: id } } })).status).toBe(202);
  await waitFor(async () => (await api.request('GET', `${S}/resources/away/purge-late-2`)).status, (s) => s === 200, 30_000, 'the records');
  const stored = await api.store.resources.countDocuments({ source: 'demo', type: 'away' });
  const services = servicesWith(awayClient(api.client, () => true), { handOffTimeoutMs: 1000 });
  const accepted = await services.purge.start('demo', { collectionType: 'resources', collectionKey: 'away' }, SYSTEM_ACTOR);
  expect(accepted.status).toBe('ACCEPTED');
  expect(await api.store.workflowStarts.countDocuments({ taskId: accepted.taskId })).toBe(1);
  // Not closed as a failure while its start is pending: a second purge of the collection is refused.
  const second = await servicesWith(api.client, {}).purge.start('demo', { collectionType: 'resources', collectionKey: 'away' }, SYSTEM_ACTOR).catch((err: unknown) => err);
  expect((second as SluiceError).type).toBe('FAILED_PRECONDITION');
  await new Promise((r) => setTimeout(r, 50));
  const swept = await sweep(sweepDeps(servicesWith(api.client, {})), 0);
  expect(swept.started).toEqual([`purge:${accepted.taskId}`]);
  const purge = await waitFor(async () => (await api.request('GET', `${S}/purge/${accepted.taskId}`)).body, (p) => p.status !== 'PENDING', 30_000, 'the purge');
  expect(purge).toMatchObject({ status: 'SUCCESS', deletedCount: stored });
  expect((await api.request('GET', `${S}/resources/away/purge-late-1`)).status).toBe(404);
});

test('a record written after a purge was accepted, before the purge reached it, stays: the newer write stands', async () => {
  for (const id of ['order-1', 'order-2', 'order-3']) expect((await api.request('PUT', `${S}/resources/clinic/${id}`, { body: { data: { name: `old ${id}` } } })).status).toBe(201);
  // The purge is accepted (202) while Temporal does not take its start; it runs once the sweep starts it.
  const accepted = await servicesWith(awayClient(api.client, () => true), { handOffTimeoutMs: 500 }).purge.start('demo', { collectionType: 'resources', collectionKey: 'clinic' }, SYSTEM_ACTOR);
  // Answered after the purge's 202: this write is the newer request for order-2.
  expect((await api.request('PUT', `${S}/resources/clinic/order-2`, { body: { data: { name: 'newer than the purge' } } })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 50));
  expect((await sweep(sweepDeps(servicesWith(api.client, {})), 0)).started).toEqual([`purge:${accepted.taskId}`]);
  const purge = await waitFor(async () => (await api.request('GET', `${S}/purge/${accepted.taskId}`)).body, (p) => p.status !== 'PENDING', 30_000, 'the purge');
  expect(purge.status).toBe('SUCCESS');
  expect((await api.request('GET', `${S}/resources/clinic/order-1`)).status).toBe(404);
  expect((await api.request('GET', `${S}/resources/clinic/order-3`)).status).toBe(404);
  expect((await api.request('GET', `${S}/resources/clinic/order-2`)).body.data).toEqual({ name: 'newer than the purge' });
});
