import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import pino from 'pino';
import { ENCRYPTED_ENCODING, EncryptionCodec, METADATA_KEY_ID } from '../../src/codec/encryption-codec';
import { createApp } from '../../src/http/app';
import { executionWorkflowId, WORKFLOW_TYPES } from '../../workflows/messages';
import { expectError, startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

// Nothing of a record reaches Temporal in clear. Real workflows of every type run with recognisable values
// in record data, review comments and an activity's error; each workflow's raw history, read from Temporal without
// the codec, holds none of them and only encrypted payloads; the codec endpoint (and the Temporal CLI through it)
// gives them back to a key allowed to read them, and to no other.

jest.setTimeout(180_000);

const S = '/sources/demo/v1';
const RUN = randomBytes(3).toString('hex');
/** Values that must never be readable in Temporal's store. */
const SENTINEL = {
  approvedName: `Sentinel Approved Clinic ${RUN}`,
  approveComment: `SENTINEL-approve-comment-${RUN}`,
  rejectedName: `Sentinel Rejected Clinic ${RUN}`,
  rejectComment: `SENTINEL-reject-comment-${RUN}`,
  failingName: `Sentinel Failing Clinic ${RUN}`,
  activityError: `SENTINEL-activity-error-${RUN}`,
  cliComment: `SENTINEL-cli-comment-${RUN}`,
  bulkName: `Sentinel Bulk Clinic ${RUN}`,
  bundleName: `Sentinel Bundle Clinic ${RUN}`,
  inlineName: `Sentinel Inline Provider ${RUN}`,
  officeName: `Sentinel Office ${RUN}`,
};
const UI_TOKEN = randomBytes(32).toString('base64url');
const UI_ORIGIN = 'http://127.0.0.1:8233';

let api: TestApi;
/** Keys: any role on every source reads (decode); ingest and review encode. */
const keys: Record<string, string> = {};
let failed = false;

beforeAll(async () => {
  api = await startApi({
    worker: true,
    codecUiToken: UI_TOKEN,
    // A transient failure whose message quotes the record, as a real one might: it lands in the retried activity's
    // last failure, which Temporal stores.
    activities: (real) => ({
      ...real,
      runStep: async (executionId, index) => {
        const doc = await api.store.executions.findOne({ _id: executionId });
        if (!failed && doc?.recordKey.endsWith(`:codec-failing-${RUN}`)) {
          failed = true;
          throw new Error(`${SENTINEL.activityError}: the registry lookup for "${SENTINEL.failingName}" timed out`);
        }
        return real.runStep(executionId, index);
      },
    }),
  });
  keys.readAll = await api.key(['read'], ['*']);
  keys.reviewAll = await api.key(['review'], ['*']);
  keys.readDemo = await api.key(['read'], ['demo']);
  keys.ingestDemo = await api.key(['ingest'], ['demo']);
});
afterAll(async () => {
  await api?.close();
});

async function task(taskId: string): Promise<any> {
  return (await api.request('GET', `${S}/tasks/${taskId}?withReceipts=true`)).body;
}

/** Waits until receipt `seq` of the task has an execution IN_REVIEW; returns its id. */
async function inReview(taskId: string, seq = 0): Promise<string> {
  const t = await waitFor(() => task(taskId), (b) => b.receipts?.[seq]?.pipelineExecution?.status === 'IN_REVIEW', 60_000, `receipt ${seq} of ${taskId} in review`);
  return t.receipts[seq].pipelineExecution.id as string;
}

async function settled(taskId: string, status: string): Promise<void> {
  await waitFor(() => task(taskId), (t) => t.status === status, 60_000, `task ${taskId} to be ${status}`);
}

async function decide(executionId: string, action: 'APPROVE' | 'REJECT', description: string): Promise<void> {
  expect((await api.request('POST', `${S}/pipelines/executions/${executionId}/decision`, { body: { action, description } })).status).toBe(202);
}

const cli = (args: string[]): Promise<string> =>
  promisify(execFile)(process.env.SLUICE_TEMPORAL_CLI as string, [...args, '--address', process.env.TEMPORAL_ADDRESS as string], { maxBuffer: 64 << 20 }).then((r) => r.stdout);

/** One workflow run's history as Temporal stores it: fetched without any codec. */
interface RawRun {
  workflowId: string;
  runId: string;
  type: string;
  history: temporal.api.history.v1.IHistory;
  bytes: Buffer;
}

async function rawHistory(workflowId: string, runId: string): Promise<{ history: temporal.api.history.v1.IHistory; bytes: Buffer }> {
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await api.client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId, runId }, ...(nextPageToken ? { nextPageToken } : {}) });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  const history = { events };
  return { history, bytes: Buffer.from(temporal.api.history.v1.History.encode(history).finish()) };
}

/** Every payload of a history, with where it is; search attributes aside (they carry ids and statuses by design). */
function payloadsOf(node: unknown, path = ''): { path: string; payload: Payload }[] {
  if (!node || typeof node !== 'object' || ArrayBuffer.isView(node)) return [];
  if (path.endsWith('.searchAttributes')) return [];
  const obj = node as Record<string, unknown>;
  const metadata = obj.metadata as Record<string, unknown> | undefined;
  if (metadata && typeof metadata === 'object' && ArrayBuffer.isView(metadata[METADATA_ENCODING_KEY])) return [{ path, payload: obj as Payload }];
  return Object.entries(obj).flatMap(([k, v]) => payloadsOf(v, `${path}.${k}`));
}

const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

describe('workflows of every type, with health data in records, comments and errors', () => {
  let runs: RawRun[];
  let failingExecution: string;

  beforeAll(async () => {
    // Clinics are trimmed and reviewed; providers only trimmed (their record workflow runs the step inline).
    for (const [collection, steps] of [
      ['clinic', [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } }, { type: 'HUMAN_REVIEW', humanReview: { instructions: 'Check the clinic' } }]],
      ['provider', [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } }]],
    ] as const) {
      expect((await api.request('PUT', `${S}/collections/${collection}/pipeline`, { body: { steps } })).status).toBe(201);
    }
    // Approved, and rejected with a comment.
    const approved = await api.request('POST', `${S}/resources/clinic`, { body: { id: `codec-approved-${RUN}`, data: { name: ` ${SENTINEL.approvedName} ` } } });
    expect(approved.status).toBe(202);
    const rejected = await api.request('PUT', `${S}/resources/clinic/codec-rejected-${RUN}`, { body: { data: { name: SENTINEL.rejectedName } } });
    expect(rejected.status).toBe(202);
    await decide(await inReview(approved.body.taskId), 'APPROVE', SENTINEL.approveComment);
    await decide(await inReview(rejected.body.taskId), 'REJECT', SENTINEL.rejectComment);
    // An activity fails once with the record's name in its message; the execution retries it and waits in review.
    const failing = await api.request('PUT', `${S}/resources/clinic/codec-failing-${RUN}`, { body: { data: { name: SENTINEL.failingName } } });
    failingExecution = await inReview(failing.body.taskId);
    expect(failed).toBe(true);
    // Bulk and bundle, each with a clinic that waits in review and an office written at once.
    const bulk = await api.request('POST', `${S}/resources/bulk`, { body: { operations: [
      { action: 'CREATE', create: { id: `codec-bulk-${RUN}`, type: 'clinic', data: { name: SENTINEL.bulkName } } },
      { action: 'CREATE', create: { id: `codec-bulk-office-${RUN}`, type: 'office', data: { name: SENTINEL.officeName } } },
    ] } });
    expect(bulk.status).toBe(202);
    await decide(await inReview(bulk.body.taskId), 'APPROVE', 'ok');
    const bundle = await api.request('POST', `${S}/bundle`, { body: { resourceOperations: [
      { action: 'CREATE', create: { id: `codec-bundle-office-${RUN}`, type: 'office', data: { name: SENTINEL.officeName } } },
      { action: 'CREATE', create: { id: `codec-bundle-${RUN}`, type: 'clinic', data: { name: SENTINEL.bundleName, office: '@rootId1' } } },
    ], relationshipOperations: [] } });
    expect(bundle.status).toBe(202);
    await decide(await inReview(bundle.body.taskId, 1), 'APPROVE', 'ok');
    const inline = await api.request('PUT', `${S}/resources/provider/codec-inline-${RUN}`, { body: { data: { name: ` ${SENTINEL.inlineName} ` } } });
    expect(inline.status).toBe(202);
    for (const t of [approved, rejected, bulk, bundle, inline]) await settled(t.body.taskId, 'SUCCESS');
    const purge = await api.request('POST', `${S}/purge`, { body: { collectionType: 'resources', collectionKey: 'office' } });
    expect(purge.status).toBe(202);
    await settled(purge.body.taskId, 'SUCCESS');

    const listed = await waitFor(async () => {
      const out: { workflowId: string; runId: string; type: string; status: string }[] = [];
      for await (const w of api.client.workflow.list({ query: `TaskQueue = '${api.taskQueue}'` })) out.push({ workflowId: w.workflowId, runId: w.runId, type: w.type, status: w.status.name });
      return out;
    }, (ws) => Object.values(WORKFLOW_TYPES).every((t) => ws.some((w) => w.type === t)), 30_000, 'a workflow of every type in visibility');
    runs = await Promise.all(listed.map(async (w) => ({ ...w, ...(await rawHistory(w.workflowId, w.runId)) })));
  });

  /** A patch marker's payload: `{"id": "<patch id>", "deprecated": …}` and nothing else. */
  function isPatchId(data: Uint8Array | null | undefined): boolean {
    try {
      const value = JSON.parse(Buffer.from(data ?? []).toString('utf8')) as Record<string, unknown>;
      return typeof value.id === 'string' && /^[a-z0-9-]+$/.test(value.id) && Object.keys(value).every((k) => k === 'id' || k === 'deprecated');
    } catch {
      return false;
    }
  }

  test('the raw history of every workflow holds no sentinel, and every payload in it is encrypted', () => {
    expect([...new Set(runs.map((r) => r.type))].sort()).toEqual(Object.values(WORKFLOW_TYPES).sort());
    const leaks: string[] = [];
    const plain: string[] = [];
    let encrypted = 0;
    let patchMarkers = 0;
    for (const run of runs) {
      const raw = run.bytes.toString('latin1');
      for (const [name, value] of Object.entries(SENTINEL)) if (raw.includes(value)) leaks.push(`${run.type} ${run.workflowId}: ${name}`);
      for (const { path, payload } of payloadsOf(run.history)) {
        if (text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING && text(payload.metadata?.[METADATA_KEY_ID]) === api.codec.keyId) encrypted++;
        // The SDK writes a patch marker (workflow versioning) itself, past the codec: it holds the patch's id, no data.
        else if (/markerRecordedEventAttributes\.details\.patch-data\.payloads\.\d+$/.test(path) && isPatchId(payload.data)) patchMarkers++;
        else plain.push(`${run.type} ${path}: ${text(payload.metadata?.[METADATA_ENCODING_KEY])}`);
      }
    }
    expect(leaks).toEqual([]);
    expect(plain).toEqual([]);
    // Every record workflow asks for its patches when it starts.
    expect(patchMarkers).toBeGreaterThan(0);
    // Inputs, results, signals, summaries, activity inputs and results, failures: many per run.
    expect(encrypted).toBeGreaterThan(runs.length * 3);
  });

  test('failure messages and stack traces are encoded too: only "Encoded failure" is readable', () => {
    const failures = runs.flatMap((r) => (r.history.events ?? []).flatMap((e) => [e.activityTaskStartedEventAttributes?.lastFailure, e.activityTaskFailedEventAttributes?.failure].filter((f) => f)));
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) {
      expect({ message: f?.message, stackTrace: f?.stackTrace }).toEqual({ message: 'Encoded failure', stackTrace: '' });
      expect(text(f?.encodedAttributes?.metadata?.[METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    }
  });

  test('POST /codec/decode gives the payloads back to a key allowed to read: every sentinel that Temporal holds', async () => {
    const decoded: string[] = [];
    for (const run of runs) {
      const payloads = payloadsOf(run.history).map((p) => toJson(p.payload));
      if (payloads.length === 0) continue;
      const res = await api.request('POST', '/codec/decode', { key: keys.readAll!, body: { payloads } });
      expect(res.status).toBe(200);
      expect(res.body.payloads).toHaveLength(payloads.length);
      for (const p of res.body.payloads) {
        expect(Buffer.from(p.metadata.encoding, 'base64').toString()).not.toBe(ENCRYPTED_ENCODING);
        decoded.push(Buffer.from(p.data, 'base64').toString('utf8'));
      }
    }
    const all = decoded.join('\n');
    // What reaches Temporal: the decisions' comments (signals) and the failure's message, which quotes the record.
    for (const value of [SENTINEL.approveComment, SENTINEL.rejectComment, SENTINEL.activityError, SENTINEL.failingName]) expect(all).toContain(value);
  });

  test('the Temporal CLI shows decoded payloads through the codec endpoint, and signals through it encrypted', async () => {
    const workflowId = executionWorkflowId(failingExecution);
    const codecArgs = ['--codec-endpoint', `${api.baseUrl}/codec`, '--codec-auth', `Bearer ${keys.reviewAll}`];
    await cli(['workflow', 'signal', '--workflow-id', workflowId, '--name', 'decision', '--input', JSON.stringify({ action: 'APPROVE', description: SENTINEL.cliComment }), ...codecArgs]);
    await waitFor(async () => (await api.request('GET', `${S}/pipelines/executions/${failingExecution}`)).body, (e) => e.status === 'SUCCESSFUL', 60_000, 'the CLI approval');
    const decision = (await api.request('GET', `${S}/pipelines/executions/${failingExecution}`)).body.steps[1].decision;
    expect(decision).toEqual(expect.objectContaining({ action: 'APPROVE', description: SENTINEL.cliComment }));

    // `--output json` prints payloads in protobuf JSON: their metadata and data in base64.
    const shown = async (args: string[]): Promise<{ encodings: string[]; data: string }> => {
      const json = JSON.parse(await cli(['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', ...args])) as unknown;
      const found: { encoding: string; data: string }[] = [];
      const walk = (node: unknown): void => {
        if (!node || typeof node !== 'object') return;
        const p = node as { metadata?: { encoding?: unknown }; data?: unknown };
        if (typeof p.metadata?.encoding === 'string') found.push({ encoding: Buffer.from(p.metadata.encoding, 'base64').toString(), data: Buffer.from(String(p.data ?? ''), 'base64').toString('latin1') });
        // Search attributes are indexed as they are: they carry ids and statuses only.
        else Object.entries(node).forEach(([k, v]) => k !== 'searchAttributes' && walk(v));
      };
      walk(json);
      return { encodings: [...new Set(found.map((f) => f.encoding))].sort(), data: found.map((f) => f.data).join('\n') };
    };
    const raw = await shown([]);
    const decoded = await shown(codecArgs);
    expect(raw.encodings).toEqual([ENCRYPTED_ENCODING]);
    // Decoded: JSON values, and binary/null for the activities that return nothing.
    expect(decoded.encodings).toEqual(['binary/null', 'json/plain']);
    for (const value of [SENTINEL.cliComment, SENTINEL.activityError, SENTINEL.failingName]) {
      expect({ value, raw: raw.data.includes(value), decoded: decoded.data.includes(value) }).toEqual({ value, raw: false, decoded: true });
    }
    // The CLI with a key that may not decode gets what Temporal holds, nothing more.
    const refused = await shown(['--codec-endpoint', `${api.baseUrl}/codec`, '--codec-auth', `Bearer ${keys.readDemo}`]).catch((err: { stdout?: string; stderr?: string }) => ({ encodings: [], data: `${err.stdout ?? ''}${err.stderr ?? ''}` }));
    expect(refused.data).not.toContain(SENTINEL.cliComment);
    const { bytes } = await rawHistory(workflowId, '');
    expect(bytes.toString('latin1')).not.toContain(SENTINEL.cliComment);
  });
});

describe('the codec endpoint', () => {
  const codec = (): EncryptionCodec => api.codec;
  async function encrypted(value: unknown): Promise<ReturnType<typeof toJson>> {
    const [p] = await codec().encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) }]);
    return toJson(p!);
  }

  test('decode needs a key (401), a key on every source (403), any role; Bearer works as the CLI sends it', async () => {
    const body = { payloads: [await encrypted({ name: 'Dr. Decode' })] };
    expectError(await api.request('POST', '/codec/decode', { key: null, body }), 401, 'UNAUTHENTICATED');
    expectError(await api.request('POST', '/codec/decode', { key: 'sk_unknown_key_of_nobody', body }), 401, 'UNAUTHENTICATED');
    expectError(await api.request('POST', '/codec/decode', { key: keys.readDemo!, body }), 403, 'PERMISSION_DENIED');
    expectError(await api.request('POST', '/codec/decode', { key: keys.ingestDemo!, body }), 403, 'PERMISSION_DENIED');
    expectError(await api.request('POST', '/codec/decode', { key: null, headers: { authorization: 'Basic Zm9vOmJhcg==' }, body }), 401, 'UNAUTHENTICATED');
    const ok = await api.request('POST', '/codec/decode', { key: keys.readAll!, body });
    expect(ok.status).toBe(200);
    expect(JSON.parse(Buffer.from(ok.body.payloads[0].data, 'base64').toString())).toEqual({ name: 'Dr. Decode' });
    const bearer = await api.request('POST', '/codec/decode', { key: null, headers: { authorization: `Bearer ${keys.reviewAll}` }, body });
    expect(bearer.body).toEqual(ok.body);
    // Bearer is for the codec routes only: elsewhere the key goes in X-API-Key.
    expectError(await api.request('GET', `${S}/resources/provider`, { key: null, headers: { authorization: `Bearer ${api.adminKey}` } }), 401, 'UNAUTHENTICATED');
  });

  test('encode needs the ingest or review role; its payloads decode, and what is already encrypted stays as is', async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('{"name":"Dr. Encode"}').toString('base64') };
    expectError(await api.request('POST', '/codec/encode', { key: null, body: { payloads: [plain] } }), 401, 'UNAUTHENTICATED');
    expectError(await api.request('POST', '/codec/encode', { key: keys.readAll!, body: { payloads: [plain] } }), 403, 'PERMISSION_DENIED');
    const already = await encrypted({ name: 'Dr. Already' });
    const res = await api.request('POST', '/codec/encode', { key: keys.ingestDemo!, body: { payloads: [plain, already] } });
    expect(res.status).toBe(200);
    expect(Buffer.from(res.body.payloads[0].metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(res.body.payloads[0].data, 'base64').toString('latin1')).not.toContain('Dr. Encode');
    expect(res.body.payloads[1]).toEqual(already);
    const back = await api.request('POST', '/codec/decode', { key: keys.readAll!, body: res.body });
    expect(back.body.payloads[0]).toEqual(plain);
  });

  test('a payload of an unknown key, a tampered one or a malformed body is a 400 naming it, never a 500', async () => {
    const foreign = new EncryptionCodec({ current: { id: 'retired-elsewhere', key: randomBytes(32) }, old: [] });
    const [other] = await foreign.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{}') }]);
    const unknown = expectError(await api.request('POST', '/codec/decode', { key: keys.readAll!, body: { payloads: [await encrypted(1), toJson(other!)] } }), 400, 'INVALID_ARGUMENT');
    expect(unknown.details).toEqual([{ path: 'payloads[1]', message: expect.stringContaining("key 'retired-elsewhere'") }]);
    const good = await encrypted({ name: 'Dr. Tamper' });
    const bytes = Buffer.from(good.data, 'base64');
    bytes[15]! ^= 1;
    const tampered = expectError(await api.request('POST', '/codec/decode', { key: keys.readAll!, body: { payloads: [{ ...good, data: bytes.toString('base64') }] } }), 400, 'INVALID_ARGUMENT');
    expect(tampered.details[0]).toEqual({ path: 'payloads[0]', message: expect.stringMatching(/does not decrypt/) });
    for (const body of [{}, { payloads: [{ data: 'not base64!' }] }, { payloads: [{ metadata: { encoding: 7 } }] }, { payloads: [], extra: 1 }]) {
      expectError(await api.request('POST', '/codec/decode', { key: keys.readAll!, body }), 400, 'INVALID_ARGUMENT');
    }
  });

  test('answers the Temporal UI\'s CORS preflight for its origin, and no other origin', async () => {
    const preflight = (origin: string) => fetch(`${api.baseUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' } });
    const ok = await preflight(UI_ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(ok.headers.get('access-control-allow-methods')).toBe('POST');
    expect(ok.headers.get('access-control-allow-headers')?.split(',')).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-namespace']));
    const evil = await preflight('http://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const post = await api.request('POST', '/codec/decode', { key: keys.readAll!, headers: { origin: 'http://localhost:8233' }, body: { payloads: [] } });
    expect({ status: post.status, origin: post.headers.get('access-control-allow-origin') }).toEqual({ status: 200, origin: 'http://localhost:8233' });
    // Other routes are not opened to the UI's origin.
    const other = await api.request('GET', `${S}/resources/provider`, { headers: { origin: UI_ORIGIN } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('the Temporal UI\'s route decodes with the token in its path and no key; a wrong token is a 404; the token is never logged', async () => {
    const body = { payloads: [await encrypted({ name: 'Dr. Ui' })] };
    const res = await api.request('POST', `/codec/ui/${UI_TOKEN}/decode`, { key: null, headers: { origin: UI_ORIGIN, 'x-namespace': 'default' }, body });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(JSON.parse(Buffer.from(res.body.payloads[0].data, 'base64').toString())).toEqual({ name: 'Dr. Ui' });
    const enc = await api.request('POST', `/codec/ui/${UI_TOKEN}/encode`, { key: null, body: { payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'e30=' }] } });
    expect(Buffer.from(enc.body.payloads[0].metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expectError(await api.request('POST', `/codec/ui/${UI_TOKEN.slice(1)}x/decode`, { key: null, body }), 404, 'NOT_FOUND');
    expectError(await api.request('POST', '/codec/ui/x/decode', { key: api.adminKey, body }), 404, 'NOT_FOUND');

    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
    const app = createApp({ logger, limits: { single: 1 << 20, bundle: 5 << 20, bulk: 16 << 20, codec: 64 << 20 }, ...api.services, ready: async () => undefined, codec: { codec: api.codec, corsOrigins: [UI_ORIGIN], uiToken: UI_TOKEN } });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const answer = await fetch(`${base}/codec/ui/${UI_TOKEN}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(answer.status).toBe(200);
    } finally {
      server.close();
    }
    const urls = lines.map((l) => JSON.parse(l) as { req?: { url?: string } }).filter((l) => l.req).map((l) => l.req?.url);
    expect(urls).toEqual(['/codec/ui/[redacted]/decode']);
    expect(lines.join('')).not.toContain(UI_TOKEN);
  });

  test('without SLUICE_CODEC_UI_TOKEN the UI routes do not exist (404), whatever the token', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'silent' }, new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
    const app = createApp({ logger, limits: { single: 1 << 20, bundle: 5 << 20, bulk: 16 << 20, codec: 64 << 20 }, ...api.services, ready: async () => undefined, codec: { codec: api.codec, corsOrigins: [] } });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const token of [UI_TOKEN, 'undefined', '']) {
        const answer = await fetch(`${base}/codec/ui/${token}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"payloads":[]}' });
        expect({ token, status: answer.status }).toEqual({ token, status: token === '' ? 401 : 404 });
      }
    } finally {
      server.close();
    }
  });
});

describe('a process without a codec key', () => {
  test.each(['server', 'worker'])('src/%s.ts refuses to start, saying which variable to set', async (entry) => {
    const root = `${__dirname}/../..`;
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLUICE_CODEC_')));
    const outcome = await promisify(execFile)(process.execPath, ['-r', `${root}/test/support/swc-register.js`, `${root}/src/${entry}.ts`], { cwd: root, env: { ...env, PORT: '0' }, timeout: 60_000 })
      .then(() => ({ code: 0, output: '' }), (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }));
    expect(outcome.code).toBe(1);
    expect(outcome.output).toMatch(/SLUICE_CODEC_KEY: is not set.*does not run without it/);
  });
});
