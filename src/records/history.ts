import { createHash } from 'node:crypto';
import KSUID from 'ksuid';
import type { ClientSession } from 'mongodb';
import type { Action, TargetType } from '../domain';
import { isDuplicateKey, type Store } from '../store/db';
import type { HistoryDoc, RelationshipDoc, ResourceDoc } from '../store/documents';
import { writeErrorsOf } from '../store/insert-batcher';
import { packJson } from '../store/packed';
import type { Actor } from './actor';

/** What a write records in the record's history besides the record: the action, its task and who asked. */
export interface HistoryEntry {
  action: Action;
  taskId: string;
  userInfo: Actor;
}

/**
 * The key of a write in its record's history: a hash of the record and the writing operation, the same on every
 * attempt of that write, so a retried write finds its item (whatever the time of the attempt).
 */
function writeKey(recordId: string, writeId: string): Buffer {
  return createHash('sha256').update(`${recordId}\u0000${writeId}`).digest().subarray(0, 16);
}

/** The operation id of a write: a KSUID of the write's time whose payload is the write's key (K-sortable by time). */
export function operationIdFor(at: string, recordId: string, writeId: string): string {
  return KSUID.fromParts(Date.parse(at), writeKey(recordId, writeId)).string;
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

/** The `_id` prefix of a record's history items: `{targetType}/{source}/{type}/{id}/`. */
export function historyPrefix(targetType: TargetType, recordDocId: string): string {
  return `${targetType === 'RESOURCE' ? 'r' : 'l'}/${recordDocId}/`;
}

type Stored = ResourceDoc | RelationshipDoc;

/** The history item of one applied operation: the record as written (as it was, for a DELETE). */
export async function historyItem(targetType: TargetType, record: Stored, entry: HistoryEntry, writeId: string, at: string): Promise<HistoryDoc> {
  const key = writeKey(record._id, writeId);
  const operationId = KSUID.fromParts(Date.parse(at), key).string;
  const { _id, lastWrite: _w, lastWriteAt: _a, createdBy: _c, ...payload } = record as Stored & { createdBy?: string };
  return {
    _id: `${historyPrefix(targetType, _id)}${key.toString('hex')}`,
    record: _id, targetType, source: record.source, type: record.type, id: record.id,
    operationId, taskId: entry.taskId, timestamp: at, action: entry.action, userInfo: entry.userInfo,
    payload: await packJson(JSON.stringify(payload)),
  };
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
    try {
      await store.inserts.history.insert(items[0] as HistoryDoc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    return;
  }
  try {
    await store.history.insertMany(items, { ordered: false });
  } catch (err) {
    const errors = writeErrorsOf(err);
    if (errors.length === 0 || errors.some((e) => !isDuplicateKey(e))) throw err;
  }
}
