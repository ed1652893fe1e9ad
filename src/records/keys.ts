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

/** The lock of a record's synchronous writers (src/store/record-lock.ts), by its `_id`. */
export function lockKey(targetType: TargetType, _id: string): string {
  return targetType === 'RESOURCE' ? _id : `rel:${_id}`;
}
