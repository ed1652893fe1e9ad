import KSUID from 'ksuid';

/** A new K-sortable 27-character base62 id (KSUID), as in the seeds' examples. */
export function newId(): string {
  return KSUID.randomSync().string;
}

export type TaskKind = 'SINGLE' | 'BULK' | 'BUNDLE' | 'PURGE';

const TASK_PREFIX: Record<TaskKind, string> = { SINGLE: 's_', BULK: 'bk_', BUNDLE: 'bd_', PURGE: 'pg_' };

/** A new task id with the prefix of its kind (`s_`, `bk_`, `bd_`, `pg_`). */
export function newTaskId(kind: TaskKind): string {
  return `${TASK_PREFIX[kind]}${newId()}`;
}

/** Client-supplied record ids of upserts and contained items. */
export const RECORD_ID_PATTERN = /^[a-zA-Z0-9-][\w-]{0,92}$/;
/** Ids a CREATE may name (docs: create a resource, `{1,92}`); an UPSERT may name a one-character id (the bundle guide's `"1"`). */
export const CREATE_ID_PATTERN = /^[a-zA-Z0-9-][\w-]{1,92}$/;
