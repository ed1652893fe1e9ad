import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { openInput, readInput, type CsvMapping, type InputFormat, type InputItem } from './import-input';

/** What an import needs; the CLI (sluice.ts) reads it from the command line and the environment. */
export interface ImportOptions {
  /** A file, or `-` for stdin. */
  file: string;
  format: InputFormat;
  mapping?: CsvMapping;
  url: string;
  apiKey: string;
  source: string;
  collection: 'resources' | 'relationships';
  /** Operations per bulk. */
  batchSize: number;
  /** Bulks sent and not yet ended (answered, then every operation final) at once. */
  concurrency: number;
  checkpointFile: string;
  errorFile: string;
  /** Called with the counts as they change (the progress bar or the progress lines). */
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportProgress {
  /** Input lines (or JSON items) in all, when known (a file; not stdin). */
  total?: number;
  /** Lines read so far, of which operations sent in bulks accepted by the API. */
  read: number;
  sent: number;
  accepted: number;
  SUCCESS: number;
  FAILURE: number;
  CANCELLED: number;
  PENDING: number;
  /** Lines that gave no operation (not JSON, a CSV row that does not match the mapping). */
  invalid: number;
  /** Operations done per second in this run, and the seconds left at that rate. */
  rate: number;
  etaSeconds?: number;
  /** Bulks skipped because an earlier run sent them (resumed). */
  resumedBulks: number;
}

export interface ImportResult extends ImportProgress {
  seconds: number;
  errorFile: string;
}

/** A bulk of the import: which input lines its operations came from, and its task once the API accepted it. */
interface Batch {
  n: number;
  lines: number[];
  taskId?: string;
  /** Its final counts once every operation ended, and its failures written to the error report. */
  done?: { SUCCESS: number; FAILURE: number; CANCELLED: number };
}

/**
 * The checkpoint: the import's id (its bulks' Idempotency-Keys are `{id}-{n}`), how the input is cut into bulks, and the
 * bulks the API accepted. A run that finds it skips those bulks; a bulk sent and not recorded (the importer died
 * between the two) is sent again with the same key, and the API answers with the bulk it accepted, so no operation is
 * sent twice.
 */
interface Checkpoint {
  importId: string;
  input: { file: string; size?: number; mtimeMs?: number; source: string; collection: string; batchSize: number };
  bulks: Record<string, { taskId: string; first: number; last: number; done?: Batch['done'] }>;
}

function loadCheckpoint(opts: ImportOptions): Checkpoint {
  const stat = opts.file === '-' ? undefined : statSync(opts.file);
  const input = { file: opts.file, ...(stat ? { size: stat.size, mtimeMs: stat.mtimeMs } : {}), source: opts.source, collection: opts.collection, batchSize: opts.batchSize };
  if (existsSync(opts.checkpointFile)) {
    const saved = JSON.parse(readFileSync(opts.checkpointFile, 'utf8')) as Checkpoint;
    const same = JSON.stringify(saved.input) === JSON.stringify(input);
    if (!same) throw new Error(`the checkpoint ${opts.checkpointFile} is of another input (${JSON.stringify(saved.input)}); remove it to start over`);
    return saved;
  }
  return { importId: randomUUID(), input, bulks: {} };
}

function saveCheckpoint(file: string, cp: Checkpoint): void {
  // Written whole to a temporary file, then renamed: a crash leaves the old checkpoint or the new one, never half.
  writeFileSync(`${file}.tmp`, JSON.stringify(cp));
  renameSync(`${file}.tmp`, file);
}

/** Lines in a file, counted without parsing (for the progress bar's total); undefined for stdin. */
async function countLines(file: string): Promise<number | undefined> {
  if (file === '-') return undefined;
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    if (chunk.length) last = chunk[chunk.length - 1] as number;
  }
  return last === 10 ? lines : lines + 1;
}

class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly retriable: boolean) {
    super(message);
  }
}

/**
 * Streams a file into bulks: reads it once, in order, cuts its operations into bulks of `batchSize`, sends up to
 * `concurrency` at a time as NDJSON with an Idempotency-Key each, follows their tasks, and writes one error report line
 * per input line that did not end SUCCESS. Resumes from its checkpoint.
 */
export async function runImport(opts: ImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const cp = loadCheckpoint(opts);
  const resumed = Object.keys(cp.bulks).length > 0;
  if (!resumed) writeFileSync(opts.errorFile, '');
  const progress: ImportProgress = { read: 0, sent: 0, accepted: 0, SUCCESS: 0, FAILURE: 0, CANCELLED: 0, PENDING: 0, invalid: 0, rate: 0, resumedBulks: 0 };
  const total = opts.format === 'json' ? undefined : await countLines(opts.file);
  if (total !== undefined) progress.total = total;
  const doneThisRun = { count: 0 };
  const report = (): void => {
    const seconds = (Date.now() - started) / 1000;
    progress.rate = seconds > 0 ? Math.round(doneThisRun.count / seconds) : 0;
    const left = progress.total !== undefined ? progress.total - progress.invalid - progress.SUCCESS - progress.FAILURE - progress.CANCELLED : undefined;
    if (left !== undefined && progress.rate > 0) progress.etaSeconds = Math.max(0, Math.round(left / progress.rate));
    opts.onProgress?.({ ...progress });
  };
  const errors = new Map<number, string>();
  const writeError = (entry: Record<string, unknown> & { line: number }): void => {
    const text = JSON.stringify(entry);
    if (errors.get(entry.line) === text) return;
    errors.set(entry.line, text);
    appendFileSync(opts.errorFile, `${text}\n`);
  };

  const inFlight = new Set<Promise<void>>();
  const following: Batch[] = [];
  let failure: unknown;
  const send = async (batch: Batch, ops: Record<string, unknown>[]): Promise<void> => {
    const body = ops.map((op) => JSON.stringify(op)).join('\n');
    const answer = await withRetries(() => api<{ taskId: string }>(opts, 'POST', `/${opts.collection}/bulk`, body, { 'content-type': 'application/x-ndjson', 'idempotency-key': `${cp.importId}-${batch.n}` }));
    batch.taskId = answer.taskId;
    cp.bulks[batch.n] = { taskId: answer.taskId, first: batch.lines[0] as number, last: batch.lines[batch.lines.length - 1] as number };
    saveCheckpoint(opts.checkpointFile, cp);
    progress.accepted += ops.length;
    progress.PENDING += ops.length;
    following.push(batch);
    report();
  };
  let reading = true;
  const follower = followTasks(opts, following, () => inFlight.size === 0 && !reading, (batch, counts, failures) => {
    progress.PENDING -= batch.lines.length;
    progress.SUCCESS += counts.SUCCESS;
    progress.FAILURE += counts.FAILURE;
    progress.CANCELLED += counts.CANCELLED;
    doneThisRun.count += batch.lines.length;
    for (const f of failures) writeError({ line: batch.lines[f.index] as number, status: f.status, ...(f.error ? { error: f.error } : {}), id: f.id, type: f.type, taskId: batch.taskId });
    batch.done = counts;
    (cp.bulks[batch.n] as Checkpoint['bulks'][string]).done = counts;
    saveCheckpoint(opts.checkpointFile, cp);
    report();
  }).catch((err: unknown) => {
    failure ??= err;
  });

  const ticker = setInterval(report, 1000);
  try {
    let batch: Batch = { n: 0, lines: [] };
    let ops: Record<string, unknown>[] = [];
    const flush = async (): Promise<void> => {
      if (batch.lines.length === 0) return;
      const full = batch;
      const fullOps = ops;
      batch = { n: full.n + 1, lines: [] };
      ops = [];
      const known = cp.bulks[full.n];
      if (known) {
        // Sent by an earlier run: followed again unless its outcome is recorded already.
        progress.resumedBulks++;
        progress.accepted += full.lines.length;
        full.taskId = known.taskId;
        if (known.done) {
          progress.SUCCESS += known.done.SUCCESS;
          progress.FAILURE += known.done.FAILURE;
          progress.CANCELLED += known.done.CANCELLED;
        } else {
          progress.PENDING += full.lines.length;
          following.push(full);
        }
        return;
      }
      // Paced by the API: a bulk is sent once fewer than `concurrency` are on their way or still running.
      while (inFlight.size + following.length >= opts.concurrency && !failure) await sleep(50);
      if (failure) throw failure;
      progress.sent += fullOps.length;
      const p: Promise<void> = send(full, fullOps).catch((err: unknown) => {
        failure ??= err;
      }).finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    for await (const item of readInput(openInput(opts.file), opts.format, opts.collection, opts.mapping) as AsyncIterable<InputItem>) {
      progress.read = item.line;
      if ('error' in item) {
        progress.invalid++;
        writeError({ line: item.line, status: 'INVALID', error: { message: item.error } });
        continue;
      }
      batch.lines.push(item.line);
      ops.push(item.op);
      if (ops.length >= opts.batchSize) await flush();
      if (failure) throw failure;
    }
    await flush();
    await Promise.all(inFlight);
    if (failure) throw failure;
  } finally {
    reading = false;
  }
  try {
    await follower;
  } finally {
    clearInterval(ticker);
  }
  if (failure) throw failure;
  report();
  // The report, sorted by line (an earlier run's lines come first, then this run's, in the order their bulks ended).
  const lines = readFileSync(opts.errorFile, 'utf8').split('\n').filter(Boolean);
  const unique = [...new Map(lines.map((l) => [(JSON.parse(l) as { line: number }).line, l])).entries()].sort((a, b) => a[0] - b[0]).map(([, l]) => l);
  writeFileSync(opts.errorFile, unique.length ? `${unique.join('\n')}\n` : '');
  return { ...progress, seconds: Math.round((Date.now() - started) / 100) / 10, errorFile: opts.errorFile };
}

type Failure = { index: number; status: string; id: string; type: string; error?: unknown };

/**
 * Polls the tasks of the bulks being followed until each has ended, in the order they were sent; for each, reads the
 * receipts that did not end SUCCESS. Resolves once reading is over and every bulk has ended.
 */
async function followTasks(opts: ImportOptions, following: Batch[], finished: () => boolean, ended: (b: Batch, counts: NonNullable<Batch['done']>, failures: Failure[]) => void): Promise<void> {
  for (;;) {
    const batch = following[0];
    if (!batch) {
      if (finished()) return;
      await sleep(100);
      continue;
    }
    const task = await withRetries(() => api<{ status: string; counts: Record<string, number> }>(opts, 'GET', `/tasks/${batch.taskId}`));
    if ((task.counts.PENDING ?? 0) > 0) {
      await sleep(500);
      continue;
    }
    const failures: Failure[] = [];
    if ((task.counts.FAILURE ?? 0) + (task.counts.CANCELLED ?? 0) > 0) {
      let cursor: string | undefined;
      do {
        const page = await withRetries(() => api<{ receipts: { index?: number; status: string; id: string; type: string; error?: unknown }[]; nextCursor?: string }>(
          opts, 'GET', `/tasks/${batch.taskId}?withReceipts=true&perPage=1000${cursor ? `&cursor=${cursor}` : ''}`));
        page.receipts.forEach((r, i) => {
          if (r.status !== 'SUCCESS') failures.push({ index: r.index ?? i, status: r.status, id: r.id, type: r.type, ...(r.error ? { error: r.error } : {}) });
        });
        cursor = page.nextCursor;
      } while (cursor);
    }
    following.shift();
    ended(batch, { SUCCESS: task.counts.SUCCESS ?? 0, FAILURE: task.counts.FAILURE ?? 0, CANCELLED: task.counts.CANCELLED ?? 0 }, failures);
  }
}

async function api<T>(opts: ImportOptions, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${opts.url.replace(/\/$/, '')}/sources/${encodeURIComponent(opts.source)}/v1${path}`, {
      method, headers: { 'x-api-key': opts.apiKey, ...headers }, ...(body !== undefined ? { body } : {}),
    });
  } catch (err) {
    throw new ApiError(`${method} ${path}: ${(err as Error).message}`, 0, true);
  }
  const text = await res.text();
  if (!res.ok) {
    // Temporal or the database away (503), a key still arriving (409), too busy (429): tried again; anything else is fatal.
    throw new ApiError(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`, res.status, res.status === 503 || res.status === 409 || res.status === 429 || res.status >= 500);
  }
  return JSON.parse(text) as T;
}

/** Tries again with a growing pause while the API is away or busy, for up to about five minutes. */
async function withRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ApiError) || !err.retriable || attempt >= 30) throw err;
      await sleep(Math.min(10_000, 250 * 2 ** attempt));
    }
  }
}
