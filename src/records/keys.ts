import type { Collection, Filter } from 'mongodb';
import type { TargetType } from '../domain';

// Every key a record is known by, built in one place.

/** The `_id` of a stored record, resource or relationship: `{source}/{type}/{id}`, unique per source, type and id. */
export function documentId(source: string, type: string, id: string): string {
  return `${source}/${type}/${id}`;
}

/** The key of a record across the system: one record workflow and one active execution per key. */
export function recordKey(source: string, targetType: TargetType, type: string, id: string): string {
  return `${source}:${targetType}:${type}:${id}`;
}

/** The key of a record's head (record-order.ts), from its `_id`: a resource's and a relationship's never collide. */
export function headKey(targetType: TargetType, _id: string): string {
  return targetType === 'RESOURCE' ? _id : `rel:${_id}`;
}

/**
 * An id written as an identifier, `{system}:{value}:{use}` (docs: get a relationship, v1Identifier format): the last
 * two `:`-separated parts are the value and the use, the rest the system (a URI may hold `:`). Record ids never hold
 * `:`, so anything else is a record id (undefined here).
 */
export function parseIdentifierId(id: string): { system: string; value: string; use: string } | undefined {
  const parts = id.split(':');
  if (parts.length < 3) return undefined;
  const use = parts.pop() as string;
  const value = parts.pop() as string;
  const system = parts.join(':');
  return system !== '' && value !== '' && use !== '' ? { system, value, use } : undefined;
}

/**
 * The first record of `scope` whose `meta.identifier` holds one item with this system, value and use. FerretDB
 * answers `$elemMatch` on fields with "unknown operator", so each part is matched by a dotted path (any item), and a
 * candidate is kept only when one item holds all three.
 */
export async function findByIdentifier<D extends { meta: { identifier: ReadonlyArray<{ system?: string | undefined; value?: string | undefined; use?: string | undefined }> } }>(
  collection: Collection<D>,
  scope: Filter<D>,
  identifier: { system: string; value: string; use: string },
): Promise<D | null> {
  const filter = { ...scope, 'meta.identifier.system': identifier.system, 'meta.identifier.value': identifier.value, 'meta.identifier.use': identifier.use } as Filter<D>;
  const cursor = collection.find(filter);
  try {
    for await (const doc of cursor) {
      const found = doc as unknown as D;
      if (found.meta.identifier.some((i) => i.system === identifier.system && i.value === identifier.value && i.use === identifier.use)) return found;
    }
    return null;
  } finally {
    await cursor.close();
  }
}
