import type { MetaInput } from '../schemas/records';
import type { ClientSession } from 'mongodb';
import type { TargetType } from '../domain';
import { isDuplicateKey, type Store } from '../store/db';
import type { ContainedMap, RecordMeta, RelationshipDoc, ResourceDoc } from '../store/documents';
import { documentId } from './keys';
import { historyItem, itemsBeforeReplacing, recordHistory, type HistoryEntry } from './history';

/** Metadata of a record's first version: client timestamps on create (historical import), else now. */
export function firstMeta(source: string, meta: MetaInput | undefined, at: string): RecordMeta {
  const createdAt = meta?.createdAt ?? at;
  return { createdAt, updatedAt: meta?.updatedAt ?? (meta?.createdAt ? createdAt : at), identifier: meta?.identifier ?? [], source, versionId: '1' };
}

/** Metadata of the next version: the system sets the timestamps; identifiers are replaced only when given. */
export function nextMeta(current: RecordMeta, identifier: RecordMeta['identifier'] | undefined, at: string): RecordMeta {
  return { ...current, identifier: identifier ?? current.identifier, updatedAt: at, versionId: String(Number(current.versionId) + 1) };
}

/** One version of a record to write: a resource's data and contained items, or a relationship's ends and data. */
export type RecordWrite = {
  source: string;
  type: string;
  id: string;
  data: Record<string, unknown>;
  meta?: MetaInput;
  /** The operation writing (task, bulk/bundle operation or execution id): a retry of the same write finds it and does nothing. */
  writeId: string;
  at: string;
  /** The history item the write records with the record (version history). */
  history: HistoryEntry;
} & ({ targetType: 'RESOURCE'; contained: ContainedMap } | { targetType: 'RELATIONSHIP'; from: { id: string; type: string }; to: { id: string; type: string } });

export type StoredRecord = ResourceDoc | RelationshipDoc;

export interface WriteOptions {
  /** Inside a transaction (a bundle on a replica set). */
  session?: ClientSession;
  /**
   * The version the write was decided on (null: absent), when it was decided before `current` was read (a bundle's
   * intent): a record found at another version was written by a later request, and that write stands.
   */
  expectedVersion?: string | null;
  /** Work that follows the write (its receipt), done at the same time as its history item. */
  alongside?: () => Promise<unknown>;
}

/** What a write did: the version written, or a conflict (the record is no longer `current`: nothing was written). */
export type WriteResult<D> = { doc: D; created: boolean } | { conflict: true };

/** The stored record of `targetType` with this `_id`, or null. */
export async function readRecord(store: Store, targetType: TargetType, _id: string, session?: ClientSession): Promise<StoredRecord | null> {
  const opts = session ? { session } : {};
  return targetType === 'RESOURCE' ? store.resources.findOne({ _id }, opts) : store.relationships.findOne({ _id }, opts);
}

type DocOf<W extends RecordWrite> = W extends { targetType: 'RESOURCE' } ? ResourceDoc : RelationshipDoc;

/**
 * The one writer of a record version (the synchronous path, a bulk operation, the pipeline commit and the bundle):
 * given the version it was decided against (`current`, null: absent), inserts when there was none, else replaces that
 * version, conditionally: the insert fails on an existing `_id`, the replace matches only `current`'s version. Either
 * failure is a `conflict`: another writer wrote in between, nothing was written, and the caller decides again against
 * what is stored now. A record that already carries `writeId` has this write: nothing is written again.
 */
export async function writeRecord<W extends RecordWrite>(store: Store, current: DocOf<W> | null, w: W, opts: WriteOptions = {}): Promise<WriteResult<DocOf<W>>> {
  if (current?.lastWrite === w.writeId) {
    // Written by an earlier attempt: the version carries its history entry, unless an older writer stored it apart.
    const item = current.lastEntry ? undefined : historyItem(w.targetType, current, w.history, w.writeId, current.lastWriteAt ?? current.meta.updatedAt);
    await Promise.all([item ? recordHistory(store, [item], opts.session) : undefined, opts.alongside?.()]);
    return { doc: current, created: current.meta.versionId === '1' };
  }
  if (opts.expectedVersion !== undefined && (current?.meta.versionId ?? null) !== opts.expectedVersion) return { conflict: true };
  const session = opts.session ? { session: opts.session } : {};
  const meta = current ? nextMeta(current.meta, w.meta?.identifier, w.at) : firstMeta(w.source, w.meta, w.at);
  // The version is its own history item (lastEntry) until a later write replaces it: no second document.
  const base = { _id: documentId(w.source, w.type, w.id), source: w.source, type: w.type, id: w.id, data: w.data, meta, lastWrite: w.writeId, lastWriteAt: w.at, lastEntry: JSON.stringify(w.history) };
  const doc = (w.targetType === 'RESOURCE'
    ? { ...(current as ResourceDoc | null), ...base, contained: w.contained }
    : { ...(current as RelationshipDoc | null), ...base, from: w.from, to: w.to }) as DocOf<W>;
  if (!current) {
    try {
      if (w.targetType === 'RESOURCE') await (opts.session ? store.resources.insertOne(doc as ResourceDoc, session) : store.inserts.resources.insert(doc as ResourceDoc));
      else await (opts.session ? store.relationships.insertOne(doc as RelationshipDoc, session) : store.inserts.relationships.insert(doc as RelationshipDoc));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return { conflict: true };
    }
    await opts.alongside?.();
    return { doc, created: true };
  }
  // The version being replaced keeps its history item: stored first, so a crash in between loses nothing (a retry
  // finds it by its `_id`, and reads take one of the two copies).
  await recordHistory(store, await itemsBeforeReplacing(store, w.targetType, [current]), opts.session);
  // Conditional on the version decided against: atomic on MongoDB, and on FerretDB as Sluice builds it, which also
  // looks the `_id` up in its index (docs/ferretdb.md).
  const filter = { _id: current._id, 'meta.versionId': current.meta.versionId };
  const res = w.targetType === 'RESOURCE'
    ? await store.resources.replaceOne(filter, doc as ResourceDoc, session)
    : await store.relationships.replaceOne(filter, doc as RelationshipDoc, session);
  if (res.matchedCount !== 1) return { conflict: true };
  await opts.alongside?.();
  return { doc, created: false };
}

/**
 * The one deleter of a record: a resource goes with every relationship that points at it, those first, so a retry
 * after a crash in between finds the resource and finishes the job. Each deleted record gets a DELETE history item
 * (the relationships deleted with a resource too), holding the record as it was. The record's delete is conditional on
 * the version read: `conflict` when another writer wrote in between (the caller decides again).
 */
export async function deleteRecord(
  store: Store,
  target: { targetType: TargetType; source: string; type: string; id: string },
  history: { entry: HistoryEntry; writeId: string; at: string },
  opts: { session?: ClientSession } = {},
): Promise<'deleted' | 'absent' | 'conflict'> {
  const { source, type, id } = target;
  const _id = documentId(source, type, id);
  const session = opts.session ? { session: opts.session } : {};
  const entry = { ...history.entry, action: 'DELETE' as const };
  if (target.targetType === 'RELATIONSHIP') {
    const doc = await store.relationships.findOne({ _id }, session);
    if (!doc) return 'absent';
    await recordHistory(store, [...(await itemsBeforeReplacing(store, 'RELATIONSHIP', [doc])), historyItem('RELATIONSHIP', doc, entry, history.writeId, history.at)], opts.session);
    return (await store.relationships.deleteOne({ _id, 'meta.versionId': doc.meta.versionId }, session)).deletedCount === 1 ? 'deleted' : 'conflict';
  }
  const resource = await store.resources.findOne({ _id }, session);
  if (!resource) return 'absent';
  const attached = [
    ...(await store.relationships.find({ source, 'from.type': type, 'from.id': id }, session).toArray()),
    ...(await store.relationships.find({ source, 'to.type': type, 'to.id': id }, session).toArray()),
  ];
  const items = [
    ...(await itemsBeforeReplacing(store, 'RELATIONSHIP', attached)),
    ...attached.map((rel) => historyItem('RELATIONSHIP', rel, entry, history.writeId, history.at)),
    ...(await itemsBeforeReplacing(store, 'RESOURCE', [resource])),
    historyItem('RESOURCE', resource, entry, history.writeId, history.at),
  ];
  // History first: a crash after it leaves the record, and the retry finds it, deletes it and records nothing twice.
  await recordHistory(store, items, opts.session);
  await store.relationships.deleteMany({ source, 'from.type': type, 'from.id': id }, session);
  await store.relationships.deleteMany({ source, 'to.type': type, 'to.id': id }, session);
  // Conditional on the version read, like every record write: a write in between makes it a conflict.
  return (await store.resources.deleteOne({ _id, 'meta.versionId': resource.meta.versionId }, session)).deletedCount === 1 ? 'deleted' : 'conflict';
}
