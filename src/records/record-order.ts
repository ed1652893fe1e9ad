import { isDuplicateKey, type Store } from '../store/db';
import type { HeadDoc } from '../store/documents';

// The order of the requests for one record, and the fence every writer of the record checks (docs/durability.md).
//
// Every request that may change a record takes an order stamp: a hybrid logical clock value (the wall clock in
// milliseconds and a counter) that sorts as a string. A request answered at once (a single write, a single write
// handed to a pipeline) takes a fresh stamp when it is decided; a request whose operations run later (a bulk, a
// bundle) takes one stamp when it is accepted, and each operation runs with it (plus its position).
//
// The record's head (`record_heads`, keyed like the record) holds the newest stamp that claimed the record and who
// holds it (a write id, an execution id, or `{taskId}:{seq}` of a bulk or bundle operation). A claim is a conditional
// write on the head: it succeeds only when the head's stamp is older. So:
// - a writer whose claim fails because the head is newer was overtaken: a bulk or bundle operation that has not run
//   yet when a newer request for its record was answered ends CANCELLED instead of writing;
// - a pipeline execution commits only while it still holds the head; a newer request has claimed the record
//   otherwise, and the execution ends CANCELLED however late its commit comes;
// - the record write itself is conditional on the version it was decided against (record-writes.ts), so a writer
//   that was overtaken between its check and its write writes nothing.

/** Stamps per millisecond before the counter carries into the next one. */
const COUNTER_DIGITS = 6;
const MS_DIGITS = 15;

/** Splits a stamp into its milliseconds and counter (a bulk operation's `/seq` suffix is ignored). */
function parse(stamp: string): { ms: number; n: number } {
  return { ms: Number(stamp.slice(0, MS_DIGITS)), n: Number(stamp.slice(MS_DIGITS + 1, MS_DIGITS + 1 + COUNTER_DIGITS)) };
}

function format(ms: number, n: number): string {
  return `${String(ms).padStart(MS_DIGITS, '0')}.${String(n).padStart(COUNTER_DIGITS, '0')}`;
}

/** The stamp of operation `seq` of a bulk or bundle accepted with `stamp`: after it, before any later stamp. */
export function operationStamp(stamp: string, seq: number): string {
  return `${stamp}/${String(seq).padStart(9, '0')}`;
}

/** A hybrid logical clock: each stamp is after the previous one of this process and after `after`. */
export class OrderClock {
  private last = { ms: 0, n: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  next(after?: string): string {
    let { ms, n } = this.last;
    const wall = this.now();
    if (wall > ms) {
      ms = wall;
      n = 0;
    } else {
      n++;
    }
    if (after) {
      const a = parse(after);
      if (a.ms > ms || (a.ms === ms && a.n >= n)) {
        ms = a.ms;
        n = a.n + 1;
      }
    }
    this.last = { ms, n };
    return format(ms, n);
  }
}

export type Claim = { claimed: true; stamp: string } | { claimed: false; head: HeadDoc };

const MAX_CLAIM_ATTEMPTS = 50;

/** Claims on records' heads: the order in which requests for a record were decided. */
export class RecordOrder {
  readonly clock: OrderClock;

  constructor(private readonly store: Store, now: () => number = Date.now) {
    this.clock = new OrderClock(now);
  }

  /** A stamp for a request decided now. */
  stamp(): string {
    return this.clock.next();
  }

  /**
   * Claims the record for a request decided now: its stamp is after every stamp that claimed the record before, so
   * this always succeeds (a concurrent claim makes it try again with a later stamp). `fresh`: the record is most
   * likely new, so its head is inserted first. `pending`: the holder is an execution that will write later.
   */
  async claimNow(key: string, holder: string, fresh = false, pending = false): Promise<string> {
    let after: string | undefined;
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const stamp = this.clock.next(after);
      const out = await this.claimAt(key, holder, stamp, fresh && attempt === 0, pending);
      if (out.claimed) return stamp;
      after = out.head.stamp;
    }
    throw new Error(`record ${key}: no claim after ${MAX_CLAIM_ATTEMPTS} attempts`);
  }

  /**
   * Claims the record with a given stamp (a bulk or bundle operation, decided when its request was accepted): fails,
   * returning the head, when a request with a newer stamp claimed it. A claim that `holder` made already holds.
   */
  async claimAt(key: string, holder: string, stamp: string, insertFirst = false, pending = false): Promise<Claim> {
    const heads = this.store.recordHeads;
    const head: HeadDoc = { _id: key, stamp, holder, ...(pending ? { pending: true } : {}) };
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      if (!(insertFirst && attempt === 0)) {
        // Conditional on the head being older: atomic on MongoDB, and on FerretDB as Sluice builds it (docs/ferretdb.md).
        const res = await heads.replaceOne({ _id: key, stamp: { $lt: stamp } }, head);
        if (res.matchedCount === 1) return { claimed: true, stamp };
          const found = await heads.findOne({ _id: key });
        if (found) {
          if (found.holder === holder && found.stamp === stamp) return { claimed: true, stamp };
          if (found.stamp >= stamp) return { claimed: false, head: found };
          continue;
        }
      }
      try {
        await heads.insertOne(head);
        return { claimed: true, stamp };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new Error(`record ${key}: no claim after ${MAX_CLAIM_ATTEMPTS} attempts`);
  }

  /** Whether `holder` still holds the record: no newer request claimed it since. */
  async holds(key: string, holder: string): Promise<boolean> {
    return (await this.head(key))?.holder === holder;
  }

  /** The record's head, null when no request ever claimed it. */
  async head(key: string): Promise<HeadDoc | null> {
    return this.store.recordHeads.findOne({ _id: key });
  }

  /** The heads of these records (those that have one), by key: one indexed read for a batch. */
  async heads(keys: string[]): Promise<Map<string, HeadDoc>> {
    if (!keys.length) return new Map();
    const docs = await this.store.recordHeads.find({ _id: { $in: keys } }).toArray();
    return new Map(docs.map((d) => [d._id, d]));
  }
}
