import type { AssignmentChange, AssignmentService } from '../records/assignments';
import type { AssignmentDoc, ReviewEntryDoc } from '../store/documents';
import type { Store } from '../store/db';

/** The review queue as one read saw it, with what this process changed since. */
export interface QueueSnapshot {
  /** Every entry, oldest first (`queueOrder`). */
  entries: readonly ReviewEntryDoc[];
  claims: ReadonlyMap<string, AssignmentDoc>;
  /** Executions this process sent a decision for: out of the queue although their workflow has not removed them yet. */
  hidden: ReadonlySet<string>;
  /** When the read started (ms since the epoch). */
  readAt: number;
}

export interface SnapshotOptions {
  /** A snapshot younger than this serves reads as is; the window grows to 5 × the last read's time on a big queue. */
  freshMs?: number;
  /** An older snapshot still serves reads while a new read runs; past this age reads wait for the new one. */
  staleMs?: number;
  /** How long a decided execution stays out of the queue before the entries read say otherwise. */
  decidedMs?: number;
  now?: () => number;
}

/**
 * The queue's order: when the request was accepted, then the execution id. KSUIDs alone sort by the second, so two
 * requests of one second would come in any order.
 */
export function queueOrder(entry: Pick<ReviewEntryDoc, '_id' | 'createdAt'>): string {
  return `${entry.createdAt}/${entry._id}`;
}

interface Local {
  at: number;
  change: AssignmentChange;
}

/**
 * The review queue and its claims, held in the API process and read again when they get old. FerretDB reads a whole
 * collection for any filter but `_id` (docs/ferretdb.md): about 1.5 s for 10,000 entries on these machines, whatever
 * the filter. So the queue's filters, pages and counts run on this snapshot, one read serving every request for a
 * while, and a filter change costs no database read. What this process changes (claims, releases, decisions) shows at
 * once; other processes' changes and new entries show within the fresh window (1 s on a small queue). Nothing is
 * decided from it: claims and decisions check the database.
 */
export class ReviewQueueSnapshot {
  private current?: QueueSnapshot & { claims: Map<string, AssignmentDoc> };
  private loading?: Promise<QueueSnapshot>;
  private lastReadMs = 0;
  private local: Local[] = [];
  private readonly decided = new Map<string, number>();
  private readonly freshMs: number;
  private readonly staleMs: number;
  private readonly decidedMs: number;
  private readonly now: () => number;

  constructor(private readonly store: Pick<Store, 'reviewQueue' | 'reviewAssignments'>, assignments: Pick<AssignmentService, 'onChange'>, options: SnapshotOptions = {}) {
    this.freshMs = options.freshMs ?? 1000;
    this.staleMs = options.staleMs ?? 60_000;
    this.decidedMs = options.decidedMs ?? 30_000;
    this.now = options.now ?? Date.now;
    assignments.onChange((change) => this.note(change));
  }

  /** The queue: the snapshot while it is fresh, a stale one while a new read runs, else the new read. */
  async read(): Promise<QueueSnapshot> {
    const current = this.current;
    if (current) {
      const age = this.now() - current.readAt;
      if (age < Math.max(this.freshMs, 5 * this.lastReadMs)) return this.view(current);
      if (age < this.staleMs) {
        // A failed read leaves the old snapshot; the next read past `staleMs` waits for a new one and sees the error.
        this.reload().catch(() => undefined);
        return this.view(current);
      }
    }
    return this.view(await this.reload());
  }

  /** Reads the queue and the claims again; concurrent callers share one read. */
  private reload(): Promise<QueueSnapshot> {
    this.loading ??= (async () => {
      const readAt = this.now();
      const [entries, claims] = await Promise.all([
        this.store.reviewQueue.find({}).toArray(),
        this.store.reviewAssignments.find({}).toArray(),
      ]);
      entries.sort((a, b) => (queueOrder(a) < queueOrder(b) ? -1 : queueOrder(a) > queueOrder(b) ? 1 : 0));
      this.lastReadMs = this.now() - readAt;
      const next = { entries, claims: new Map(claims.map((c) => [c._id, c])), hidden: new Set<string>(), readAt };
      // What this process changed while the read ran may be missing from it: applied again.
      this.local = this.local.filter((l) => l.at >= readAt);
      for (const l of this.local) apply(next.claims, l.change);
      this.current = next;
      return next;
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private note(change: AssignmentChange): void {
    const at = this.now();
    if (change.kind === 'decided') this.decided.set(change.id, at + this.decidedMs);
    this.local.push({ at, change });
    if (this.current) apply(this.current.claims, change);
  }

  private view(snapshot: QueueSnapshot): QueueSnapshot {
    const now = this.now();
    for (const [id, until] of this.decided) if (until <= now) this.decided.delete(id);
    return { ...snapshot, hidden: new Set(this.decided.keys()) };
  }
}

function apply(claims: Map<string, AssignmentDoc>, change: AssignmentChange): void {
  if (change.kind === 'claimed') claims.set(change.doc._id, change.doc);
  else claims.delete(change.id);
}
