import { SluiceError } from '../errors';
import type { MetaInput } from '../schemas/records';
import { isDuplicateKey, type Store } from '../store/db';
import type { ContainedMap, RecordMeta, RelationshipDoc, ResourceDoc } from '../store/documents';

/** Metadata of a record's first version: client timestamps on create (historical import), else now. */
export function firstMeta(source: string, meta: MetaInput | undefined, at: string): RecordMeta {
  const createdAt = meta?.createdAt ?? at;
  return { createdAt, updatedAt: meta?.updatedAt ?? (meta?.createdAt ? createdAt : at), identifier: meta?.identifier ?? [], source, versionId: '1' };
}

/** Metadata of the next version: the system sets the timestamps; identifiers are replaced only when given. */
export function nextMeta(current: RecordMeta, identifier: RecordMeta['identifier'] | undefined, at: string): RecordMeta {
  return { ...current, identifier: identifier ?? current.identifier, updatedAt: at, versionId: String(Number(current.versionId) + 1) };
}

export interface ResourceWrite {
  source: string;
  type: string;
  id: string;
  data: Record<string, unknown>;
  contained: ContainedMap;
  meta?: MetaInput;
  /** The operation writing (task or execution id): a retry of the same write finds it and does nothing. */
  writeId: string;
  at: string;
}

/**
 * Writes a resource version given the version read under the record's lock: insert when there was none,
 * else a replace of that version. Both the synchronous path and the pipeline commit use it.
 */
export async function writeResource(store: Store, current: ResourceDoc | null, w: ResourceWrite): Promise<{ doc: ResourceDoc; created: boolean }> {
  if (current?.lastWrite === w.writeId) return { doc: current, created: current.meta.versionId === '1' };
  if (!current) {
    const doc: ResourceDoc = { _id: `${w.source}/${w.type}/${w.id}`, source: w.source, type: w.type, id: w.id, data: w.data, contained: w.contained, meta: firstMeta(w.source, w.meta, w.at), lastWrite: w.writeId };
    try {
      await store.inserts.resources.insert(doc);
    } catch (err) {
      if (isDuplicateKey(err)) throw new SluiceError('ALREADY_EXISTS', `resource ${w.type}/${w.id} already exists`);
      throw err;
    }
    return { doc, created: true };
  }
  const doc: ResourceDoc = { ...current, data: w.data, contained: w.contained, meta: nextMeta(current.meta, w.meta?.identifier, w.at), lastWrite: w.writeId };
  // By `_id` alone: every writer of a record holds its lock (RecordLocks), so `current` is the stored version;
  // a filter on anything more would make FerretDB on SQLite read the whole collection.
  const res = await store.resources.replaceOne({ _id: current._id }, doc);
  if (res.matchedCount !== 1) throw new SluiceError('FAILED_PRECONDITION', `resource ${w.type}/${w.id} changed while it was being written; try again`);
  return { doc, created: false };
}

export interface RelationshipWrite {
  source: string;
  type: string;
  id: string;
  from: { id: string; type: string };
  to: { id: string; type: string };
  data: Record<string, unknown>;
  meta?: MetaInput;
  writeId: string;
  at: string;
}

/** The relationship counterpart of `writeResource`. */
export async function writeRelationship(store: Store, current: RelationshipDoc | null, w: RelationshipWrite): Promise<{ doc: RelationshipDoc; created: boolean }> {
  if (current?.lastWrite === w.writeId) return { doc: current, created: current.meta.versionId === '1' };
  if (!current) {
    const doc: RelationshipDoc = { _id: `${w.source}/${w.type}/${w.id}`, source: w.source, type: w.type, id: w.id, from: w.from, to: w.to, data: w.data, meta: firstMeta(w.source, w.meta, w.at), lastWrite: w.writeId };
    try {
      await store.inserts.relationships.insert(doc);
    } catch (err) {
      if (isDuplicateKey(err)) throw new SluiceError('ALREADY_EXISTS', `relationship ${w.type}/${w.id} already exists`);
      throw err;
    }
    return { doc, created: true };
  }
  const doc: RelationshipDoc = { ...current, data: w.data, meta: nextMeta(current.meta, w.meta?.identifier, w.at), lastWrite: w.writeId };
  // By `_id` alone, under the record's lock (see writeResource).
  const res = await store.relationships.replaceOne({ _id: current._id }, doc);
  if (res.matchedCount !== 1) throw new SluiceError('FAILED_PRECONDITION', `relationship ${w.type}/${w.id} changed while it was being written; try again`);
  return { doc, created: false };
}
