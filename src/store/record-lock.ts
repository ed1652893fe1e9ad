import { randomBytes } from 'node:crypto';
import { SluiceError } from '../errors';
import type { Store } from './db';

const LEASE_MS = 15_000;
const WAIT_MS = 30_000;

/**
 * Runs short one-at-a-time jobs across processes (the check-and-record of a purge's start): inserting a lock document
 * keyed by the job is atomic everywhere. A lease expires so a crashed holder cannot block the job for more than
 * LEASE_MS, so what runs under it must be short and must not need fencing. Records are never locked: their writes are
 * fenced (src/records/write-path.ts).
 */
export class RecordLocks {
  constructor(private readonly store: Store, private readonly now: () => Date = () => new Date()) {}

  /** Runs `fn` while holding the lock of `key`; 409 FAILED_PRECONDITION when it cannot be had in time. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const locks = this.store.recordLocks;
    const token = randomBytes(12).toString('hex');
    const deadline = Date.now() + WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.inserts.recordLocks.insert({ _id: key, token, expiresAt: new Date(this.now().getTime() + LEASE_MS) });
        break;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
        // Waiters poll gently: every attempt costs the database a write (docs/ferretdb.md).
        if (attempt % 8 === 7) await locks.deleteOne({ _id: key, expiresAt: { $lt: this.now() } });
        if (Date.now() > deadline) throw new SluiceError('FAILED_PRECONDITION', `record ${key} is busy with other writes; try again`);
        await new Promise((r) => setTimeout(r, Math.min(250, 5 + attempt * 10) * (0.5 + Math.random())));
      }
    }
    try {
      return await fn();
    } finally {
      // A failed release (e.g. SQLITE_BUSY under load) must not turn a write that happened into an error:
      // the lease expires by itself.
      await locks.deleteOne({ _id: key, token }).catch(() => undefined);
    }
  }
}
