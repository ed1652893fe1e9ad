import type { AssignmentChange, AssignmentService } from '../../src/records/assignments';
import { ReviewQueueSnapshot } from '../../src/services/review-snapshot';
import type { AssignmentDoc, ReviewEntryDoc } from '../../src/store/documents';

// The review queue's snapshot (src/services/review-snapshot.ts): when it reads the collections again, and how what this
// process changed shows at once. The collections are in-memory stand-ins that count their reads.

function entry(id: string, createdAt: string): ReviewEntryDoc {
  return { _id: id, source: 'demo', targetType: 'RESOURCE', type: 'clinic', recordId: `r-${id}`, action: 'CREATE', pipelineDefinitionId: 'clinic.1', taskId: `s_${id}`, stepIndex: 0, stepType: 'HUMAN_REVIEW', createdAt, reviewSince: createdAt };
}

function claim(id: string, by: string): AssignmentDoc {
  return { _id: id, source: 'demo', by: { id: by, name: by }, at: '2026-12-01T00:00:00.000Z' };
}

function setup(options: { freshMs?: number; staleMs?: number; decidedMs?: number } = {}) {
  let clock = 1_000_000;
  const data = { entries: [] as ReviewEntryDoc[], claims: [] as AssignmentDoc[], reads: 0, gate: undefined as Promise<void> | undefined };
  const collection = <T>(rows: () => T[]) => ({
    find: () => ({
      toArray: async () => {
        data.reads++;
        const snapshot = [...rows()];
        if (data.gate) await data.gate;
        return snapshot;
      },
    }),
  });
  const store = { reviewQueue: collection(() => data.entries), reviewAssignments: collection(() => data.claims) };
  const listeners: ((c: AssignmentChange) => void)[] = [];
  const assignments = { onChange: (l: (c: AssignmentChange) => void) => listeners.push(l) } as unknown as AssignmentService;
  const snapshot = new ReviewQueueSnapshot(store as never, assignments, { ...options, now: () => clock });
  return { data, snapshot, emit: (c: AssignmentChange) => listeners.forEach((l) => l(c)), advance: (ms: number) => { clock += ms; } };
}

test('entries come sorted by acceptance time, then id; a fresh snapshot serves reads without reading again', async () => {
  const t = setup({ freshMs: 1000 });
  t.data.entries = [entry('b', '2026-12-01T00:00:01.000Z'), entry('c', '2026-12-01T00:00:00.500Z'), entry('a', '2026-12-01T00:00:01.000Z')];
  expect((await t.snapshot.read()).entries.map((e) => e._id)).toEqual(['c', 'a', 'b']);
  t.advance(999);
  await t.snapshot.read();
  expect(t.data.reads).toBe(2); // one read = the queue and the claims
});

test('past the fresh window a stale snapshot is served while a new read runs; past the stale window reads wait', async () => {
  const t = setup({ freshMs: 1000, staleMs: 10_000 });
  t.data.entries = [entry('a', '2026-12-01T00:00:00.000Z')];
  await t.snapshot.read();
  t.data.entries = [entry('a', '2026-12-01T00:00:00.000Z'), entry('b', '2026-12-01T00:00:01.000Z')];
  t.advance(2000);
  expect((await t.snapshot.read()).entries.map((e) => e._id)).toEqual(['a']);
  await new Promise((r) => setImmediate(r));
  expect((await t.snapshot.read()).entries.map((e) => e._id)).toEqual(['a', 'b']);
  t.data.entries = [];
  t.advance(20_000);
  expect((await t.snapshot.read()).entries).toEqual([]);
});

test('claims, releases and decisions of this process show at once, also when they happen during a read', async () => {
  const t = setup({ freshMs: 1000, decidedMs: 5000 });
  t.data.entries = [entry('a', '2026-12-01T00:00:00.000Z'), entry('b', '2026-12-01T00:00:01.000Z')];
  await t.snapshot.read();
  t.emit({ kind: 'claimed', doc: claim('a', 'ada') });
  expect((await t.snapshot.read()).claims.get('a')?.by.id).toBe('ada');

  // A read that started before the release returns the claim; the release is applied to it again.
  let open!: () => void;
  t.data.claims = [claim('a', 'ada')];
  t.data.gate = new Promise((r) => { open = r; });
  t.advance(70_000);
  const pending = t.snapshot.read();
  t.emit({ kind: 'released', id: 'a' });
  open();
  t.data.gate = undefined;
  expect((await pending).claims.has('a')).toBe(false);

  t.emit({ kind: 'decided', id: 'b' });
  expect([...(await t.snapshot.read()).hidden]).toEqual(['b']);
  t.advance(5001);
  expect((await t.snapshot.read()).hidden.size).toBe(0);
});
