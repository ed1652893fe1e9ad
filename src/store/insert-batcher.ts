import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';

interface Pending<T> {
  doc: OptionalUnlessRequiredId<T>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A failed insert of a batch, as the driver reports it (one entry per failed document). */
export interface WriteErrorLike {
  index: number;
  code?: number;
  errmsg?: string;
}

/** The per-document errors of a failed `insertMany` (the driver gives one object or a list); none for any other error. */
export function writeErrorsOf(err: unknown): WriteErrorLike[] {
  const list = (err as { writeErrors?: WriteErrorLike[] | WriteErrorLike }).writeErrors;
  return Array.isArray(list) ? list : list ? [list] : [];
}

/**
 * Group commit for single-document inserts: the first insert goes out at once, and every insert that comes
 * while a call is in flight waits for it and then goes out with the others in one `insertMany` (unordered).
 * Under load, N concurrent requests cost the database one call instead of N; alone, an insert waits for
 * nothing. Each caller gets its own document's outcome: a duplicate `_id` rejects with code 11000, like
 * `insertOne`; an error of the whole call rejects every document of that call.
 */
export class InsertBatcher<T extends Document> {
  private queue: Pending<T>[] = [];
  private sending = false;

  /**
   * `many` replaces the `insertMany` of a group of two or more (e.g. one packed document for the group): it resolves
   * when every document of the group is stored, and its rejection rejects them all.
   */
  constructor(
    private readonly collection: Collection<T>,
    private readonly maxBatch = 500,
    private readonly many?: (docs: OptionalUnlessRequiredId<T>[]) => Promise<void>,
  ) {}

  insert(doc: OptionalUnlessRequiredId<T>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ doc, resolve, reject });
      if (!this.sending) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length) await this.send(this.queue.splice(0, this.maxBatch));
    } finally {
      this.sending = false;
    }
  }

  private async send(batch: Pending<T>[]): Promise<void> {
    try {
      if (batch.length === 1) await this.collection.insertOne((batch[0] as Pending<T>).doc);
      else if (this.many) await this.many(batch.map((p) => p.doc));
      else await this.collection.insertMany(batch.map((p) => p.doc), { ordered: false });
      for (const p of batch) p.resolve();
    } catch (err) {
      const failed = new Map(writeErrorsOf(err).map((e) => [e.index, e]));
      if (batch.length === 1 || failed.size === 0) {
        for (const p of batch) p.reject(err);
        return;
      }
      batch.forEach((p, i) => {
        const e = failed.get(i);
        if (e) p.reject(Object.assign(new Error(e.errmsg ?? 'insert failed'), { code: e.code }));
        else p.resolve();
      });
    }
  }
}
