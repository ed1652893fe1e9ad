import type { Client } from '@temporalio/client';
import { startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

// Issue #11: Temporal refusing the hand-off of a bulk's operations (down for a while) must delay them, never fail
// them. The worker's Temporal client refuses its first workflow starts, as an unreachable server would.

const REFUSALS = 4;
let refused = 0;

/** The real client, whose first REFUSALS starts (and signal-with-starts) fail like an unreachable server. */
function refusingClient(real: Client): Client {
  const workflow = new Proxy(real.workflow, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if ((prop === 'start' || prop === 'signalWithStart') && typeof value === 'function') {
        return async (...args: unknown[]) => {
          if (refused < REFUSALS) {
            refused++;
            throw new Error('14 UNAVAILABLE: No connection established (forced by the test)');
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return new Proxy(real, { get: (target, prop, receiver) => (prop === 'workflow' ? workflow : Reflect.get(target, prop, receiver)) });
}

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ worker: true, workerClient: refusingClient });
  expect((await api.request('PUT', '/sources/demo/v1/profiles/handoff', { body: { type: 'ROOT', properties: { name: { type: 'symbol' } } } })).status).toBe(201);
  const steps = [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } }];
  expect((await api.request('PUT', '/sources/demo/v1/collections/handoff/pipeline', { body: { steps } })).status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

test('a bulk whose hand-offs Temporal refuses at first: every operation still ends SUCCESS, stored once, normalized', async () => {
  const operations = Array.from({ length: 12 }, (_, i) => ({ action: 'CREATE', create: { type: 'handoff', id: `h-${i}`, data: { name: `  Handed ${i}  ` } } }));
  const accepted = await api.request('POST', '/sources/demo/v1/resources/bulk', { body: { operations } });
  expect(accepted.status).toBe(202);
  const task = await waitFor(
    async () => (await api.request('GET', `/sources/demo/v1/tasks/${accepted.body.taskId}?withReceipts=true&perPage=100`)).body,
    (t) => t.status !== 'PENDING', 60_000, 'bulk settled',
  );
  expect(refused).toBe(REFUSALS);
  expect(task.counts).toEqual({ SUCCESS: 12, FAILURE: 0, PENDING: 0, CANCELLED: 0 });
  expect(task.status).toBe('SUCCESS');
  const stored = await api.store.resources.find({ source: 'demo', type: 'handoff' }).sort({ id: 1 }).toArray();
  expect(stored.map((r) => r.data.name).sort()).toEqual(operations.map((_, i) => `Handed ${i}`).sort());
  expect(stored.every((r) => r.meta.versionId === '1')).toBe(true);
  const executions = await api.store.executions.find({ 'operation.taskId': accepted.body.taskId }).toArray();
  expect(executions).toHaveLength(12);
  expect(executions.every((e) => e.status === 'SUCCESSFUL')).toBe(true);
});
