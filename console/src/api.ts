// The console's only way to the server: Sluice's public HTTP API, with the signed-in key in the X-API-Key header (never
// in a URL). The shapes below are the API's answers the console reads (see /openapi.json).

export type Role = 'admin' | 'ingest' | 'review' | 'read';

export interface Reviewer {
  id: string;
  name: string;
  email?: string;
  roles: Role[];
  sources: string[];
  temporal: { uiUrl?: string; namespace: string };
}

export interface Assignment {
  executionId: string;
  source: string;
  by: { id: string; name: string; email?: string };
  at: string;
}

export interface QueueItem {
  id: string;
  source: string;
  targetType: 'RESOURCE' | 'RELATIONSHIP';
  type: string;
  recordId: string;
  action: 'CREATE' | 'UPSERT' | 'UPDATE' | 'DELETE';
  pipelineDefinitionId: string;
  taskId: string;
  stepIndex: number;
  stepType: string;
  bundleId?: string;
  createdAt: string;
  reviewSince: string;
  timeoutAt?: string;
  onTimeout?: 'APPROVE' | 'REJECT';
  assignment?: Assignment;
}

export interface QueueCounts {
  total: number;
  sources: Record<string, number>;
  types: Record<string, number>;
  pipelines: Record<string, number>;
  claimedBy: { anyone: number; me: number; nobody: number; others: number };
  olderThan: Record<string, number>;
}

export interface Decision {
  id: string;
  action: 'APPROVE' | 'REJECT';
  description?: string;
  author: { id: string; email?: string };
  actedAt: string;
}

export interface ExecutionStep {
  type: string;
  status: string;
  processedAt?: string;
  decision?: Decision;
  issues?: { path?: string; message: string }[];
  error?: { message: string; details?: { path?: string; message: string }[] };
}

export interface OperationBody {
  data: Record<string, unknown>;
  contained?: Record<string, unknown>;
  meta?: Record<string, unknown>;
  from?: { id: string; type: string };
  to?: { id: string; type: string };
}

export interface Execution {
  id: string;
  pipelineDefinitionId: string;
  status: 'IN_PROGRESS' | 'IN_REVIEW' | 'SUCCESSFUL' | 'ERROR' | 'CANCELLED' | 'DROPPED';
  steps: ExecutionStep[];
  operation: { taskId: string; action: string; target: { id: string; targetType: string; type: string }; body?: OperationBody };
  processedOperation?: { body: OperationBody };
  createdAt: string;
  updatedAt: string;
}

export interface StoredRecord {
  id: string;
  type: string;
  data: Record<string, unknown>;
  contained?: Record<string, unknown>;
  from?: { id: string; type: string };
  to?: { id: string; type: string };
  meta: { versionId: string; updatedAt: string; createdAt: string };
}

export interface HistoryItem {
  operationId: string;
  taskId: string;
  timestamp: string;
  action: string;
  userInfo: { id: string; email?: string };
}

export interface PipelineDefinition {
  id: string;
  steps: { type: string; humanReview?: { instructions?: string; timeout?: string; onTimeout?: string }; validator?: { rules: { name: string; message: string }[] } }[];
}

/** An error answer of the API: `{code, type, message, details}`, or a transport failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly details: { path?: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** Calls the API with the key; JSON in and out. */
export async function call<T>(key: string, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { 'x-api-key': key, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'UNAVAILABLE', 'the Sluice API cannot be reached');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json ?? {}) as { type?: string; message?: string; details?: { path?: string; message: string }[] };
    throw new ApiError(res.status, e.type ?? 'UNKNOWN', e.message ?? `HTTP ${res.status}`, e.details ?? []);
  }
  return json as T;
}

/** `GET` that answers undefined on a 404 (a record not stored yet, an execution nobody claims). */
export async function getOrNone<T>(key: string, path: string): Promise<T | undefined> {
  try {
    return await call<T>(key, 'GET', path);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

export const enc = encodeURIComponent;

/** The path of an execution of a source. */
export function executionPath(source: string, id: string): string {
  return `/sources/${enc(source)}/v1/pipelines/executions/${enc(id)}`;
}

/** The path of the record an execution targets. */
export function recordPath(item: Pick<QueueItem, 'source' | 'targetType' | 'type' | 'recordId'>): string {
  const kind = item.targetType === 'RELATIONSHIP' ? 'relationships' : 'resources';
  return `/sources/${enc(item.source)}/v1/${kind}/${enc(item.type)}/${enc(item.recordId)}`;
}

/** The path of a record's version history. */
export function historyPath(item: Pick<QueueItem, 'source' | 'targetType' | 'type' | 'recordId'>): string {
  const kind = item.targetType === 'RELATIONSHIP' ? 'relationships' : 'resources';
  return `/sources/${enc(item.source)}/v1/history/${kind}/${enc(item.type)}/${enc(item.recordId)}/operations`;
}

/** Runs `task` on every item, at most `limit` at a time (bulk decisions: the API gets one request per item). */
export async function eachLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await task(items[i]!) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
