import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expectError, startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';
import { decisionSignal, executionWorkflowId } from '../../workflows/messages';

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ worker: true });
});
afterAll(async () => {
  await api.close();
});

const S = '/sources/demo/v1';
// A wildcard `eq` (case-insensitive) stands for the old regex predicate `matches: '^Review'`.
const REVIEW_IF_NAME_STARTS_WITH_REVIEW = { type: 'OPERATOR', operator: { eq: { name: 'Review*' } } };

async function setPipeline(collection: string, steps: unknown[]): Promise<string> {
  const res = await api.request('PUT', `${S}/collections/${collection}/pipeline`, { body: { steps } });
  expect([200, 201]).toContain(res.status);
  return res.body.id as string;
}

async function task(taskId: string): Promise<any> {
  return (await api.request('GET', `${S}/tasks/${taskId}?withReceipts=true`)).body;
}

async function executionOf(taskId: string): Promise<any> {
  const t = await waitFor(() => task(taskId), (b) => Boolean(b.receipts?.[0]?.pipelineExecution), 10_000, 'receipt with execution');
  return (await api.request('GET', `${S}/pipelines/executions/${t.receipts[0].pipelineExecution.id}?withOperationBody=true`)).body;
}

async function waitStatus(executionId: string, status: string): Promise<any> {
  return waitFor(async () => (await api.request('GET', `${S}/pipelines/executions/${executionId}`)).body, (e) => e.status === status, 20_000, `execution ${executionId} to be ${status}`);
}

async function waitTask(taskId: string, status: string): Promise<any> {
  return waitFor(() => task(taskId), (t) => t.status === status, 20_000, `task ${taskId} to be ${status}`);
}

describe('review walk-through', () => {
  test('normalize, wait in review, approve: the record is persisted with the augmented data', async () => {
    const pipelineId = await setPipeline('clinic', [
      { type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true, case: 'title' }] } },
      { type: 'HUMAN_REVIEW', humanReview: { instructions: 'Check the clinic' } },
    ]);
    const res = await api.request('POST', `${S}/resources/clinic`, { body: { id: 'walk-1', data: { name: '  west   end clinic ' } } });
    expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: expect.anything() });
    expect(res.body).toEqual({ taskId: expect.stringMatching(/^s_/), status: 'ACCEPTED' });

    const exec = await executionOf(res.body.taskId);
    const inReview = await waitStatus(exec.id, 'IN_REVIEW');
    expect(inReview).toEqual(expect.objectContaining({
      id: exec.id,
      pipelineDefinitionId: pipelineId,
      status: 'IN_REVIEW',
      operation: { taskId: res.body.taskId, action: 'CREATE', target: { id: 'walk-1', targetType: 'RESOURCE', type: 'clinic' } },
      steps: [
        { type: 'NORMALIZER', status: 'PROCESSED', processedAt: expect.any(String) },
        { type: 'HUMAN_REVIEW', status: 'IN_REVIEW' },
      ],
    }));
    const pendingTask = await task(res.body.taskId);
    expect(pendingTask.status).toBe('PENDING');
    expect(pendingTask.receipts[0]).toEqual(expect.objectContaining({ status: 'PENDING', pipelineExecution: { id: exec.id, pipelineDefinitionId: pipelineId, status: 'IN_REVIEW' } }));
    expectError(await api.request('GET', `${S}/resources/clinic/walk-1`), 404, 'NOT_FOUND');

    const queue = await api.request('GET', `${S}/pipelines/executions?status=IN_REVIEW&type=clinic`);
    expect(queue.body.data.map((e: { id: string }) => e.id)).toContain(exec.id);

    const reviewer = await api.key(['review'], ['demo']);
    const decision = await api.request('POST', `${S}/pipelines/executions/${exec.id}/decision`, { key: reviewer, body: { action: 'APPROVE', description: 'looks right' } });
    expect(decision.status).toBe(202);
    expect(decision.body).toEqual({ id: expect.any(String), action: 'APPROVE', description: 'looks right', author: { id: expect.any(String) }, actedAt: expect.any(String) });

    const done = await waitTask(res.body.taskId, 'SUCCESS');
    expect(done.receipts[0]).toEqual(expect.objectContaining({ status: 'SUCCESS', completedAt: expect.any(String), pipelineExecution: expect.objectContaining({ status: 'SUCCESSFUL' }) }));
    const final = await api.request('GET', `${S}/pipelines/executions/${exec.id}`);
    expect(final.body.steps[1]).toEqual(expect.objectContaining({ status: 'PROCESSED', decision: expect.objectContaining({ id: decision.body.id, action: 'APPROVE', author: decision.body.author }) }));
    const stored = await api.request('GET', `${S}/resources/clinic/walk-1`);
    expect(stored.body.data).toEqual({ name: 'West End Clinic' });
    expectError(await api.request('POST', `${S}/pipelines/executions/${exec.id}/decision`, { key: reviewer, body: { action: 'APPROVE' } }), 409, 'FAILED_PRECONDITION');
  });

  test('REJECT drops the execution, persists nothing, and the receipt is SUCCESS', async () => {
    await setPipeline('clinic', [{ type: 'HUMAN_REVIEW', humanReview: {} }]);
    const res = await api.request('PUT', `${S}/resources/clinic/reject-1`, { body: { data: { name: 'Nope' } } });
    expect(res.status).toBe(202);
    const exec = await executionOf(res.body.taskId);
    await waitStatus(exec.id, 'IN_REVIEW');
    expect((await api.request('POST', `${S}/pipelines/executions/${exec.id}/decision`, { body: { action: 'REJECT', description: 'duplicate' } })).status).toBe(202);
    const t = await waitTask(res.body.taskId, 'SUCCESS');
    expect(t.receipts[0].pipelineExecution.status).toBe('DROPPED');
    const e = await api.request('GET', `${S}/pipelines/executions/${exec.id}`);
    expect(e.body.status).toBe('DROPPED');
    expect(e.body.steps[0]).toEqual(expect.objectContaining({ status: 'PROCESSED', decision: expect.objectContaining({ action: 'REJECT', description: 'duplicate' }) }));
    expectError(await api.request('GET', `${S}/resources/clinic/reject-1`), 404, 'NOT_FOUND');
  });

  test('a malformed decision signal is recorded and ignored; a CLI-style minimal signal approves', async () => {
    await setPipeline('clinic', [{ type: 'HUMAN_REVIEW', humanReview: {} }]);
    const res = await api.request('POST', `${S}/resources/clinic`, { body: { id: 'signal-1', data: { name: 'Signal' } } });
    const exec = await executionOf(res.body.taskId);
    await waitStatus(exec.id, 'IN_REVIEW');
    const handle = api.client.workflow.getHandle(executionWorkflowId(exec.id));
    await handle.signal(decisionSignal, { action: 'MAYBE', extra: 1 });
    await handle.signal(decisionSignal, 'not even an object');
    const withIgnored = await waitFor(async () => (await api.request('GET', `${S}/pipelines/executions/${exec.id}`)).body, (e) => (e.ignoredSignals?.length ?? 0) >= 2, 10_000, 'ignored signals');
    expect(withIgnored.status).toBe('IN_REVIEW');
    expect(withIgnored.ignoredSignals[0].reason).toMatch(/malformed decision signal ignored/);
    await handle.signal(decisionSignal, { action: 'APPROVE' });
    await waitTask(res.body.taskId, 'SUCCESS');
    const e = await api.request('GET', `${S}/pipelines/executions/${exec.id}`);
    expect(e.body.steps[0].decision).toEqual(expect.objectContaining({ action: 'APPROVE', author: { id: 'temporal-signal' } }));
    expect((await api.request('GET', `${S}/resources/clinic/signal-1`)).body.data).toEqual({ name: 'Signal' });
  });

  test('a review timeout applies onTimeout', async () => {
    await setPipeline('clinic', [{ type: 'HUMAN_REVIEW', humanReview: { timeout: '1s', onTimeout: 'APPROVE' } }]);
    const res = await api.request('PUT', `${S}/resources/clinic/timeout-1`, { body: { data: { name: 'Timed' } } });
    expect(res.status).toBe(202);
    const t = await waitTask(res.body.taskId, 'SUCCESS');
    const e = await api.request('GET', `${S}/pipelines/executions/${t.receipts[0].pipelineExecution.id}`);
    expect(e.body.steps[0].decision).toEqual(expect.objectContaining({ action: 'APPROVE', description: 'review timed out', author: { id: 'system' } }));
    expect((await api.request('GET', `${S}/resources/clinic/timeout-1`)).body.data).toEqual({ name: 'Timed' });
  });
});

describe('validation inside pipelines', () => {
  test('a VALIDATOR FAIL rule ends the execution in ERROR with the receipt FAILURE; WARN goes on', async () => {
    await setPipeline('provider', [
      { type: 'VALIDATOR', validator: { rules: [
        { name: 'has-practice-number', assert: { eq: { practiceNumber: '*' } }, message: 'practiceNumber is required here', onFailure: 'FAIL' },
        { name: 'has-email', assert: { eq: { email: '*' } }, message: 'email is missing', onFailure: 'WARN' },
      ] } },
    ]);
    const bad = await api.request('PUT', `${S}/resources/provider/val-1`, { body: { data: { name: 'No number' } } });
    expect(bad.status).toBe(202);
    const failed = await waitTask(bad.body.taskId, 'FAILURE');
    expect(failed.receipts[0]).toEqual(expect.objectContaining({ status: 'FAILURE', error: expect.objectContaining({ message: 'data-quality validation failed' }), pipelineExecution: expect.objectContaining({ status: 'ERROR' }) }));
    expectError(await api.request('GET', `${S}/resources/provider/val-1`), 404, 'NOT_FOUND');

    const warned = await api.request('PUT', `${S}/resources/provider/val-2`, { body: { data: { name: 'Number', practiceNumber: 7 } } });
    const ok = await waitTask(warned.body.taskId, 'SUCCESS');
    const e = await api.request('GET', `${S}/pipelines/executions/${ok.receipts[0].pipelineExecution.id}`);
    expect(e.body.steps[0]).toEqual(expect.objectContaining({ status: 'PROCESSED', issues: [{ path: 'has-email', message: 'email is missing (WARN)' }] }));
    await setPipeline('provider', []);
  });

  test('profile validation after the last step: an augmenter that breaks the profile ends in ERROR', async () => {
    // SEGMENTER writes an array of strings into `name` (next to its input `description`), which the profile says is a symbol.
    await setPipeline('clinic', [{ type: 'SEGMENTER', segmenter: { inputProperty: 'description', modelId: 'clinia-chunk.1', propertyKey: 'name', maxTokens: 2, overlap: 0 } }]);
    const res = await api.request('PUT', `${S}/resources/clinic/final-1`, { body: { data: { name: 'Fine', description: 'one two three four' } } });
    expect(res.status).toBe(202);
    const t = await waitTask(res.body.taskId, 'FAILURE');
    const e = await api.request('GET', `${S}/pipelines/executions/${t.receipts[0].pipelineExecution.id}`);
    expect(e.body.status).toBe('ERROR');
    expect(e.body.steps[0]).toEqual(expect.objectContaining({ status: 'ERROR', error: expect.objectContaining({ message: 'profile validation failed after the last step', details: [expect.objectContaining({ path: 'data.name' })] }) }));
    expectError(await api.request('GET', `${S}/resources/clinic/final-1`), 404, 'NOT_FOUND');
  });

  test('no step triggered: the write stays synchronous (PERSISTED) even with a pipeline defined', async () => {
    await setPipeline('clinic', [{ type: 'HUMAN_REVIEW', trigger: REVIEW_IF_NAME_STARTS_WITH_REVIEW, humanReview: {} }]);
    const res = await api.request('PUT', `${S}/resources/clinic/sync-1`, { body: { data: { name: 'Plain' } } });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('PERSISTED');
  });
});

describe('operators in triggers (the documented language, paths relative to data)', () => {
  /** Sets a HUMAN_REVIEW step with `operator` as its trigger; a write then answers 202 when it holds, 201/200 when not. */
  async function reviewWhen(collection: string, operator: unknown): Promise<void> {
    await setPipeline(collection, [{ type: 'HUMAN_REVIEW', trigger: { type: 'OPERATOR', operator }, humanReview: {} }]);
  }
  /**
   * PUTs a record and answers its status; a held one (202) is rejected once in review, so no execution (and no
   * record workflow, whose id outlives the test's database on a shared Temporal) is left running.
   */
  async function put(path: string, data: unknown): Promise<number> {
    const res = await api.request('PUT', `${S}/resources/${path}`, { body: { data } });
    if (res.status === 202) {
      const exec = await executionOf(res.body.taskId);
      await waitStatus(exec.id, 'IN_REVIEW');
      expect((await api.request('POST', `${S}/pipelines/executions/${exec.id}/decision`, { body: { action: 'REJECT' } })).status).toBe(202);
      await waitTask(res.body.taskId, 'SUCCESS');
    }
    return res.status;
  }

  test('gt is greater OR EQUAL (documented): 100 holds for {gt: 100}, 99 does not', async () => {
    await reviewWhen('provider', { gt: { practiceNumber: 100 } });
    expect(await put('provider/op-gt-1', { name: 'A', practiceNumber: 100 })).toBe(202);
    expect(await put('provider/op-gt-2', { name: 'B', practiceNumber: 99 })).toBe(201);
    // A strict "greater than" is written with and/not.
    await reviewWhen('provider', { and: [{ gt: { practiceNumber: 100 } }, { not: { eq: { practiceNumber: 100 } } }] });
    expect(await put('provider/op-gt-3', { name: 'C', practiceNumber: 100 })).toBe(201);
    expect(await put('provider/op-gt-4', { name: 'D', practiceNumber: 101 })).toBe(202);
    await setPipeline('provider', []);
  });

  test('a path through an array reaches every item: telecom.system tests each contact point', async () => {
    await reviewWhen('provider', { eq: { 'telecom.system': 'email' } });
    expect(await put('provider/op-arr-1', { name: 'A', telecom: [{ system: 'phone', value: '514-398-4455' }, { system: 'email', value: 'a@example.org' }] })).toBe(202);
    expect(await put('provider/op-arr-2', { name: 'B', telecom: [{ system: 'phone', value: '514-398-4455' }] })).toBe(201);
    // "has a value" and "has no value"
    await reviewWhen('provider', { not: { eq: { telecom: '*' } } });
    expect(await put('provider/op-arr-3', { name: 'C' })).toBe(202);
    expect(await put('provider/op-arr-4', { name: 'D', telecom: [{ system: 'fax', value: '1' }] })).toBe(201);
    await setPipeline('provider', []);
  });

  test('any, match and geoDistance (a geopoint is {latitude, longitude})', async () => {
    await reviewWhen('office', { or: [
      { any: { name: ['Head office', 'Annex'] } },
      { match: { note: { value: 'cardiac care', type: 'phrase' } } },
      { geoDistance: { location: { radius: 20_000, coordinates: { latitude: 45.5, longitude: -73.6 } } } },
    ] });
    expect(await put('office/op-any', { name: 'ANNEX' })).toBe(202);
    expect(await put('office/op-match', { name: 'M', note: 'We offer Cardiac Care daily' })).toBe(202);
    expect(await put('office/op-match-no', { name: 'N', note: 'care for cardiac patients' })).toBe(201);
    expect(await put('office/op-near', { name: 'Near', location: { latitude: 45.52, longitude: -73.57 } })).toBe(202);
    expect(await put('office/op-far', { name: 'Far', location: { latitude: 43.65, longitude: -79.38 } })).toBe(201);
    await setPipeline('office', []);
  });

  test('changed compares with the stored record; @action names the operation', async () => {
    await setPipeline('office', []);
    expect(await put('office/op-ch', { name: 'Same' })).toBe(201);
    await reviewWhen('office', { and: [{ changed: { name: true } }, { any: { '@action': ['UPSERT', 'UPDATE'] } }] });
    expect(await put('office/op-ch', { name: 'Same', note: 'only the note' })).toBe(200);
    const patched = await api.request('PATCH', `${S}/resources/office/op-ch`, { body: [{ op: 'replace', path: '/name', value: 'Renamed' }] });
    expect(patched.status).toBe(202);
    const exec = await executionOf(patched.body.taskId);
    expect(exec.operation.action).toBe('UPDATE');
    await waitStatus(exec.id, 'IN_REVIEW');
    await api.request('POST', `${S}/pipelines/executions/${exec.id}/decision`, { body: { action: 'APPROVE' } });
    await waitTask(patched.body.taskId, 'SUCCESS');
    expect((await api.request('GET', `${S}/resources/office/op-ch`)).body.data).toEqual({ name: 'Renamed', note: 'only the note' });
    await setPipeline('office', []);
  });
});

describe('supersession', () => {
  async function inReview(id: string, name: string): Promise<{ taskId: string; executionId: string }> {
    const res = await api.request('PUT', `${S}/resources/clinic/${id}`, { body: { data: { name } } });
    expect(res.status).toBe(202);
    const exec = await executionOf(res.body.taskId);
    await waitStatus(exec.id, 'IN_REVIEW');
    return { taskId: res.body.taskId, executionId: exec.id };
  }

  test('20 concurrent PUTs while in review: exactly one execution survives and its data is stored after approval', async () => {
    await setPipeline('clinic', [{ type: 'HUMAN_REVIEW', trigger: REVIEW_IF_NAME_STARTS_WITH_REVIEW, humanReview: {} }]);
    const first = await inReview('race-1', 'Review 0');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => api.request('PUT', `${S}/resources/clinic/race-1`, { body: { data: { name: `Review ${i + 1}` } } })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    const taskIds = [first.taskId, ...answers.map((a) => a.body.taskId as string)];
    const summary = async (): Promise<string[]> => (await Promise.all(taskIds.map((id) => task(id)))).map((t) => `${t.status}/${t.receipts[0].pipelineExecution?.status}`);
    const settled = await waitFor(summary, (s) => s.filter((x) => x === 'CANCELLED/CANCELLED').length === 20 && s.filter((x) => x === 'PENDING/IN_REVIEW').length === 1, 90_000, 'twenty cancelled and one in review');
    const survivor = await task(taskIds[settled.indexOf('PENDING/IN_REVIEW')] as string);
    const survivorExec = await api.request('GET', `${S}/pipelines/executions/${survivor.receipts[0].pipelineExecution.id}?withOperationBody=true`);
    const cancelledExec = await api.request('GET', `${S}/pipelines/executions/${first.executionId}`);
    expect(cancelledExec.body.status).toBe('CANCELLED');
    expect(cancelledExec.body.steps).toEqual([{ type: 'HUMAN_REVIEW', status: 'CANCELLED' }]);
    const active = await api.store.executions.countDocuments({ recordKey: 'demo:RESOURCE:clinic:race-1', status: { $in: ['IN_PROGRESS', 'IN_REVIEW'] } });
    expect(active).toBe(1);
    await api.request('POST', `${S}/pipelines/executions/${survivorExec.body.id}/decision`, { body: { action: 'APPROVE' } });
    await waitTask(survivor.taskId, 'SUCCESS');
    const stored = await api.request('GET', `${S}/resources/clinic/race-1`);
    expect(stored.body.data).toEqual(survivorExec.body.operation.body.data);
  }, 180_000);

  test('20 concurrent PUTs through a pipeline without review (run inside the record workflow): no commit lost, none twice, the last one stored', async () => {
    await setPipeline('office', [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } }]);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => api.request('PUT', `${S}/resources/office/inline-race`, { body: { data: { name: `  Office ${i}  ` } } })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    const tasks = await waitFor(
      () => Promise.all(answers.map((a) => task(a.body.taskId))),
      (ts) => ts.every((t) => t.status !== 'PENDING'),
      90_000, 'every task to settle',
    );
    // Each operation ends SUCCESS (committed in turn) or CANCELLED (superseded by a newer one before its commit).
    expect(tasks.map((t) => `${t.status}/${t.receipts[0].pipelineExecution.status}`).every((x) => x === 'SUCCESS/SUCCESSFUL' || x === 'CANCELLED/CANCELLED')).toBe(true);
    const executions = await Promise.all(tasks.map(async (t) => (await api.request('GET', `${S}/pipelines/executions/${t.receipts[0].pipelineExecution.id}?withOperationBody=true`)).body));
    const successful = executions.filter((e) => e.status === 'SUCCESSFUL');
    expect(successful.length).toBeGreaterThanOrEqual(1);
    // Inline executions have no workflow of their own.
    await expect(api.client.workflow.getHandle(executionWorkflowId(successful[0].id)).describe()).rejects.toThrow();
    const stored = (await api.request('GET', `${S}/resources/office/inline-race`)).body;
    // One version per successful commit: none lost, none written twice; the stored one is the last committed.
    expect(stored.meta.versionId).toBe(String(successful.length));
    const last = successful.reduce((a, b) => (a.updatedAt >= b.updatedAt ? a : b));
    expect(stored.data).toEqual({ name: last.operation.body.data.name.trim() });
    expect(await api.store.executions.countDocuments({ recordKey: 'demo:RESOURCE:office:inline-race', status: { $in: ['IN_PROGRESS', 'IN_REVIEW'] } })).toBe(0);
    await setPipeline('office', []);
  }, 120_000);

  test('a DELETE while in review cancels the execution and deletes the record', async () => {
    await setPipeline('clinic', [{ type: 'HUMAN_REVIEW', trigger: REVIEW_IF_NAME_STARTS_WITH_REVIEW, humanReview: {} }]);
    expect((await api.request('PUT', `${S}/resources/clinic/del-r`, { body: { data: { name: 'Existing' } } })).status).toBe(201);
    const pending = await inReview('del-r', 'Review change');
    const del = await api.request('DELETE', `${S}/resources/clinic/del-r`);
    expect(del.status).toBe(200);
    const t = await task(pending.taskId);
    expect(t.status).toBe('CANCELLED');
    expect(t.receipts[0].pipelineExecution.status).toBe('CANCELLED');
    expectError(await api.request('GET', `${S}/resources/clinic/del-r`), 404, 'NOT_FOUND');
  });

  test('a synchronous write while in review cancels the execution first and is the stored version', async () => {
    await setPipeline('clinic', [{ type: 'HUMAN_REVIEW', trigger: REVIEW_IF_NAME_STARTS_WITH_REVIEW, humanReview: {} }]);
    const pending = await inReview('sync-r', 'Review me');
    const sync = await api.request('PUT', `${S}/resources/clinic/sync-r`, { body: { data: { name: 'Direct' } } });
    expect(sync.status).toBe(201);
    expect((await task(pending.taskId)).status).toBe('CANCELLED');
    expect((await api.request('GET', `${S}/resources/clinic/sync-r`)).body.data).toEqual({ name: 'Direct' });
  });

  test('a decision racing a superseding request: the record ends as the last accepted request', async () => {
    await setPipeline('clinic', [{ type: 'HUMAN_REVIEW', trigger: REVIEW_IF_NAME_STARTS_WITH_REVIEW, humanReview: {} }]);
    const pending = await inReview('race-d', 'Review first');
    const [decision, newer] = await Promise.all([
      api.request('POST', `${S}/pipelines/executions/${pending.executionId}/decision`, { body: { action: 'APPROVE' } }),
      api.request('PUT', `${S}/resources/clinic/race-d`, { body: { data: { name: 'Second' } } }),
    ]);
    expect([202, 409]).toContain(decision.status);
    expect([200, 201]).toContain(newer.status);
    const first = await waitFor(() => task(pending.taskId), (t) => t.status !== 'PENDING', 20_000, 'first task settles');
    expect(['SUCCESS', 'CANCELLED']).toContain(first.status);
    expect((await api.request('GET', `${S}/resources/clinic/race-d`)).body.data).toEqual({ name: 'Second' });
  });
});

describe('Temporal visibility', () => {
  test('an execution is found by the search attributes, with a summary and no record data', async () => {
    await setPipeline('office', [{ type: 'HUMAN_REVIEW', humanReview: {} }]);
    const res = await api.request('PUT', `${S}/resources/office/vis-1`, { body: { data: { name: 'Secret Office Name' } } });
    const exec = await executionOf(res.body.taskId);
    await waitStatus(exec.id, 'IN_REVIEW');
    const query = `SluiceSource = 'demo' AND SluiceRecordType = 'office' AND SluiceRecordId = 'vis-1' AND SluiceExecutionStatus = 'IN_REVIEW'`;
    const found = await waitFor(async () => {
      const out: string[] = [];
      for await (const wf of api.client.workflow.list({ query })) out.push(wf.workflowId);
      return out;
    }, (ids) => ids.includes(executionWorkflowId(exec.id)), 15_000, 'visibility');
    expect(found).toEqual([executionWorkflowId(exec.id)]);
    const description = await api.client.workflow.getHandle(executionWorkflowId(exec.id)).describe();
    expect(description.typedSearchAttributes.get({ name: 'SluiceTaskId', type: 'KEYWORD' } as never)).toBe(res.body.taskId);
    expect(JSON.stringify(description.searchAttributes)).not.toContain('Secret Office Name');
    expect(await description.staticSummary()).toContain('office/vis-1');
    await api.request('POST', `${S}/pipelines/executions/${exec.id}/decision`, { body: { action: 'APPROVE' } });
    await waitTask(res.body.taskId, 'SUCCESS');
    await setPipeline('office', []);
  });

  test('the Temporal CLI finds an execution by search attributes and approves it with a signal', async () => {
    const cli = (...args: string[]): Promise<string> =>
      promisify(execFile)(process.env.SLUICE_TEMPORAL_CLI as string, [...args, '--address', process.env.TEMPORAL_ADDRESS as string]).then((r) => r.stdout);
    await setPipeline('office', [{ type: 'HUMAN_REVIEW', humanReview: {} }]);
    const res = await api.request('PUT', `${S}/resources/office/cli-1`, { body: { data: { name: 'CLI Office' } } });
    const exec = await executionOf(res.body.taskId);
    await waitStatus(exec.id, 'IN_REVIEW');
    const listed = await waitFor(
      () => cli('workflow', 'list', '--query', `SluiceRecordId = 'cli-1' AND SluiceExecutionStatus = 'IN_REVIEW'`, '--output', 'json'),
      (out) => out.includes(executionWorkflowId(exec.id)), 15_000, 'temporal workflow list',
    );
    expect(listed).toContain('pipelineExecutionWorkflow');
    await cli('workflow', 'signal', '--workflow-id', executionWorkflowId(exec.id), '--name', 'decision', '--input', '{"action":"APPROVE","description":"from the CLI"}');
    await waitTask(res.body.taskId, 'SUCCESS');
    const e = await api.request('GET', `${S}/pipelines/executions/${exec.id}`);
    expect(e.body.steps[0].decision).toEqual(expect.objectContaining({ action: 'APPROVE', description: 'from the CLI' }));
    expect((await api.request('GET', `${S}/resources/office/cli-1`)).body.data).toEqual({ name: 'CLI Office' });
    await setPipeline('office', []);
  });
});

describe('augmenters, versions, relationships and contained paths', () => {
  test('SEGMENTER then VECTORIZER store chunks and their vectors; similar texts get close vectors', async () => {
    await setPipeline('clinic', [
      { type: 'SEGMENTER', segmenter: { inputProperty: 'description', modelId: 'clinia-chunk.1', propertyKey: 'descriptionSegments', maxTokens: 4, overlap: 1 } },
      // `description.descriptionSegments` names the segmenter's output (input `description`, key `descriptionSegments`),
      // which lives next to its input: data.descriptionSegments. The vectors go next to that: data.descriptionVectors.
      { type: 'VECTORIZER', vectorizer: { inputProperty: 'description.descriptionSegments', modelId: 'mte-base.1', propertyKey: 'descriptionVectors', dimensions: 64 } },
      { type: 'VECTORIZER', vectorizer: { inputProperty: 'name', modelId: 'mte-base.1', propertyKey: 'embedding', dimensions: 64 } },
    ]);
    const put = async (id: string, name: string): Promise<any> => {
      const res = await api.request('PUT', `${S}/resources/clinic/${id}`, { body: { data: { name, description: 'Family medicine and walk-in care for the whole family downtown' } } });
      expect(res.status).toBe(202);
      await waitTask(res.body.taskId, 'SUCCESS');
      return (await api.request('GET', `${S}/resources/clinic/${id}`)).body.data;
    };
    const a = await put('vec-1', 'Toronto family doctor clinic');
    const b = await put('vec-2', 'family doctor clinic in Toronto');
    const c = await put('vec-3', 'cardiac surgery billing codes');
    expect(a.descriptionSegments).toEqual(['Family medicine and walk-in', 'walk-in care for the', 'the whole family downtown']);
    expect(a.descriptionVectors).toHaveLength(3);
    expect(a.descriptionVectors[0]).toEqual({ text: 'Family medicine and walk-in', vector: expect.any(Array) });
    expect(a.embedding).toHaveLength(64);
    const cos = (x: number[], y: number[]): number => x.reduce((sum, v, i) => sum + v * (y[i] as number), 0);
    expect(cos(a.embedding, b.embedding)).toBeGreaterThan(cos(a.embedding, c.embedding) + 0.2);
    await setPipeline('clinic', []);
  });

  test('the demo article pipeline: passages and their vectors go next to the abstract; a draft waits in review', async () => {
    const abstract = 'Cardiac care for adults in Montreal, with walk-in hours';
    const published = await api.request('PUT', `${S}/resources/article/art-1`, { body: { data: { title: 'Cardiac care', abstract, status: 'published' } } });
    expect(published.status).toBe(202);
    const done = await waitTask(published.body.taskId, 'SUCCESS');
    expect(done.receipts[0].pipelineExecution.pipelineDefinitionId).toBe('article.1');
    const data = (await api.request('GET', `${S}/resources/article/art-1`)).body.data;
    // clinia-chunk.1 defaults to 256 tokens per passage: one passage; mte-base-knowledge.1 defaults to 768 dimensions.
    expect(data.passages).toEqual([abstract]);
    expect(data.vector).toEqual([{ text: abstract, vector: expect.any(Array) }]);
    expect(data.vector[0].vector).toHaveLength(768);
    const e = await api.request('GET', `${S}/pipelines/executions/${done.receipts[0].pipelineExecution.id}`);
    // The HUMAN_REVIEW step's trigger (`eq: {status: draft}`) did not hold: it was not triggered.
    expect(e.body.steps.map((st: { type: string; status: string }) => `${st.type}/${st.status}`)).toEqual(['SEGMENTER/PROCESSED', 'VECTORIZER/PROCESSED', 'HUMAN_REVIEW/NOT_TRIGGERED']);

    const draft = await api.request('PUT', `${S}/resources/article/art-2`, { body: { data: { title: 'Draft', abstract: 'Not yet', status: 'draft' } } });
    expect(draft.status).toBe(202);
    const exec = await executionOf(draft.body.taskId);
    await waitStatus(exec.id, 'IN_REVIEW');
    expect((await api.request('GET', `${S}/pipelines/executions/${exec.id}`)).body.steps.map((st: { status: string }) => st.status)).toEqual(['PROCESSED', 'PROCESSED', 'IN_REVIEW']);
    await api.request('POST', `${S}/pipelines/executions/${exec.id}/decision`, { body: { action: 'APPROVE' } });
    await waitTask(draft.body.taskId, 'SUCCESS');
    expect((await api.request('GET', `${S}/resources/article/art-2`)).body.data).toEqual(expect.objectContaining({ passages: ['Not yet'], status: 'draft' }));
  });

  test('step issues name paths relative to data (`phones.1`, not `data.phones.1`)', async () => {
    expect((await api.request('PUT', `${S}/profiles/contactcard`, { body: { type: 'ROOT', properties: { phones: { type: 'array', items: { type: 'symbol' } }, email: { type: 'symbol' } } } })).status).toBe(201);
    await setPipeline('contactcard', [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'phones', phone: { defaultCountry: 'CA' } }, { property: 'email', email: true }] } }]);
    const res = await api.request('PUT', `${S}/resources/contactcard/cc-1`, { body: { data: { phones: ['514-398-4455', 'call me'], email: 'nobody' } } });
    expect(res.status).toBe(202);
    const t = await waitTask(res.body.taskId, 'SUCCESS');
    const e = await api.request('GET', `${S}/pipelines/executions/${t.receipts[0].pipelineExecution.id}`);
    expect(e.body.steps[0]).toEqual(expect.objectContaining({
      status: 'PROCESSED',
      issues: [{ path: 'phones.1', message: expect.stringContaining('not a valid phone number') }, { path: 'email', message: 'is not a valid e-mail address' }],
    }));
    expect((await api.request('GET', `${S}/resources/contactcard/cc-1`)).body.data).toEqual({ phones: ['+15143984455', 'call me'], email: 'nobody' });
  });

  test('an execution finishes on the pipeline version it started with', async () => {
    const first = await setPipeline('clinic', [
      { type: 'HUMAN_REVIEW', humanReview: {} },
      { type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', case: 'upper' }] } },
    ]);
    const res = await api.request('PUT', `${S}/resources/clinic/rev-1`, { body: { data: { name: 'revision' } } });
    const exec = await executionOf(res.body.taskId);
    await waitStatus(exec.id, 'IN_REVIEW');
    const second = await setPipeline('clinic', [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', case: 'lower' }] } }]);
    expect(second).not.toBe(first);
    await api.request('POST', `${S}/pipelines/executions/${exec.id}/decision`, { body: { action: 'APPROVE' } });
    await waitTask(res.body.taskId, 'SUCCESS');
    const e = await api.request('GET', `${S}/pipelines/executions/${exec.id}`);
    expect(e.body.pipelineDefinitionId).toBe(first);
    expect(e.body.steps.map((s: { type: string }) => s.type)).toEqual(['HUMAN_REVIEW', 'NORMALIZER']);
    expect((await api.request('GET', `${S}/resources/clinic/rev-1`)).body.data).toEqual({ name: 'REVISION' });
    await setPipeline('clinic', []);
  });

  test('a relationship write that triggers a step runs in a pipeline and persists after approval', async () => {
    await api.request('PUT', `${S}/resources/provider/rp-1`, { body: { data: { name: 'P' } } });
    await api.request('PUT', `${S}/resources/office/ro-1`, { body: { data: { name: 'O' } } });
    await setPipeline('provider-office', [{ type: 'HUMAN_REVIEW', humanReview: {} }]);
    const res = await api.request('POST', `${S}/relationships/provider-office`, { body: { from: { id: 'rp-1' }, to: { id: 'ro-1' }, data: { role: 'owner' } } });
    expect(res.status).toBe(202);
    const exec = await executionOf(res.body.taskId);
    expect(exec.operation.target).toEqual({ id: 'rp-1.ro-1', targetType: 'RELATIONSHIP', type: 'provider-office' });
    await waitStatus(exec.id, 'IN_REVIEW');
    expectError(await api.request('GET', `${S}/relationships/provider-office/rp-1.ro-1`), 404, 'NOT_FOUND');
    await api.request('POST', `${S}/pipelines/executions/${exec.id}/decision`, { body: { action: 'APPROVE' } });
    await waitTask(res.body.taskId, 'SUCCESS');
    const rel = await api.request('GET', `${S}/relationships/provider-office/rp-1.ro-1`);
    expect(rel.body).toEqual(expect.objectContaining({ from: { id: 'rp-1', type: 'provider' }, to: { id: 'ro-1', type: 'office' }, data: { role: 'owner' } }));
    await setPipeline('provider-office', []);
  });

  test('a contained-path write that triggers a step is an UPDATE of the root that waits in review', async () => {
    await setPipeline('office', []);
    await api.request('PUT', `${S}/resources/office/co-1`, { body: { data: { name: 'Contained Office' } } });
    await setPipeline('office', [{ type: 'HUMAN_REVIEW', trigger: { type: 'OPERATOR', operator: { eq: { '@action': 'UPDATE' } } }, humanReview: {} }]);
    const res = await api.request('POST', `${S}/resources/office/co-1/alternativePaymentMethods`, { body: { type: 'paymentMethod', data: { value: 'Visa' } } });
    expect(res.status).toBe(202);
    const exec = await executionOf(res.body.taskId);
    expect(exec.operation).toEqual(expect.objectContaining({ action: 'UPDATE', target: { id: 'co-1', targetType: 'RESOURCE', type: 'office' } }));
    await waitStatus(exec.id, 'IN_REVIEW');
    expect((await api.request('GET', `${S}/resources/office/co-1`)).body.contained).toEqual({});
    await api.request('POST', `${S}/pipelines/executions/${exec.id}/decision`, { body: { action: 'APPROVE' } });
    await waitTask(res.body.taskId, 'SUCCESS');
    const stored = await api.request('GET', `${S}/resources/office/co-1`);
    expect(stored.body.contained.alternativePaymentMethods).toEqual([{ id: expect.stringMatching(/^office\/co-1\/alternativePaymentMethods\//), type: 'paymentMethod', data: { value: 'Visa' } }]);
    expect(stored.body.meta.versionId).toBe('2');
    await setPipeline('office', []);
  });
});
