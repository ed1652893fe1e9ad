import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { expectError, startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

// Streamed bulk bodies (NDJSON, the JSON envelope as a stream), end to end: real HTTP, real worker, Temporal, FerretDB.
// The operation shape is the one of docs.clinia.com "Bulk create, upsert or delete resources"; NDJSON is Sluice's.

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ worker: true });
});
afterAll(async () => {
  await api.close();
});

const S = '/sources/demo/v1';
const NDJSON = { 'content-type': 'application/x-ndjson' };

async function settled(taskId: string, timeoutMs = 120_000): Promise<any> {
  return waitFor(async () => (await api.request('GET', `${S}/tasks/${taskId}`)).body, (t) => t.status !== 'PENDING', timeoutMs, `bulk ${taskId} to settle`);
}

async function allReceipts(taskId: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.request('GET', `${S}/tasks/${taskId}?withReceipts=true&perPage=1000${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...page.body.receipts);
    cursor = page.body.nextCursor;
  } while (cursor);
  return out;
}

/** What the store holds of bulks: tasks, staged chunks, recorded starts. */
async function staged(): Promise<{ tasks: number; chunks: number; starts: number }> {
  return {
    tasks: await api.store.tasks.countDocuments({ kind: 'BULK' }),
    chunks: await api.store.bulkChunks.countDocuments({}),
    starts: await api.store.workflowStarts.countDocuments({ kind: 'BULK' }),
  };
}

/**
 * Sends `pieces` as a chunked body, one write per piece, then ends it, or (`cut`) destroys the connection after the
 * pieces instead. Resolves with the answer, or with `{gone}` when the connection was cut before one came.
 */
function send(path: string, headers: Record<string, string>, pieces: Buffer[], cut = false): Promise<{ status: number; body: any } | { gone: string }> {
  return new Promise((resolve) => {
    const url = new URL(`${api.baseUrl}${path}`);
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...headers, 'x-api-key': api.adminKey } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8') || 'null') }));
    });
    req.on('error', (err) => resolve({ gone: err.message }));
    void (async () => {
      for (const p of pieces) {
        if (!req.write(p)) await new Promise((r) => req.once('drain', r));
        await new Promise((r) => setImmediate(r));
      }
      if (cut) req.destroy();
      else req.end();
    })();
  });
}

test('NDJSON: one operation per line; a line that is not an operation is its own FAILURE naming the line; receipts carry their index', async () => {
  const lines = [
    JSON.stringify({ action: 'UPSERT', upsert: { id: 'nd-1', type: 'provider', data: { name: 'Line One' } } }),
    '',
    '{"action":"UPSERT","upsert":{"id":"nd-2"',
    JSON.stringify({ action: 'UPSERT', upsert: { id: 'nd-3', type: 'no-such-type', data: { name: 'X' } } }),
    JSON.stringify({ action: 'UPSERT', upsert: { id: 'nd-4', type: 'provider', data: { name: 'Line Five' } } }),
  ];
  const res = await api.request('POST', `${S}/resources/bulk`, { raw: lines.join('\n'), headers: NDJSON });
  expect(res.status).toBe(202);
  expect(res.body).toEqual({ taskId: expect.stringMatching(/^bk_/), bulkId: res.body.taskId, status: 'ACCEPTED' });
  const task = await settled(res.body.taskId);
  expect(task.counts).toEqual({ SUCCESS: 2, FAILURE: 2, PENDING: 0, CANCELLED: 0 });
  const receipts = await allReceipts(res.body.taskId);
  // Four operations (the blank line is none): indexes 0..3, in request order.
  expect(receipts.map((r) => [r.index, r.id, r.status])).toEqual([[0, 'nd-1', 'SUCCESS'], [1, '', 'FAILURE'], [2, 'nd-3', 'FAILURE'], [3, 'nd-4', 'SUCCESS']]);
  expect(receipts[1].error).toEqual(expect.objectContaining({ code: 400, type: 'INVALID_ARGUMENT', message: expect.stringMatching(/^line 3 is not JSON/) }));
  expect((await api.request('GET', `${S}/resources/provider/nd-4`)).body.data).toEqual({ name: 'Line Five' });
});

test('a large body sent in small pieces is staged as it arrives, in many chunks, and every operation lands once', async () => {
  const n = 12_000;
  const body = Buffer.from(Array.from({ length: n }, (_, i) => JSON.stringify({ action: 'CREATE', create: { id: `nd-big-${i}`, type: 'office', data: { name: `Office ${i}` } } })).join('\n'));
  const pieces = Array.from({ length: Math.ceil(body.length / 65_536) }, (_, i) => body.subarray(i * 65_536, (i + 1) * 65_536));
  const res = await send(`${S}/resources/bulk`, NDJSON, pieces);
  expect(res).toEqual({ status: 202, body: expect.objectContaining({ status: 'ACCEPTED' }) });
  const { taskId } = (res as { body: { taskId: string } }).body;
  const task = await settled(taskId);
  expect(task).toEqual(expect.objectContaining({ status: 'SUCCESS', counts: { SUCCESS: n, FAILURE: 0, PENDING: 0, CANCELLED: 0 } }));
  expect(await api.store.resources.countDocuments({ _id: { $regex: '^demo/office/nd-big-' } } as never)).toBe(n);
  // Staged chunks are dropped once the bulk ran.
  expect(await api.store.bulkChunks.countDocuments({ taskId } as never)).toBe(0);
}, 180_000);

test('the JSON envelope is streamed too, and a gzip body is taken', async () => {
  const operations = Array.from({ length: 300 }, (_, i) => ({ action: 'UPSERT', upsert: { id: `gz-${i}`, type: 'office', data: { name: `Gz ${i}` } } }));
  const res = await send(`${S}/resources/bulk`, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, [gzipSync(JSON.stringify({ operations }))]);
  expect(res).toEqual({ status: 202, body: expect.objectContaining({ status: 'ACCEPTED' }) });
  const task = await settled((res as { body: { taskId: string } }).body.taskId);
  expect(task.counts).toEqual({ SUCCESS: 300, FAILURE: 0, PENDING: 0, CANCELLED: 0 });
});

test('a body over the limit is a 413 naming the limit, and leaves nothing staged', async () => {
  const before = await staged();
  // The test API's limit is 16 MiB: 20 MiB of valid operations, sent in pieces.
  const line = Buffer.from(`${JSON.stringify({ action: 'UPSERT', upsert: { id: 'too-big', type: 'office', data: { name: 'x'.repeat(1000) } } })}\n`);
  const pieces = Array.from({ length: 200 }, () => Buffer.concat(Array.from({ length: 100 }, () => line)));
  const res = await send(`${S}/resources/bulk`, NDJSON, pieces);
  if ('gone' in res) throw new Error(`no answer: ${res.gone}`);
  expect(res.status).toBe(413);
  expect(res.body).toEqual(expect.objectContaining({ type: 'CONTENT_TOO_LARGE', message: expect.stringContaining(`limit of ${16 * 1024 * 1024} bytes`) }));
  expect(await staged()).toEqual(before);
}, 60_000);

test('a client that goes away mid-body leaves no task and nothing staged', async () => {
  const before = await staged();
  const line = Buffer.from(`${JSON.stringify({ action: 'UPSERT', upsert: { id: 'cut', type: 'office', data: { name: 'y'.repeat(500) } } })}\n`);
  // About 5 MB, several chunks' worth, then the connection is cut without the end of the body.
  const res = await send(`${S}/resources/bulk`, NDJSON, Array.from({ length: 100 }, () => Buffer.concat(Array.from({ length: 100 }, () => line))), true);
  expect(res).toEqual({ gone: expect.any(String) });
  await waitFor(staged, (now) => now.chunks === before.chunks && now.starts === before.starts, 10_000, 'the staged chunks of the cut body to be removed');
  expect(await staged()).toEqual(before);
  // The API still answers.
  expect((await api.request('GET', `${S}/resources/office/cut`)).status).toBe(404);
});

test.each([
  ['text/csv', 'UNSUPPORTED_MEDIA_TYPE', 415],
  ['application/jsonl', null, 202],
])('content type %s', async (type, error, status) => {
  const res = await api.request('POST', `${S}/resources/bulk`, { raw: JSON.stringify({ action: 'DELETE', delete: { id: 'nope', type: 'office' } }), headers: { 'content-type': type } });
  if (error) expectError(res, status, error);
  else expect(res.status).toBe(status);
});

describe('Idempotency-Key', () => {
  const body = (tag: string): string => [0, 1, 2].map((i) => JSON.stringify({ action: 'UPSERT', upsert: { id: `idem-${tag}-${i}`, type: 'office', data: { name: `${tag} ${i}` } } })).join('\n');

  test('a bulk sent again with the same key gets the first answer and runs nothing; the same key in another source is another bulk', async () => {
    const headers = { ...NDJSON, 'idempotency-key': 'import-42-batch-0' };
    const first = await api.request('POST', `${S}/resources/bulk`, { raw: body('a'), headers });
    const again = await api.request('POST', `${S}/resources/bulk`, { raw: body('b'), headers });
    expect(first.status).toBe(202);
    expect({ status: again.status, body: again.body, replayed: again.headers.get('idempotency-replayed') }).toEqual({ status: 202, body: first.body, replayed: 'true' });
    expect((await settled(first.body.taskId)).counts.SUCCESS).toBe(3);
    // Nothing of the second body ran.
    expect((await api.request('GET', `${S}/resources/office/idem-b-0`)).status).toBe(404);
    expectError(await api.request('POST', `${S}/resources/bulk`, { raw: body('c'), headers: { ...NDJSON, 'idempotency-key': 'bad key with spaces' } }), 400, 'INVALID_ARGUMENT');
  });

  test('racing: the same key sent by ten clients at once makes one bulk; each answer is that bulk or a 409 (five rounds)', async () => {
    for (let round = 0; round < 5; round++) {
      const headers = { ...NDJSON, 'idempotency-key': `race-${round}-${Date.now()}` };
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => api.request('POST', `${S}/resources/bulk`, { raw: body(`race${round}x${i}`), headers })));
      const accepted = answers.filter((a) => a.status === 202);
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      expect(new Set(accepted.map((a) => a.body.taskId)).size).toBe(1);
      for (const a of answers.filter((x) => x.status !== 202)) expectError(a, 409, 'ALREADY_EXISTS');
      await settled(accepted[0]?.body.taskId);
      // Exactly one of the ten bodies ran.
      const ran = await Promise.all(Array.from({ length: 10 }, async (_, i) => (await api.request('GET', `${S}/resources/office/idem-race${round}x${i}-0`)).status));
      expect(ran.filter((st) => st === 200)).toHaveLength(1);
    }
  }, 60_000);

  test('a key whose request was refused (cut mid-body) is free again: the retry is accepted and runs', async () => {
    const key = `cut-${Date.now()}`;
    const line = Buffer.from(`${JSON.stringify({ action: 'UPSERT', upsert: { id: 'idem-cut', type: 'office', data: { name: 'z'.repeat(500) } } })}\n`);
    const cut = await send(`${S}/resources/bulk`, { ...NDJSON, 'idempotency-key': key }, Array.from({ length: 50 }, () => Buffer.concat(Array.from({ length: 100 }, () => line))), true);
    expect(cut).toEqual({ gone: expect.any(String) });
    const retry = await waitFor(() => api.request('POST', `${S}/resources/bulk`, { raw: body('retry'), headers: { ...NDJSON, 'idempotency-key': key } }), (r) => r.status !== 409, 10_000, 'the cut request to be cleaned up');
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotency-replayed')).toBeNull();
    expect((await settled(retry.body.taskId)).counts.SUCCESS).toBe(3);
  });
});
