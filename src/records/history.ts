import { createHash } from 'node:crypto';
import { BoundedCache } from '../bounded-cache';
import KSUID from 'ksuid';
import type { ClientSession } from 'mongodb';
import type { TargetType } from '../domain';
import { SYSTEM_ACTOR, type Actor } from './actor';
import { isDuplicateKey, type Store } from '../store/db';
import type { HistoryDoc, HistoryEntryDoc, RelationshipDoc, ResourceDoc } from '../store/documents';
import { historyBatchItems, insertHistoryBatch } from '../store/history-batches';

/** What a write records in the record's history besides the record: the action, its task and who asked. */
export type HistoryEntry = HistoryEntryDoc;

/**
 * The key of a write in its record's history: a hash of the record and the writing operation, the same on every
 * attempt of that write, so a retried write finds its item (whatever the time of the attempt).
 */
function writeKey(recordId: string, writeId: string): Buffer {
  return createHash('sha256').update(`${recordId}\u0000${writeId}`).digest().subarray(0, 16);
}

/** The `_id` of a history item from its operation id, or undefined when the id is not one Sluice made. */
export function historyIdOf(targetType: TargetType, recordId: string, operationId: string): string | undefined {
  if (!/^[0-9A-Za-z]{27}$/.test(operationId)) return undefined;
  try {
    return `${historyPrefix(targetType, recordId)}${KSUID.parse(operationId).payload.toString('hex')}`;
  } catch {
    return undefined;
  }
}

/** The `_id` of the history item that the write `writeId` of a record leaves (the same on every attempt). */
export function historyItemId(targetType: TargetType, recordDocId: string, writeId: string): string {
  return `${historyPrefix(targetType, recordDocId)}${writeKey(recordDocId, writeId).toString('hex')}`;
}

/** The `_id` prefix of a record's history items: `{targetType}/{source}/{type}/{id}/`. */
export function historyPrefix(targetType: TargetType, recordDocId: string): string {
  return `${targetType === 'RESOURCE' ? 'r' : 'l'}/${recordDocId}/`;
}

type Stored = ResourceDoc | RelationshipDoc;

/** The history item of one applied operation: the record as written (as it was, for a DELETE). */
export function historyItem(targetType: TargetType, record: Stored, entry: HistoryEntry, writeId: string, at: string): HistoryDoc {
  // The operation id: a KSUID of the write's time whose payload is the write's key (K-sortable by time).
  const key = writeKey(record._id, writeId);
  const operationId = KSUID.fromParts(Date.parse(at), key).string;
  const { _id, lastWrite: _w, lastWriteAt: _a, createdBy: _c, lastEntry: _e, ...payload } = record as Stored & { createdBy?: string };
  return {
    _id: historyItemId(targetType, _id, writeId),
    record: _id, targetType, source: record.source, type: record.type, id: record.id,
    operationId, taskId: entry.taskId, timestamp: at, action: entry.action, userInfo: entry.userInfo,
    payload: JSON.stringify(payload),
  };
}

/** The authors of bulk tasks (immutable once the task exists), per store. */
const taskAuthors = new WeakMap<Store, BoundedCache<Promise<Actor>>>();

/** Who sent a bulk task: its `userInfo` (SYSTEM_ACTOR for a task without one), read once per task and kept. */
function taskAuthor(store: Store, taskId: string): Promise<Actor> {
  let cache = taskAuthors.get(store);
  if (!cache) taskAuthors.set(store, (cache = new BoundedCache<Promise<Actor>>(1000)));
  const known = cache.lookup(taskId);
  if (known) return known;
  const read = store.tasks.findOne({ _id: taskId }, { projection: { userInfo: 1 } }).then((t) => t?.userInfo ?? SYSTEM_ACTOR);
  // A failed read is not kept: the next write asks again.
  read.catch(() => {
    if (cache.lookup(taskId) === read) cache.drop(taskId);
  });
  return cache.store(taskId, read);
}

/**
 * The entry of a stored version's write. A writer stores it with the record (`lastEntry`), except a bulk's batched
 * CREATE: every record of the batch would carry the same entry, so it carries only `createdBy` (`{taskId}:{seq}`),
 * and the entry is that task's CREATE, by the task's author. Undefined for a version written before entries were
 * kept (its item is stored already).
 */
async function entryOf(store: Store, record: Stored): Promise<HistoryEntry | undefined> {
  if (record.lastEntry) return JSON.parse(record.lastEntry) as HistoryEntry;
  const createdBy = (record as ResourceDoc).createdBy;
  if (record.lastWrite !== undefined || createdBy === undefined || !createdBy.includes(':')) return undefined;
  const taskId = createdBy.slice(0, createdBy.lastIndexOf(':'));
  return { action: 'CREATE', taskId, userInfo: await taskAuthor(store, taskId) };
}

/**
 * The history item of a stored version, from the version itself (no second document), which whoever replaces or
 * deletes the version stores first (itemsBeforeReplacing).
 */
export async function currentItem(store: Store, targetType: TargetType, record: Stored): Promise<HistoryDoc | undefined> {
  const writeId = record.lastWrite ?? (record as ResourceDoc).createdBy;
  if (writeId === undefined) return undefined;
  const entry = await entryOf(store, record);
  return entry && historyItem(targetType, record, entry, writeId, record.lastWriteAt ?? record.meta.updatedAt);
}

/** The items of stored versions about to be replaced or deleted: each version's own item, which must outlive it. */
export async function itemsBeforeReplacing(store: Store, targetType: TargetType, records: Stored[]): Promise<HistoryDoc[]> {
  return (await Promise.all(records.map((r) => currentItem(store, targetType, r)))).flatMap((i) => i ?? []);
}

/**
 * Stores history items; an item already there (a retried write) is left as it was, so a write records once. Inside a
 * transaction (a bundle on a replica set) the items commit with the records.
 */
export async function recordHistory(store: Store, items: HistoryDoc[], session?: ClientSession): Promise<void> {
  if (items.length === 0) return;
  if (session) {
    for (const item of items) {
      // In a transaction a duplicate would abort it: look first (the transaction's snapshot sees its own writes).
      if (!(await store.history.findOne({ _id: item._id }, { session, projection: { _id: 1 } }))) await store.history.insertOne(item, { session });
    }
    return;
  }
  if (items.length === 1) {
    // Group-committed with the other single writes of the moment, as one batch document (src/store/db.ts).
    try {
      await store.inserts.history.insert(items[0] as HistoryDoc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    return;
  }
  await insertHistoryBatch(store.historyBatches, items);
}

/**
 * Every history item of a record, oldest first: its single items, its items in batch documents and the stored
 * version's own, one per `_id` (the earliest, when a retried write was recorded twice in differently grouped batches).
 */
export async function readHistory(store: Store, targetType: TargetType, record: string): Promise<HistoryDoc[]> {
  const [singles, batches, stored] = await Promise.all([
    store.history.find({ record }).toArray(),
    store.historyBatches.find({ records: record }).toArray(),
    targetType === 'RESOURCE' ? store.resources.findOne({ _id: record }) : store.relationships.findOne({ _id: record }),
  ]);
  const byId = new Map<string, HistoryDoc>();
  const keep = (item: HistoryDoc): void => {
    const seen = byId.get(item._id);
    if (!seen || item.timestamp < seen.timestamp) byId.set(item._id, item);
  };
  singles.forEach(keep);
  for (const batch of batches) (await historyBatchItems(batch)).filter((i) => i.record === record).forEach(keep);
  const current = stored ? await currentItem(store, targetType, stored) : undefined;
  if (current) keep(current);
  return [...byId.values()].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.operationId < b.operationId ? -1 : a.operationId > b.operationId ? 1 : 0));
}
