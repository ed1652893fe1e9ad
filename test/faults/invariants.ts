// The checks after a fault run, once everything runs again and the work has settled: every accepted task is final;
// every SUCCESS receipt's record is readable; nothing is stored twice; each record holds the data of the last request
// accepted for it (by answer order; among requests in flight together, any of them: test/support/order-model.ts), not
// merely the last one committed; what a reviewer rejected is absent; a double-clicked decision counts once; no
// execution is left open. Reads MongoDB directly and the API, and compares the two.
import { isDeepStrictEqual } from 'node:util';
import type { Db } from 'mongodb';
import { SOURCE, type ApiClient, type Journal, type Op, type Sent } from './workload';

const S = `/sources/${SOURCE}/v1`;

/** How an operation ended, as its receipt (or, without an answer, nothing) tells. */
export type State = 'applied' | 'dropped' | 'cancelled' | 'failed' | 'pending' | 'refused' | 'maybe' | 'not-run';

export type ProblemKind =
  // lost: an accepted operation that did not end, ended without its own fault, or whose stored record is missing
  | 'not-final' | 'no-receipt' | 'fault-failure' | 'cancelled-without-newer' | 'unreadable' | 'bundle-not-written' | 'history-missing'
  // wrong winners: the stored record is not what the last accepted request asked for
  | 'wrong-winner' | 'persisted-not-applied' | 'bundle-partial' | 'rejected-present' | 'decided-twice' | 'history-extra'
  // duplicates: written more often than requested, or a record nobody asked for
  | 'version-too-high' | 'unexpected-record'
  // other: open work left, a reviewer's verdict not followed, the API and the database disagreeing
  | 'version-too-low' | 'task-pending' | 'execution-open' | 'workflow-open' | 'wrong-outcome' | 'api-db-mismatch';

const LOST: ProblemKind[] = ['not-final', 'no-receipt', 'fault-failure', 'cancelled-without-newer', 'unreadable', 'bundle-not-written', 'history-missing'];
const WRONG: ProblemKind[] = ['wrong-winner', 'persisted-not-applied', 'bundle-partial', 'rejected-present', 'decided-twice', 'history-extra'];
const DUPLICATED: ProblemKind[] = ['version-too-high', 'unexpected-record'];

export interface Problem {
  kind: ProblemKind;
  what: string;
  detail?: unknown;
}

export interface Figures {
  requests: number;
  acceptedRequests: number;
  refusedRequests: number;
  uncertainRequests: number;
  /** Operations of requests answered 2xx. */
  accepted: number;
  applied: number;
  rejectedInReview: number;
  cancelled: number;
  failed: number;
  records: number;
  decisions: number;
  /** Decisions sent twice at once (a double click through both APIs). */
  doubleClicks: number;
  /** Version history items checked against the applied operations. */
  historyItems: number;
  lost: number;
  duplicated: number;
  wrongWinners: number;
  tasksInDb: number;
  pendingTasks: number;
  openExecutions: number;
  openWorkflows: number;
}

export interface CheckReport {
  figures: Figures;
  problems: Problem[];
  byKind: Partial<Record<ProblemKind, number>>;
}

interface ApiReceipt {
  type: string;
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'CANCELLED' | 'PENDING';
  error?: { message: string };
  pipelineExecution?: { id: string; status: string };
}

interface ApiTask {
  status: string;
  receipts?: ApiReceipt[];
}

/** A failure the operation itself caused (the record was gone, or there already), not a fault of the system. */
const OWN_FAULT = /no longer exists|already exists|does not exist|validation failed|is invalid/;

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  }));
  return out;
}

/** The state of each operation, from the receipts of its task. */
class Outcomes {
  readonly state = new Map<Op, State>();
  readonly receipt = new Map<Op, ApiReceipt>();
  readonly taskOf = new Map<Sent, string>();
  readonly problems: Problem[] = [];

  constructor(private readonly api: ApiClient, private readonly db: Db) {}

  async load(journal: Journal): Promise<void> {
    const claimed = new Set(journal.sent.flatMap((s) => (s.taskId ? [s.taskId] : [])));
    for (const sent of journal.sent) {
      if (sent.outcome === 'refused') {
        for (const op of sent.ops) this.state.set(op, 'refused');
      } else if (sent.outcome === 'accepted' && sent.taskId) {
        this.taskOf.set(sent, sent.taskId);
      } else if (sent.outcome === 'uncertain' && sent.via !== 'single') {
        // No answer: the bulk or bundle may still have been staged and run. Its task is found by its time and size.
        const taskId = await this.findTask(sent, claimed);
        if (taskId) {
          claimed.add(taskId);
          this.taskOf.set(sent, taskId);
        } else for (const op of sent.ops) this.state.set(op, 'not-run');
      } else {
        for (const op of sent.ops) this.state.set(op, 'maybe');
      }
    }
    const entries = [...this.taskOf.entries()];
    await mapLimit(entries, 8, async ([sent, taskId]) => this.readTask(sent, taskId));
  }

  private async findTask(sent: Sent, claimed: Set<string>): Promise<string | undefined> {
    const from = new Date(sent.sentAt - 2000).toISOString();
    const to = new Date((sent.answeredAt ?? Date.now()) + 2000).toISOString();
    const found = await this.db.collection('tasks')
      .find({ source: SOURCE, kind: sent.via === 'bulk' ? 'BULK' : 'BUNDLE', operationCount: sent.ops.length, createdAt: { $gte: from, $lte: to } }, { projection: { _id: 1 } })
      .toArray();
    const free = found.map((t) => String(t._id)).filter((id) => !claimed.has(id));
    // Two unanswered requests of the same kind and size, sent close together, both fit that window: the task is the one
    // whose receipts name this request's records (a 12-minute soak found a bundle's task given to its neighbour).
    const wanted = sent.ops.map((op) => `${op.type}/${op.id}`).sort();
    const matching: string[] = [];
    for (const id of free) {
      const res = await this.api.read(`${S}/tasks/${id}?withReceipts=true&perPage=1000`);
      const receipts = res.status === 200 ? ((res.body as ApiTask).receipts ?? []) : [];
      if (isDeepStrictEqual(receipts.map((r) => `${r.type}/${r.id}`).sort(), wanted)) matching.push(id);
    }
    return matching.length === 1 ? matching[0] : undefined;
  }

  private async readTask(sent: Sent, taskId: string): Promise<void> {
    const res = await this.api.read(`${S}/tasks/${taskId}?withReceipts=true&perPage=1000`);
    if (res.status !== 200) {
      this.problems.push({ kind: 'no-receipt', what: `task ${taskId}`, detail: { status: res.status, error: res.error } });
      for (const op of sent.ops) this.state.set(op, 'pending');
      return;
    }
    const receipts = (res.body as ApiTask).receipts ?? [];
    // Receipts come in position order; an operation's receipt is the next one on its record.
    const byRecord = new Map<string, ApiReceipt[]>();
    for (const r of receipts) {
      const key = `${r.type}/${r.id}`;
      byRecord.set(key, [...(byRecord.get(key) ?? []), r]);
    }
    for (const op of sent.ops) {
      const r = byRecord.get(`${op.type}/${op.id}`)?.shift();
      if (!r) {
        this.state.set(op, 'pending');
        this.problems.push({ kind: 'no-receipt', what: `${op.type}/${op.id} (${sent.via} ${taskId} #${op.seq})` });
        continue;
      }
      this.receipt.set(op, r);
      const pe = r.pipelineExecution?.status;
      const state: State = r.status === 'PENDING' ? 'pending'
        : r.status === 'CANCELLED' ? 'cancelled'
        : r.status === 'FAILURE' ? 'failed'
        : pe === 'DROPPED' ? 'dropped' : 'applied';
      this.state.set(op, state);
    }
  }
}

/** What the API answers for a record: its data, null when absent (404), or undefined when it could not be read. */
async function readRecord(api: ApiClient, key: string): Promise<Record<string, unknown> | null | undefined> {
  const res = await api.read(`${S}/resources/${key}`);
  if (res.status === 200) return (res.body as { data: Record<string, unknown> }).data;
  if (res.status === 404) return null;
  return undefined;
}

/**
 * Checks the invariants over a settled cluster; `db` is the database the processes use, `prefix` the id prefix of this
 * cycle's records (a soak's earlier cycles were checked already).
 */
export async function checkInvariants(journal: Journal, api: ApiClient, db: Db, openWorkflows: () => Promise<string[]>, prefix = ''): Promise<CheckReport> {
  const outcomes = new Outcomes(api, db);
  await outcomes.load(journal);
  const problems: Problem[] = [...outcomes.problems];
  const state = (op: Op): State => outcomes.state.get(op) ?? 'pending';

  // The stored records, from the database and through the API.
  const stored = new Map<string, { data: Record<string, unknown>; versionId: string }>();
  for (const doc of await db.collection('resources').find({ source: SOURCE }, { projection: { type: 1, id: 1, data: 1, 'meta.versionId': 1 } }).toArray()) {
    stored.set(`${doc.type as string}/${doc.id as string}`, { data: doc.data as Record<string, unknown>, versionId: String((doc.meta as { versionId: string }).versionId) });
  }
  const keys = [...journal.byRecord.keys()];
  const viaApi = new Map<string, Record<string, unknown> | null | undefined>();
  await mapLimit(keys, 8, async (key) => viaApi.set(key, await readRecord(api, key)));
  for (const key of stored.keys()) if (key.split('/')[1]?.startsWith(prefix) && !journal.byRecord.has(key)) problems.push({ kind: 'unexpected-record', what: key });

  const opName = (op: Op): string => `${op.request.via} ${op.request.taskId ?? `#${op.request.n}`} ${op.action} ${op.type}/${op.id} tag ${op.tag}`;

  let historyItems = 0;
  for (const [key, ops] of journal.byRecord) {
    const db = stored.get(key) ?? null;
    const fromApi = viaApi.get(key);
    if (fromApi === undefined) problems.push({ kind: 'unreadable', what: key, detail: 'the API did not answer' });
    else if (!isDeepStrictEqual(fromApi, db?.data ?? null)) problems.push({ kind: 'api-db-mismatch', what: key, detail: { api: fromApi, db: db?.data ?? null } });

    // The model of test/support/order-model.ts: each request takes effect between its send and its answer, so the
    // record ends with an applied (or maybe applied) operation that no applied operation follows: none sent after it
    // was answered, and none later in the same bulk. An operation without an answer may have run at any time since.
    const answeredAt = (op: Op): number => (state(op) === 'maybe' || op.request.answeredAt === undefined ? Number.POSITIVE_INFINITY : op.request.answeredAt);
    const follows = (later: Op, earlier: Op): boolean => later !== earlier && (later.request === earlier.request ? later.seq > earlier.seq : later.request.sentAt > answeredAt(earlier));
    const appliedOps = ops.filter((op) => state(op) === 'applied');
    const candidates = new Set<number>();
    ops.forEach((op, i) => {
      if ((state(op) === 'applied' || state(op) === 'maybe') && !appliedOps.some((y) => follows(y, op))) candidates.add(i);
    });
    const last = appliedOps.length ? ops.indexOf(appliedOps.reduce((a, b) => (follows(b, a) ? b : a))) : -1;
    const mayBeAbsent = appliedOps.length === 0 || [...candidates].some((i) => ops[i]?.action === 'DELETE');
    // Requests of this record in flight at the same time (shared records): the order of their writes is any of theirs.
    const concurrent = ops.some((a) => ops.some((b) => a.request !== b.request && a.request.sentAt < answeredAt(b) && b.request.sentAt < answeredAt(a)));
    if (db === null) {
      if (!mayBeAbsent) {
        const winner = ops[last] as Op;
        problems.push({ kind: 'unreadable', what: key, detail: `absent, but ${opName(winner)} succeeded last` });
      }
    } else {
      const tag = db.data.tag;
      const index = ops.findIndex((op) => op.tag === tag);
      const op = ops[index];
      if (!op) problems.push({ kind: 'wrong-winner', what: key, detail: { stored: db.data, note: 'no request of this record has this tag' } });
      else if (['cancelled', 'dropped', 'failed', 'refused', 'not-run'].includes(state(op))) {
        problems.push({ kind: op.verdict === 'reject' && state(op) === 'dropped' ? 'rejected-present' : 'persisted-not-applied', what: key, detail: { stored: opName(op), state: state(op) } });
      } else if (!candidates.has(index) || op.action === 'DELETE') {
        problems.push({ kind: 'wrong-winner', what: key, detail: { stored: opName(op), storedState: state(op), lastApplied: last >= 0 ? opName(ops[last] as Op) : 'none' } });
      } else if (!isDeepStrictEqual(db.data, op.expected)) {
        problems.push({ kind: 'wrong-winner', what: key, detail: { stored: db.data, expected: op.expected } });
      }
      // Versions: one per applied write since the record was last deleted.
      let applied = 0;
      let maybes = 0;
      let maybeDelete = false;
      for (let i = ops.length - 1; i >= 0; i--) {
        const o = ops[i] as Op;
        const s = state(o);
        if (o.action === 'DELETE') {
          if (s === 'applied') break;
          if (s === 'maybe') maybeDelete = true;
          continue;
        }
        if (s === 'applied') applied++;
        else if (s === 'maybe') maybes++;
      }
      const version = Number(db.versionId);
      // With concurrent requests and a delete among them, which writes came after the delete is not known: bounded only.
      const anyDelete = ops.some((o) => o.action === 'DELETE' && (state(o) === 'applied' || state(o) === 'maybe'));
      const bound = concurrent && anyDelete ? ops.filter((o) => o.action !== 'DELETE' && (state(o) === 'applied' || state(o) === 'maybe')).length : applied + maybes;
      if (version > bound) problems.push({ kind: 'version-too-high', what: key, detail: { version, applied, maybes } });
      else if (!maybeDelete && !(concurrent && anyDelete) && version < applied) problems.push({ kind: 'version-too-low', what: key, detail: { version, applied, maybes } });
    }

    // Version history: exactly the applied writes. Each item belongs to an applied (or maybe applied) operation of the
    // record, never to a cancelled, failed or rejected one; each applied operation has its item.
    const history = await api.read(`${S}/history/resources/${key}/operations?perPage=1000`);
    if (history.status === 200 && Array.isArray(history.body)) {
      const items = history.body as { taskId: string; action: string }[];
      historyItems += items.length;
      const taskOfOp = (op: Op): string | undefined => op.request.taskId ?? outcomes.taskOf.get(op.request);
      const unknownMaybe = ops.some((op) => state(op) === 'maybe' && !taskOfOp(op));
      for (const item of items) {
        const mine = ops.filter((op) => taskOfOp(op) === item.taskId);
        if (mine.length === 0 ? !unknownMaybe : !mine.some((op) => state(op) === 'applied' || state(op) === 'maybe')) {
          problems.push({ kind: 'history-extra', what: key, detail: { item, states: mine.map((op) => `${opName(op)}: ${state(op)}`) } });
        }
      }
      const counts = new Map<string, number>();
      for (const item of items) counts.set(item.taskId, (counts.get(item.taskId) ?? 0) + 1);
      for (const op of appliedOps) {
        const taskId = taskOfOp(op) as string;
        const expectedItems = appliedOps.filter((o) => taskOfOp(o) === taskId).length;
        if ((counts.get(taskId) ?? 0) < expectedItems) problems.push({ kind: 'history-missing', what: key, detail: { op: opName(op), items: counts.get(taskId) ?? 0, expected: expectedItems } });
      }
    } else if (history.status !== 404) {
      problems.push({ kind: 'unreadable', what: `${key} history`, detail: history.status ?? history.error });
    }

    // Accepted operations: each ends, for a reason of its own; a cancelled one had a newer request after it.
    ops.forEach((op, i) => {
      const s = state(op);
      const accepted = op.request.outcome === 'accepted';
      if (s === 'pending' && outcomes.receipt.has(op)) problems.push({ kind: accepted ? 'not-final' : 'task-pending', what: opName(op) });
      if (!accepted) return;
      if (s === 'failed' && !OWN_FAULT.test(outcomes.receipt.get(op)?.error?.message ?? '')) {
        problems.push({ kind: 'fault-failure', what: opName(op), detail: outcomes.receipt.get(op)?.error?.message });
      }
      // Cancelled: some other request of the record came after it or with it (one that did not end before it was sent).
      if (s === 'cancelled' && op.request.via !== 'bundle' && !ops.some((y, j) => j !== i && (y.request === op.request ? y.seq > op.seq : answeredAt(y) >= op.request.sentAt))) {
        problems.push({ kind: 'cancelled-without-newer', what: opName(op) });
      }
      if (op.verdict === 'approve' && s === 'dropped') problems.push({ kind: 'wrong-outcome', what: opName(op), detail: 'approved, yet dropped' });
      if (op.verdict === 'reject' && s === 'applied') problems.push({ kind: 'wrong-outcome', what: opName(op), detail: 'rejected, yet applied' });
    });
  }

  // Bundles: all or nothing; one the reviewer rejects is written not at all, every other one whole.
  // A bundle with a shared record may be dropped whole by a newer request for it (every receipt CANCELLED); the
  // presence checks look at the bundle's own records, which nobody else writes.
  for (const sent of journal.sent.filter((s) => s.via === 'bundle' && outcomes.taskOf.has(s))) {
    const states = sent.ops.map(state);
    const own = sent.ops.filter((op) => !op.shared);
    const present = own.filter((op) => stored.has(`${op.type}/${op.id}`)).length;
    const rejected = sent.ops.some((op) => op.verdict === 'reject');
    const overtaken = sent.ops.some((op) => op.shared) && states.every((s) => s === 'cancelled');
    if (present !== 0 && present !== own.length) problems.push({ kind: 'bundle-partial', what: `bundle ${outcomes.taskOf.get(sent)}`, detail: { present, of: own.length, states } });
    if (rejected && present > 0) problems.push({ kind: 'rejected-present', what: `bundle ${outcomes.taskOf.get(sent)}`, detail: { present } });
    if (overtaken && present > 0) problems.push({ kind: 'persisted-not-applied', what: `bundle ${outcomes.taskOf.get(sent)}`, detail: { present, note: 'dropped, yet written' } });
    if (sent.outcome === 'accepted' && !rejected && !overtaken && states.some((s) => s !== 'applied')) {
      problems.push({ kind: 'bundle-not-written', what: `bundle ${outcomes.taskOf.get(sent)}`, detail: { states, errors: sent.ops.map((op) => outcomes.receipt.get(op)?.error?.message).filter(Boolean) } });
    }
  }

  // A decision sent twice at once is accepted once: the second is a 409 that changes nothing.
  if (journal.doubleAccepted > 0) problems.push({ kind: 'decided-twice', what: 'review decisions', detail: { doubleClicks: journal.doubleClicks, bothAccepted: journal.doubleAccepted } });

  // Every task the database holds ends, whether or not its request was answered.
  const taskIds = (await db.collection('tasks').find({ source: SOURCE }, { projection: { _id: 1 } }).toArray()).map((t) => String(t._id));
  const statuses = await mapLimit(taskIds, 8, async (id) => ({ id, res: await api.read(`${S}/tasks/${id}`) }));
  for (const { id, res } of statuses) {
    if (res.status !== 200 || (res.body as ApiTask).status === 'PENDING') problems.push({ kind: 'task-pending', what: `task ${id}`, detail: res.status === 200 ? undefined : res.status ?? res.error });
  }
  const open = await db.collection('executions').find({ source: SOURCE, status: { $in: ['IN_PROGRESS', 'IN_REVIEW'] } }, { projection: { _id: 1, status: 1, opKey: 1, bundleId: 1, recordKey: 1, createdAt: 1 } }).toArray();
  for (const e of open) problems.push({ kind: 'execution-open', what: `execution ${String(e._id)}`, detail: e });
  const workflows = await openWorkflows();
  for (const w of workflows) problems.push({ kind: 'workflow-open', what: w });

  const allOps = journal.sent.flatMap((s) => s.ops);
  const acceptedOps = allOps.filter((op) => op.request.outcome === 'accepted');
  const count = (kinds: ProblemKind[]): number => problems.filter((p) => kinds.includes(p.kind)).length;
  const byKind: Partial<Record<ProblemKind, number>> = {};
  for (const p of problems) byKind[p.kind] = (byKind[p.kind] ?? 0) + 1;
  return {
    figures: {
      requests: journal.sent.length,
      acceptedRequests: journal.sent.filter((s) => s.outcome === 'accepted').length,
      refusedRequests: journal.sent.filter((s) => s.outcome === 'refused').length,
      uncertainRequests: journal.sent.filter((s) => s.outcome === 'uncertain').length,
      accepted: acceptedOps.length,
      applied: acceptedOps.filter((op) => state(op) === 'applied').length,
      rejectedInReview: acceptedOps.filter((op) => state(op) === 'dropped').length,
      cancelled: acceptedOps.filter((op) => state(op) === 'cancelled').length,
      failed: acceptedOps.filter((op) => state(op) === 'failed').length,
      records: journal.byRecord.size,
      decisions: journal.decisions,
      doubleClicks: journal.doubleClicks,
      historyItems,
      lost: count(LOST),
      duplicated: count(DUPLICATED),
      wrongWinners: count(WRONG),
      tasksInDb: taskIds.length,
      pendingTasks: problems.filter((p) => p.kind === 'task-pending').length,
      openExecutions: open.length,
      openWorkflows: workflows.length,
    },
    problems,
    byKind,
  };
}
