import type { Collection, Document, Filter } from 'mongodb';
import { invalid } from '../errors';

/** Opaque list cursors: the last key of the previous page, base64url-encoded. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** Decodes a list cursor; 400 when it is not one of ours. */
export function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[\w.:/-]{1,400}$/.test(key)) throw invalid('invalid cursor', [{ path: 'cursor', message: 'not a cursor returned by this API' }]);
  return key;
}

/**
 * One page of `filter` ordered by the string field `by` (an indexed key), starting after the cursor; the
 * next cursor is set only when more documents follow.
 */
export async function pageBy<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T>,
  by: keyof T & string,
  perPage: number,
  cursor?: string,
): Promise<{ page: T[]; nextCursor?: string }> {
  const after = cursor ? decodeCursor(cursor) : undefined;
  const query = (after !== undefined ? { ...filter, [by]: { $gt: after } } : filter) as Filter<T>;
  const docs = (await collection.find(query).sort({ [by]: 1 }).limit(perPage + 1).toArray()) as T[];
  const page = docs.slice(0, perPage);
  const last = page[page.length - 1];
  return { page, ...(docs.length > perPage && last ? { nextCursor: encodeCursor(String(last[by])) } : {}) };
}
