import { createHash } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { HistoryBatchDoc, HistoryDoc } from './documents';
import { packJson, unpackJson } from './packed';

/**
 * The JSON of a batch's items with each item's payload (already JSON) spliced in as it is: one pass over the records
 * instead of a second encoding of every payload as a string.
 */
function itemsJson(items: HistoryDoc[]): string {
  return `[${items.map(({ payload, ...rest }) => `${JSON.stringify(rest).slice(0, -1)},"payload":${payload}}`).join(',')}]`;
}

/**
 * Stores many history items as one document (far cheaper on FerretDB than one document each), named by its items:
 * the same batch written again (a retried write) is a duplicate and is left as it was.
 */
export async function insertHistoryBatch(collection: Collection<HistoryBatchDoc>, items: HistoryDoc[]): Promise<void> {
  if (items.length === 0) return;
  const _id = `hb/${createHash('sha256').update(items.map((i) => i._id).sort().join('\n')).digest('hex').slice(0, 40)}`;
  try {
    await collection.insertOne({
      _id, source: items[0]?.source ?? '', records: [...new Set(items.map((i) => i.record))], items: await packJson(itemsJson(items)), createdAt: new Date().toISOString(),
    });
  } catch (err) {
    if ((err as { code?: unknown }).code !== 11000) throw err;
  }
}

/** The items of a batch document (payloads written before the splice are strings already). */
export async function historyBatchItems(batch: HistoryBatchDoc): Promise<HistoryDoc[]> {
  const items = await unpackJson<(Omit<HistoryDoc, 'payload'> & { payload: unknown })[]>(batch.items);
  return items.map((i) => ({ ...i, payload: typeof i.payload === 'string' ? i.payload : JSON.stringify(i.payload) }));
}
