import { startApi, type HttpResult, type StartOptions, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';
import { ErrorShape, ProfileShape, SourceShape, expectShape } from './shapes';

// Shared plumbing of the conformance suite: one real API (and, on request, a real worker) per file, and the few
// calls every page needs. Each file uses a source key of its own.

export interface Conformance {
  api: TestApi;
  /** `/sources/{source}/v1` of this file's source. */
  base: string;
  source: string;
  /** A request on this file's source (`path` relative to `/sources/{source}/v1`). */
  call(method: string, path: string, opts?: { body?: unknown; key?: string | null; raw?: string; headers?: Record<string, string> }): Promise<HttpResult>;
}

/**
 * Starts the stack for a file and (unless `createSource: false`) creates its source with the documented body
 * `{"type": "registry"}`.
 */
export function useConformance(source: string, opts: StartOptions & { createSource?: boolean } = {}): Conformance {
  const ctx = { source, base: `/sources/${source}/v1` } as Conformance;
  beforeAll(async () => {
    ctx.api = await startApi(opts);
    ctx.call = (method, path, o) => ctx.api.request(method, `${ctx.base}${path}`, o);
    if (opts.createSource === false) return;
    const res = await ctx.api.request('PUT', `/catalog/v1/sources/${source}`, { body: { type: 'registry' } });
    expect(res.status).toBe(201);
    expectShape(SourceShape, res.body);
  });
  afterAll(async () => {
    await ctx.api?.close();
  });
  return ctx;
}

/** PUT a profile and check the answer echoes it in the profile shape. */
export async function putProfile(c: Conformance, key: string, body: unknown): Promise<any> {
  const res = await c.call('PUT', `/profiles/${key}`, { body });
  expect({ status: res.status, body: res.body }).toEqual({ status: expect.any(Number), body: expect.objectContaining({ key }) });
  expect([200, 201]).toContain(res.status);
  return expectShape(ProfileShape, res.body);
}

/** Asserts a documented error answer: the HTTP status, and a body `{code, type, message, details}` whose code is that status. */
export function expectDocError(res: HttpResult, status: number, type: string): any {
  expect({ status: res.status, type: res.body?.type, code: res.body?.code }).toEqual({ status, type, code: status });
  return expectShape(ErrorShape, res.body);
}

/**
 * Reads a task (`withReceipts=True`, as the docs write it) until it is no longer PENDING. Its shape is checked by the
 * callers that are about tasks (get-a-task, bulk, bundle…), after their own assertions.
 */
export async function settledTask(c: Conformance, taskId: string, timeoutMs = 30_000): Promise<any> {
  const res = await waitFor(() => c.call('GET', `/tasks/${taskId}?withReceipts=True`), (r) => r.status === 200 && r.body.status !== 'PENDING', timeoutMs, `task ${taskId} to settle`);
  return res.body;
}

/** Reads a task until `done` holds. */
export async function taskUntil(c: Conformance, taskId: string, done: (task: any) => boolean, what: string): Promise<any> {
  const res = await waitFor(() => c.call('GET', `/tasks/${taskId}?withReceipts=true`), (r) => r.status === 200 && done(r.body), 30_000, what);
  return res.body;
}

/**
 * Whether an operator holds for a record, seen through a pipeline trigger (https://docs.clinia.com/explanation/operator:
 * "Pipeline routing: Determine which processing steps to execute based on record properties"): the collection's
 * pipeline gets one NORMALIZER step triggered by `operator`, then `data` is written. When the trigger holds the step
 * runs (the write is ACCEPTED and its execution shows the step PROCESSED); when it does not, no step runs and the
 * write is PERSISTED at once.
 */
export function triggerProbe(c: Conformance, collection: string): { use(operator: unknown): Promise<void>; holds(data: Record<string, unknown>): Promise<boolean> } {
  let n = 0;
  // Record ids of this run only: a record's workflow is named after it on the shared Temporal server.
  const run = Date.now().toString(36);
  return {
    async use(operator) {
      const res = await c.call('PUT', `/collections/${collection}/pipeline`, {
        body: { steps: [{ type: 'NORMALIZER', trigger: { type: 'OPERATOR', operator }, normalizer: { properties: [{ property: 'name', trim: true }] } }] },
      });
      expect({ status: res.status, body: res.body }).toEqual({ status: expect.any(Number), body: expect.objectContaining({ steps: [expect.objectContaining({ trigger: { type: 'OPERATOR', operator } })] }) });
    },
    async holds(data) {
      n += 1;
      const res = await c.call('PUT', `/resources/${collection}/probe-${run}-${n}`, { body: { data } });
      if (res.status === 201 && res.body.status === 'PERSISTED') return false;
      expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: { taskId: expect.any(String), status: 'ACCEPTED' } });
      const task = await settledTask(c, res.body.taskId);
      expect(task.status).toBe('SUCCESS');
      const exec = await c.call('GET', `/pipelines/executions/${task.receipts[0].pipelineExecution.id}`);
      expect(exec.body.steps.map((s: { status: string }) => s.status)).toEqual(['PROCESSED']);
      return true;
    },
  };
}

/** The provider and office profiles, and the provider-office definition (worksAt / staff) with a `name` and a `role`. */
export async function providerOfficeCatalog(c: Conformance): Promise<void> {
  await putProfile(c, 'provider', { type: 'ROOT', properties: { name: { type: 'symbol' } } });
  await putProfile(c, 'office', { type: 'ROOT', properties: { name: { type: 'symbol' } } });
  const res = await c.call('PUT', '/relationship-definitions/provider-office', {
    body: {
      from: { profileKey: 'provider', includeKey: 'worksAt', includeCardinality: '0:*' },
      to: { profileKey: 'office', includeKey: 'staff', includeCardinality: '0:*' },
      properties: { name: { type: 'symbol' }, role: { type: 'code' } },
    },
  });
  expect(res.status).toBe(201);
}
