// The fault suite's clients: single writes with supersession (synchronous, inline pipelines, child executions that
// wait for review), bulks with and without pipeline steps, bundles, and a reviewer that approves or rejects what
// waits in review. Requests go round robin to the API processes. Every request and its answer go to a journal:
// only a 2xx answer makes its operations accepted; a 4xx refused them; no answer, a timeout or a 5xx leaves them
// uncertain (they may have taken effect before the API died). Most records are written by one channel only (its id
// says which), one request at a time; a few shared records (`x-*`, `y-*`) are written by every single-write lane and
// by the bulks at the same time, through both APIs, and the reviewer sometimes sends a decision twice at once (a
// double click): the checks hold those to the model of test/support/order-model.ts.
import type { Rng } from './rng';

export const SOURCE = 'faults';
const S = `/sources/${SOURCE}/v1`;

export type Outcome = 'accepted' | 'refused' | 'uncertain';
export type Via = 'single' | 'bulk' | 'bundle';
export type Action = 'CREATE' | 'UPSERT' | 'UPDATE' | 'DELETE';
export type Data = { name: string; tag: string; mode?: string; verdict?: 'approve' | 'reject' };

/** One operation on one record, inside a request. */
export interface Op {
  type: string;
  id: string;
  tag: string;
  action: Action;
  /** What the record holds when this operation is the one applied last (undefined for a DELETE). */
  expected?: Record<string, unknown>;
  /** Set when the operation waits for the reviewer, who decides by it. */
  verdict?: 'approve' | 'reject';
  /** Position in its bulk or bundle (0 for a single request). */
  seq: number;
  /** A record other requests write at the same time (sharedRecords). */
  shared?: boolean;
  request: Sent;
}

/** One HTTP request and its answer. */
export interface Sent {
  n: number;
  via: Via;
  method: string;
  path: string;
  sentAt: number;
  answeredAt?: number;
  status?: number;
  outcome?: Outcome;
  /** Without an answer: why (connection refused, reset, timeout). */
  error?: string;
  taskId?: string;
  ops: Op[];
}

export interface Answer {
  status?: number;
  body?: any;
  error?: string;
}

/** Requests to the API processes, round robin; no retry, so a request's outcome is the outcome of one attempt. */
export class ApiClient {
  private next = 0;
  constructor(private readonly urls: string[], private readonly key: string, private readonly timeoutMs: number) {}

  async send(method: string, path: string, body?: unknown): Promise<Answer> {
    const url = this.urls[this.next++ % this.urls.length] as string;
    try {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { 'x-api-key': this.key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: kept as text
      }
      return { status: res.status, body: parsed };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      return { error: e.name === 'TimeoutError' ? `timeout after ${this.timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message) };
    }
  }

  /** A read for the checks: retried while a process is still coming back. */
  async read(path: string, attempts = 30): Promise<Answer> {
    let last: Answer = {};
    for (let i = 0; i < attempts; i++) {
      last = await this.send('GET', path);
      if (last.status !== undefined && last.status < 500) return last;
      await new Promise((r) => setTimeout(r, 500));
    }
    return last;
  }
}

/** The data a record holds once an operation with `data` is applied: the pipelines trim and upper-case `name`. */
export function expectedData(type: string, data: Data): Record<string, unknown> {
  const normalized = type === 'norm' || (type === 'mixed' && (data.mode === 'norm' || data.mode === 'review'));
  return normalized ? { ...data, name: data.name.trim().toUpperCase() } : { ...data };
}

/** Every request sent, and every operation by record. */
export class Journal {
  readonly sent: Sent[] = [];
  readonly byRecord = new Map<string, Op[]>();
  decisions = 0;
  reviewerErrors = 0;
  /** Decisions sent twice at once, and how many of those pairs were both accepted (must be none). */
  doubleClicks = 0;
  doubleAccepted = 0;

  start(via: Via, method: string, path: string): Sent {
    const s: Sent = { n: this.sent.length, via, method, path, sentAt: Date.now(), ops: [] };
    this.sent.push(s);
    return s;
  }

  op(sent: Sent, op: Omit<Op, 'request'>): Op {
    const full: Op = { ...op, request: sent };
    sent.ops.push(full);
    const key = `${op.type}/${op.id}`;
    const list = this.byRecord.get(key) ?? [];
    list.push(full);
    this.byRecord.set(key, list);
    return full;
  }

  answer(sent: Sent, a: Answer): void {
    sent.answeredAt = Date.now();
    if (a.status === undefined) {
      sent.outcome = 'uncertain';
      sent.error = a.error;
      return;
    }
    sent.status = a.status;
    sent.outcome = a.status >= 200 && a.status < 300 ? 'accepted' : a.status < 500 ? 'refused' : 'uncertain';
    if (sent.outcome !== 'accepted') sent.error = typeof a.body === 'object' ? (a.body as { message?: string })?.message : String(a.body).slice(0, 200);
    const taskId = (a.body as { taskId?: unknown } | undefined)?.taskId;
    if (typeof taskId === 'string') sent.taskId = taskId;
  }
}

function data(rng: Rng, tag: string, mode?: string, verdict?: 'approve' | 'reject'): Data {
  return { name: `  ${tag.toLowerCase()} ${rng.int(0, 999)} `, tag, ...(mode ? { mode } : {}), ...(verdict ? { verdict } : {}) };
}

interface Running {
  stopped: boolean;
}

/** The records every single-write lane and the bulks write concurrently. */
function sharedRecords(prefix: string): { type: string; id: string }[] {
  return [...Array.from({ length: 3 }, (_, i) => ({ type: 'mixed', id: `${prefix}x-${i}` })), { type: 'norm', id: `${prefix}y-0` }];
}

/** Sends single writes to its own records (one request per record at a time) and to the shared ones, until stopped. */
async function singleWriter(api: ApiClient, journal: Journal, rng: Rng, lane: number, run: Running, prefix: string): Promise<void> {
  const records = [
    ...Array.from({ length: 6 }, (_, i) => ({ type: 'mixed', id: `${prefix}m${lane}-${i}` })),
    ...Array.from({ length: 3 }, (_, i) => ({ type: 'norm', id: `${prefix}n${lane}-${i}` })),
  ];
  let count = 0;
  while (!run.stopped) {
    // One write in three goes to a record every lane writes at the same time.
    const rec = rng.next() < 0.33 ? rng.pick(sharedRecords(prefix)) : rng.pick(records);
    const tag = `${prefix}s${lane}-${count++}`;
    const r = rng.next();
    let method = 'PUT';
    let body: unknown;
    let op: Omit<Op, 'request' | 'seq'>;
    if (rec.type === 'norm') {
      if (r < 0.9) {
        const d = data(rng, tag);
        body = { data: d };
        op = { type: rec.type, id: rec.id, tag, action: 'UPSERT', expected: expectedData(rec.type, d) };
      } else {
        method = 'DELETE';
        op = { type: rec.type, id: rec.id, tag, action: 'DELETE' };
      }
    } else if (r < 0.3) {
      const d = data(rng, tag, 'sync');
      body = { data: d };
      op = { type: rec.type, id: rec.id, tag, action: 'UPSERT', expected: expectedData(rec.type, d) };
    } else if (r < 0.5) {
      const d = data(rng, tag, 'norm');
      body = { data: d };
      op = { type: rec.type, id: rec.id, tag, action: 'UPSERT', expected: expectedData(rec.type, d) };
    } else if (r < 0.8) {
      const verdict = r < 0.7 ? 'approve' : 'reject';
      const d = data(rng, tag, 'review', verdict);
      body = { data: d };
      op = { type: rec.type, id: rec.id, tag, action: 'UPSERT', expected: expectedData(rec.type, d), verdict };
    } else if (r < 0.94) {
      // A JSON Patch that replaces the whole data: an UPDATE (404 when the record is absent).
      method = 'PATCH';
      const d = data(rng, tag, rng.next() < 0.5 ? 'sync' : 'norm');
      body = [{ op: 'replace', path: '', value: d }];
      op = { type: rec.type, id: rec.id, tag, action: 'UPDATE', expected: expectedData(rec.type, d) };
    } else {
      method = 'DELETE';
      op = { type: rec.type, id: rec.id, tag, action: 'DELETE' };
    }
    const path = `${S}/resources/${rec.type}/${rec.id}`;
    const sent = journal.start('single', method, path);
    journal.op(sent, { ...op, seq: 0, ...(rec.id.startsWith(`${prefix}x-`) || rec.id.startsWith(`${prefix}y-`) ? { shared: true } : {}) });
    const answer = await api.send(method, path, body);
    journal.answer(sent, answer);
    // Without an answer (an API is down), a client waits a little before it tries the next write.
    await (answer.status === undefined ? rng.sleep(300, 800) : rng.sleep(20, 200));
  }
}

/** Sends a bulk now and then: batched CREATEs, inline pipelines, reviews, and records written twice in one bulk. */
async function bulkWriter(api: ApiClient, journal: Journal, rng: Rng, run: Running, prefix: string): Promise<void> {
  let count = 0;
  while (!run.stopped) {
    const b = `${prefix}b${count++}`;
    const path = `${S}/resources/bulk`;
    const sent = journal.start('bulk', 'POST', path);
    const operations: unknown[] = [];
    const size = rng.int(8, 30);
    const upserted: string[] = [];
    for (let i = 0; i < size; i++) {
      const tag = `${b}-${i}`;
      const r = rng.next();
      const seq = operations.length;
      if (r < 0.35) {
        const d = data(rng, tag);
        operations.push({ action: 'CREATE', create: { type: 'plain', id: `${b}-${i}`, data: d } });
        journal.op(sent, { type: 'plain', id: `${b}-${i}`, tag, action: 'CREATE', expected: expectedData('plain', d), seq });
      } else if (r < 0.7) {
        const d = data(rng, tag);
        operations.push({ action: 'UPSERT', upsert: { type: 'norm', id: `${b}-${i}`, data: d } });
        journal.op(sent, { type: 'norm', id: `${b}-${i}`, tag, action: 'UPSERT', expected: expectedData('norm', d), seq });
        upserted.push(`${b}-${i}`);
      } else if (r < 0.75) {
        const d = data(rng, tag, 'norm');
        operations.push({ action: 'UPSERT', upsert: { type: 'mixed', id: `${b}-${i}`, data: d } });
        journal.op(sent, { type: 'mixed', id: `${b}-${i}`, tag, action: 'UPSERT', expected: expectedData('mixed', d), seq });
      } else if (r < 0.82) {
        // A shared record, which single writes race: the bulk's operation may be overtaken (CANCELLED) by one of them.
        const rec = rng.pick(sharedRecords(prefix));
        const d = data(rng, tag, rec.type === 'mixed' ? rng.pick(['sync', 'norm']) : undefined);
        operations.push({ action: 'UPSERT', upsert: { type: rec.type, id: rec.id, data: d } });
        journal.op(sent, { type: rec.type, id: rec.id, tag, action: 'UPSERT', expected: expectedData(rec.type, d), seq, shared: true });
      } else if (r < 0.9 || upserted.length === 0) {
        const verdict = rng.next() < 0.7 ? 'approve' : 'reject';
        const d = data(rng, tag, 'review', verdict);
        operations.push({ action: 'UPSERT', upsert: { type: 'mixed', id: `${b}-${i}`, data: d } });
        journal.op(sent, { type: 'mixed', id: `${b}-${i}`, tag, action: 'UPSERT', expected: expectedData('mixed', d), verdict, seq });
      } else {
        // The same record again, later in the bulk: the later operation wins.
        const id = rng.pick(upserted);
        const d = data(rng, tag);
        operations.push({ action: 'UPSERT', upsert: { type: 'norm', id, data: d } });
        journal.op(sent, { type: 'norm', id, tag, action: 'UPSERT', expected: expectedData('norm', d), seq });
      }
    }
    journal.answer(sent, await api.send('POST', path, { operations }));
    await rng.sleep(2500, 5000);
  }
}

/** Sends a bundle now and then: records with and without pipelines, sometimes one the reviewer rejects. */
async function bundleWriter(api: ApiClient, journal: Journal, rng: Rng, run: Running, prefix: string): Promise<void> {
  let count = 0;
  while (!run.stopped) {
    const d0 = `${prefix}d${count++}`;
    const path = `${S}/bundle`;
    const sent = journal.start('bundle', 'POST', path);
    const resourceOperations: unknown[] = [];
    const size = rng.int(2, 4);
    // One bundle in three has no pipeline step (written at once, 201); the others wait for their executions.
    const withPipelines = rng.next() < 0.67;
    for (let i = 0; i < size; i++) {
      const tag = `${d0}-${i}`;
      const id = `${d0}-${i}`;
      const r = rng.next();
      let type = 'plain';
      let d: Data = data(rng, tag);
      let verdict: 'approve' | 'reject' | undefined;
      if (withPipelines && r < 0.4) type = 'norm';
      else if (withPipelines && r < 0.6) {
        type = 'mixed';
        d = data(rng, tag, 'norm');
      } else if (withPipelines && r < 0.8) {
        type = 'mixed';
        verdict = rng.next() < 0.75 ? 'approve' : 'reject';
        d = data(rng, tag, 'review', verdict);
      }
      resourceOperations.push({ action: 'CREATE', create: { type, id, data: d } });
      journal.op(sent, { type, id, tag, action: 'CREATE', expected: expectedData(type, d), ...(verdict ? { verdict } : {}), seq: i });
    }
    // One bundle in three also writes a shared record: a newer request for it drops the whole bundle.
    if (rng.next() < 0.33) {
      const rec = rng.pick(sharedRecords(prefix));
      const tag = `${d0}-s`;
      const d = data(rng, tag, rec.type === 'mixed' ? (withPipelines ? rng.pick(['sync', 'norm']) : 'sync') : undefined);
      resourceOperations.push({ action: 'UPSERT', upsert: { type: rec.type, id: rec.id, data: d } });
      journal.op(sent, { type: rec.type, id: rec.id, tag, action: 'UPSERT', expected: expectedData(rec.type, d), seq: size, shared: true });
    }
    journal.answer(sent, await api.send('POST', path, { resourceOperations }));
    await rng.sleep(1500, 4000);
  }
}

/**
 * Approves or rejects every execution waiting in review, by the verdict in its data; with `rng`, one decision in four
 * is sent twice at once (through both APIs), and at most one of the two may be accepted.
 */
export async function reviewOnce(api: ApiClient, journal: Journal, rng?: Rng): Promise<number> {
  let cursor: string | undefined;
  let decided = 0;
  do {
    const page = await api.send('GET', `${S}/pipelines/executions?status=IN_REVIEW&perPage=100${cursor ? `&cursor=${cursor}` : ''}`);
    if (page.status !== 200) {
      journal.reviewerErrors++;
      return decided;
    }
    for (const e of (page.body as { data: { id: string }[] }).data) {
      const one = await api.send('GET', `${S}/pipelines/executions/${e.id}?withOperationBody=true`);
      if (one.status !== 200) continue;
      const verdict = (one.body as { operation?: { body?: { data?: Data } } }).operation?.body?.data?.verdict;
      const decide = (): Promise<Answer> => api.send('POST', `${S}/pipelines/executions/${e.id}/decision`, { action: verdict === 'reject' ? 'REJECT' : 'APPROVE', description: 'fault suite reviewer' });
      const twice = rng !== undefined && rng.next() < 0.25;
      const answers = twice ? await Promise.all([decide(), decide()]) : [await decide()];
      const accepted = answers.filter((res) => res.status === 202).length;
      if (twice) {
        journal.doubleClicks++;
        if (accepted > 1) journal.doubleAccepted++;
      }
      if (accepted > 0) {
        journal.decisions++;
        decided++;
      }
    }
    cursor = (page.body as { nextCursor?: string }).nextCursor;
  } while (cursor);
  return decided;
}

async function reviewer(api: ApiClient, journal: Journal, rng: Rng, run: Running): Promise<void> {
  while (!run.stopped) {
    await reviewOnce(api, journal, rng);
    await rng.sleep(500, 1500);
  }
}

/** The running workload: `stopWriters` ends the writers (awaiting their last requests), `stopReviewer` the reviewer. */
export interface Workload {
  stopWriters(): Promise<void>;
  stopReviewer(): Promise<void>;
}

/** Starts the writers and the reviewer; `prefix` keeps the record ids of one soak cycle apart from the others'. */
export function startWorkload(api: ApiClient, journal: Journal, rng: Rng, opts: { singleLanes: number; prefix: string }): Workload {
  const writers: Running = { stopped: false };
  const review: Running = { stopped: false };
  const tasks = [
    ...Array.from({ length: opts.singleLanes }, (_, lane) => singleWriter(api, journal, rng.fork(), lane, writers, opts.prefix)),
    bulkWriter(api, journal, rng.fork(), writers, opts.prefix),
    bundleWriter(api, journal, rng.fork(), writers, opts.prefix),
  ];
  const reviewing = reviewer(api, journal, rng.fork(), review);
  return {
    async stopWriters() {
      writers.stopped = true;
      await Promise.all(tasks);
    },
    async stopReviewer() {
      review.stopped = true;
      await reviewing;
    },
  };
}
