// Asynchronous single writes: N `POST /sources/demo/v1/resources/provider` that each trigger one NORMALIZER
// step (202 ACCEPTED, then the record's workflow runs it: steps and commit in one activity), until every execution is
// SUCCESSFUL; against N bare Temporal workflows of one no-op activity on the same server.
// Env: BENCH_PIPELINE_N (1000), BENCH_PIPELINE_CONCURRENCY (32), BENCH_WARMUP_N (20), BENCH_TIMEOUT_SECONDS
// (600), BENCH_PROFILE=1 profiles even when the target is met, BENCH_PROFILE_N (100) operations in the
// CPU-profiled pass, BENCH_PROFILE_SAMPLE (25) workflow histories read for the time breakdown.
import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { codecFromConfig, FAILURE_CONVERTER_PATH } from '../src/codec/data-converter';
import { recordKey } from '../src/records/keys';
import { recordWorkflowId } from '../workflows/messages';
import type { BareActivities, bareWorkflow } from './workflows/bare';
import {
  cpuCell, cpuMeter, cpuProfile, dbCalls, emit, intFromEnv, nowMs, pool, printTable, quietTemporalRuntime, round, runBench,
  lookupProbe, startSluice, stats, temporalWarnings, totalCalls, type CpuSplit, type Sluice, type Stats,
} from './support';

const BENCH = 'pipeline';
const TARGET = 1 / 2;
const PATH = '/sources/demo/v1/resources/provider';
const PIPELINE = { steps: [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true, case: 'title' }] } }] };
const RAW_NAME = '  dr   jane   DOE ';
const NORMALIZED_NAME = 'Dr Jane Doe';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

interface Run {
  ops: number;
  successful: number;
  seconds: number;
  opsPerSecond: number;
  /** Client-side latency of the request that hands the operation over (HTTP 202, or workflow start). */
  handOffMs: Stats;
  cpu: CpuSplit;
}

interface SluiceRun extends Run {
  /** Answers other than 202, by status. */
  refused: Record<string, number>;
  /** The accepted operations' executions, by final status. */
  executionOutcomes: Record<string, number>;
  /** Requests never sent because the timeout came first. */
  unsent: number;
  timedOut: boolean;
  taskIds: string[];
}

/**
 * Sends `ids.length` writes over HTTP (bounded) and waits until the workflow of every accepted one has
 * ended (then checks that every execution ended too). A request that is not answered 202 is counted, not retried; so is an execution that does not end
 * SUCCESSFUL. The rate counts successful operations only. At the timeout it stops sending and reports what
 * ended so far (`timedOut`), so the run still has figures.
 */
async function runSluice(sluice: Sluice, ids: string[], concurrency: number, timeoutMs: number, phase: string): Promise<SluiceRun> {
  const taskIds: string[] = [];
  const refused: Record<string, number> = {};
  const handOff: number[] = [];
  let answered = 0;
  let ended = 0;
  const cpu = cpuMeter();
  const started = nowMs();
  const progress = setInterval(() => emit(BENCH, 'progress', { phase, elapsedS: round((nowMs() - started) / 1000, 1), accepted: taskIds.length, refused: answered - taskIds.length, ended, of: ids.length }), 2000);
  try {
    let stop = false;
    let unsent = 0;
    // Like the bare side, the end of each operation is its workflow's completion: the record's workflow ends
    // right after the commit that made the execution SUCCESSFUL (checked exactly below).
    const results: Promise<void>[] = [];
    const sending = pool(ids.length, concurrency, async (i) => {
      if (stop) {
        unsent++;
        return;
      }
      const t0 = nowMs();
      const res = await sluice.request('POST', PATH, { id: ids[i], data: { name: RAW_NAME } }).catch((err: unknown) => ({ status: `${err}`, body: undefined }));
      handOff.push(nowMs() - t0);
      answered++;
      const body = res.body as { taskId?: string; status?: string } | undefined;
      if (res.status === 202 && body?.status === 'ACCEPTED' && body.taskId) {
        taskIds.push(body.taskId);
        const handle = sluice.client.workflow.getHandle(recordWorkflowId(recordKey('demo', 'RESOURCE', 'provider', ids[i] ?? '')));
        results.push(handle.result().then(() => void ended++, () => void ended++));
      } else refused[String(res.status)] = (refused[String(res.status)] ?? 0) + 1;
    });
    let timedOut = false;
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([
      sending.then(() => Promise.all(results)),
      new Promise<void>((resolve) => {
        deadline = setTimeout(() => {
          timedOut = stop = true;
          emit(BENCH, 'timeout', { phase, afterS: timeoutMs / 1000, accepted: taskIds.length, refused: answered - taskIds.length, ended });
          resolve();
        }, timeoutMs);
      }),
    ]);
    clearTimeout(deadline);
    const seconds = (nowMs() - started) / 1000;
    const split = cpu.stop();
    const outcome = await outcomes(sluice, taskIds);
    const successful = outcome.SUCCESSFUL ?? 0;
    if (!timedOut && (await endedOf(sluice, taskIds)) !== taskIds.length) throw new Error('a record workflow ended before its execution did');
    return {
      ops: ids.length, successful, refused, executionOutcomes: outcome, unsent, timedOut, seconds: round(seconds), opsPerSecond: round(successful / seconds, 1),
      handOffMs: stats(handOff), cpu: split, taskIds,
    };
  } finally {
    clearInterval(progress);
  }
}

const TERMINAL = ['SUCCESSFUL', 'ERROR', 'CANCELLED', 'DROPPED'] as const;

/** How many of these tasks' executions have ended. */
async function endedOf(sluice: Sluice, taskIds: string[]): Promise<number> {
  const res = await sluice.store.db.command({ count: 'executions', query: { 'operation.taskId': { $in: taskIds }, status: { $in: [...TERMINAL] } } });
  return Number((res as { n?: number }).n ?? 0);
}

/** These tasks' executions per final status. */
async function outcomes(sluice: Sluice, taskIds: string[]): Promise<Record<string, number>> {
  const docs = await sluice.store.db.collection('executions').find({ 'operation.taskId': { $in: taskIds } }, { projection: { status: 1 } }).toArray();
  const out: Record<string, number> = {};
  for (const d of docs) out[String(d.status)] = (out[String(d.status)] ?? 0) + 1;
  return out;
}

/** Starts `ids.length` bare workflows (bounded) and waits for every result. */
async function runBare(sluice: Sluice, taskQueue: string, ids: string[], concurrency: number, phase: string): Promise<Run> {
  const handOff: number[] = [];
  const results: Promise<void>[] = [];
  let finished = 0;
  const cpu = cpuMeter();
  const started = nowMs();
  const progress = setInterval(() => emit(BENCH, 'progress', { phase, elapsedS: round((nowMs() - started) / 1000, 1), started: results.length, completed: finished, of: ids.length }), 2000);
  try {
    await pool(ids.length, concurrency, async (i) => {
      const t0 = nowMs();
      const handle = await sluice.client.workflow.start<typeof bareWorkflow>('bareWorkflow', { workflowId: ids[i] ?? '', taskQueue });
      handOff.push(nowMs() - t0);
      results.push(handle.result().then(() => void finished++));
    });
    await Promise.all(results);
    const seconds = (nowMs() - started) / 1000;
    return { ops: ids.length, successful: ids.length, seconds: round(seconds), opsPerSecond: round(ids.length / seconds, 1), handOffMs: stats(handOff), cpu: cpu.stop() };
  } finally {
    clearInterval(progress);
  }
}

/** Evenly spaced picks from a list. */
function sample<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)] as T);
}

/**
 * Where a workflow's time goes, from its history: each workflow task and activity split into queue wait
 * (scheduled → started: a worker slot or poll) and run (started → completed), child starts, and the whole.
 */
function breakdown(prefix: string, histories: History[], into: Map<string, number[]>): void {
  const add = (label: string, ms: number): void => {
    const key = `${prefix} ${label}`;
    into.set(key, [...(into.get(key) ?? []), ms]);
  };
  for (const h of histories) {
    const events = h.events ?? [];
    const at = new Map<string, number>();
    const activityName = new Map<string, string>();
    const time = (e: (typeof events)[number]): number => tsToMs(e.eventTime) ?? 0;
    const first = events[0];
    const last = events[events.length - 1];
    if (first && last) add('whole workflow (first → last event)', time(last) - time(first));
    add('history events', events.length);
    for (const e of events) {
      const id = String(e.eventId);
      const t = time(e);
      at.set(id, t);
      if (e.workflowTaskStartedEventAttributes) add('workflow task: queue wait', t - (at.get(String(e.workflowTaskStartedEventAttributes.scheduledEventId)) ?? t));
      if (e.workflowTaskCompletedEventAttributes) add('workflow task: run', t - (at.get(String(e.workflowTaskCompletedEventAttributes.startedEventId)) ?? t));
      if (e.activityTaskScheduledEventAttributes) activityName.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
      if (e.activityTaskStartedEventAttributes) {
        const scheduled = String(e.activityTaskStartedEventAttributes.scheduledEventId);
        add(`activity ${activityName.get(scheduled)}: queue wait`, t - (at.get(scheduled) ?? t));
      }
      if (e.activityTaskCompletedEventAttributes) {
        const scheduled = String(e.activityTaskCompletedEventAttributes.scheduledEventId);
        add(`activity ${activityName.get(scheduled)}: run`, t - (at.get(String(e.activityTaskCompletedEventAttributes.startedEventId)) ?? t));
      }
      if (e.childWorkflowExecutionStartedEventAttributes) add('child workflow: start latency', t - (at.get(String(e.childWorkflowExecutionStartedEventAttributes.initiatedEventId)) ?? t));
    }
  }
}

/** Per-operation timeline from the execution and receipt documents (written by the API and the activities). */
async function documentTimeline(sluice: Sluice, taskIds: string[]): Promise<Record<string, Stats>> {
  const executions = await sluice.store.executions.find({ 'operation.taskId': { $in: taskIds } }).toArray();
  const receipts = new Map((await sluice.store.receipts.find({ taskId: { $in: taskIds } }).toArray()).map((r) => [r.taskId, r]));
  const segments: Record<string, number[]> = {
    'request received → execution recorded (API)': [],
    'execution recorded → NORMALIZER step done (workflow start, queueing, the commit activity runs the step)': [],
    'NORMALIZER step done → committed SUCCESSFUL (the same activity: validation, write under the record lock)': [],
    'request received → committed (end to end)': [],
  };
  const ms = (iso: string | undefined): number => (iso ? Date.parse(iso) : NaN);
  for (const e of executions) {
    const receipt = receipts.get(e.operation.taskId);
    const received = ms(receipt?.receivedAt);
    const recorded = ms(e.createdAt);
    const stepped = ms(e.steps[0]?.processedAt);
    const committed = ms(e.updatedAt);
    const values = [recorded - received, stepped - recorded, committed - stepped, committed - received];
    Object.values(segments).forEach((list, i) => {
      const v = values[i];
      if (v !== undefined && Number.isFinite(v)) list.push(v);
    });
  }
  return Object.fromEntries(Object.entries(segments).map(([k, v]) => [k, stats(v)]));
}

/** The hot path's lookups on the executions collection as the run left it (see `lookupProbe`). */
async function executionsProbe(sluice: Sluice): Promise<Record<string, number>> {
  const coll = sluice.store.executions;
  const newest = await coll.find({}, { projection: { _id: 1, status: 1 } }).sort({ _id: -1 }).limit(1).next();
  if (!newest) return {};
  return lookupProbe(coll, {
    'findOne {_id} of the newest execution': { _id: newest._id },
    'findOne {_id, status} of the newest execution (the activities\' update filter)': { _id: newest._id, status: newest.status },
    'findOne {_id} that matches nothing': { _id: 'no-such-execution' },
    'findOne {recordKey, status $in} that matches nothing (the API\'s supersede check)': { recordKey: 'demo:RESOURCE:provider:none', status: { $in: ['IN_PROGRESS', 'IN_REVIEW'] } },
  });
}

async function main(): Promise<boolean> {
  const n = intFromEnv('BENCH_PIPELINE_N', 1000);
  const concurrency = intFromEnv('BENCH_PIPELINE_CONCURRENCY', 32);
  const warmupN = intFromEnv('BENCH_WARMUP_N', 20);
  const timeoutMs = intFromEnv('BENCH_TIMEOUT_SECONDS', 600) * 1000;
  emit(BENCH, 'start', { n, concurrency, warmupN, target: 'sluice >= 1/2 of the bare-workflow rate' });
  const sluice = await startSluice(BENCH);
  const suffix = randomBytes(4).toString('hex');
  const bareQueue = `sluice-bench-bare-${suffix}`;
  quietTemporalRuntime();
  const toStderr = (m: string): void => void process.stderr.write(`${m}\n`);
  const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: toStderr, error: toStderr };
  // The bare workflow pays for the same payload codec as Sluice's (the shared client encrypts what it starts).
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows/bare'), failureConverterPath: FAILURE_CONVERTER_PATH, logger: quiet });
  const native = await NativeConnection.connect({ address: sluice.config.TEMPORAL_ADDRESS });
  const activities: BareActivities = { noop: async () => undefined };
  const { dataConverter } = codecFromConfig(sluice.config);
  const bareWorker = await Worker.create({ connection: native, namespace: sluice.config.TEMPORAL_NAMESPACE, taskQueue: bareQueue, workflowBundle: { code }, activities, dataConverter });
  const bareRunning = bareWorker.run().finally(() => native.close());
  try {
    const put = await sluice.request('PUT', '/sources/demo/v1/collections/provider/pipeline', PIPELINE);
    if (put.status !== 200 && put.status !== 201) throw new Error(`pipeline PUT failed: ${put.status} ${JSON.stringify(put.body)}`);
    const ids = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${suffix}-${i}`);

    await runBare(sluice, bareQueue, ids('bare-warmup', warmupN), concurrency, 'bare-warmup');
    await runSluice(sluice, ids('pw', warmupN), concurrency, timeoutMs, 'sluice-warmup');

    const bareIds = ids('bare', n);
    const bare = await runBare(sluice, bareQueue, bareIds, concurrency, 'bare');
    emit(BENCH, 'phase', { phase: 'bare', ...bare });

    const sluiceIds = ids('pl', n);
    const calls = dbCalls();
    const api = await runSluice(sluice, sluiceIds, concurrency, timeoutMs, 'sluice');
    // Per request sent: after a timeout, fewer than n were.
    const dbCallsPerOp = calls.snapshot(Math.max(1, n - api.unsent));
    const { taskIds, ...apiRun } = api;
    emit(BENCH, 'phase', { phase: 'sluice', ...apiRun, dbCallsPerOp });

    // Correctness of what was measured: every task SUCCESS (through the API, for a sample) and every record normalized.
    const normalized = await sluice.store.resources.countDocuments({ source: 'demo', type: 'provider', id: { $in: sluiceIds }, 'data.name': NORMALIZED_NAME });
    const sampled = await Promise.all(sample(taskIds, 20).map((t) => sluice.request('GET', `/sources/demo/v1/tasks/${t}`)));
    const tasksSuccess = sampled.filter((r) => r.status === 200 && (r.body as { status?: string }).status === 'SUCCESS').length;
    const refusedCount = Object.values(api.refused).reduce((a, b) => a + b, 0);
    const ok = !api.timedOut && refusedCount === 0 && api.successful === n && normalized === n && tasksSuccess === sampled.length;
    emit(BENCH, 'check', { timedOut: api.timedOut, refused: api.refused, unsent: api.unsent, executionOutcomes: api.executionOutcomes, normalizedRecords: normalized, of: n, sampledTasksSuccess: tasksSuccess, sampled: sampled.length, ok });

    const ratio = round(api.opsPerSecond / bare.opsPerSecond, 3);
    const met = ratio >= TARGET;
    const breakdownRows: Array<Record<string, string | number>> = [];
    if (!met || process.env.BENCH_PROFILE === '1') {
      const histories = new Map<string, number[]>();
      const picks = sample(sluiceIds, intFromEnv('BENCH_PROFILE_SAMPLE', 25));
      const execs = await sluice.store.executions.find({ recordKey: { $in: picks.map((id) => recordKey('demo', 'RESOURCE', 'provider', id)) } }, { projection: { _id: 1, recordKey: 1 } }).toArray();
      const fetch = async (ids: string[]): Promise<History[]> => {
        const found = await Promise.all(ids.map((id) => sluice.client.workflow.getHandle(id).fetchHistory().catch(() => undefined)));
        return found.filter((h): h is History => h !== undefined);
      };
      breakdown('record workflow:', await fetch(execs.map((e) => recordWorkflowId(e.recordKey))), histories);
      breakdown('bare workflow:', await fetch(sample(bareIds, picks.length)), histories);
      const temporal = Object.fromEntries([...histories].map(([k, v]) => [k, stats(v)]));
      const documents = await documentTimeline(sluice, taskIds);
      const probe = await executionsProbe(sluice);
      const profileN = Math.min(n, intFromEnv('BENCH_PROFILE_N', 100));
      const { profile } = await cpuProfile(BENCH, () => runSluice(sluice, ids('pp', profileN), concurrency, Math.min(timeoutMs, 120_000), 'sluice-profiled'));
      emit(BENCH, 'profile', {
        temporalHistoriesMs: temporal, documentTimelineMs: documents, executionsFilterProbe: probe, dbCallsPerOp, dbCallsPerOpTotal: totalCalls(dbCallsPerOp),
        cpu: { sluice: api.cpu, bare: bare.cpu }, cpuMainThread: { ...profile, ops: profileN },
      });
      for (const [label, s] of Object.entries(temporal)) breakdownRows.push({ where: label, n: s.count, 'mean ms': s.mean, 'p50 ms': s.p50, 'p99 ms': s.p99 });
      for (const [label, s] of Object.entries(documents)) breakdownRows.push({ where: `documents: ${label.replace(/ \(.*\)$/, '')}`, n: s.count, 'mean ms': s.mean, 'p50 ms': s.p50, 'p99 ms': s.p99 });
      for (const [label, v] of Object.entries(probe)) breakdownRows.push({ where: `probe: executions ${label}`, n: label === 'documents' ? v : 10, 'mean ms': label === 'documents' ? '' : v, 'p50 ms': '', 'p99 ms': '' });
    }
    emit(BENCH, 'summary', {
      n, concurrency,
      sluice: { opsPerSecond: api.opsPerSecond, successful: api.successful, refused: api.refused, unsent: api.unsent, timedOut: api.timedOut, executionOutcomes: api.executionOutcomes, seconds: api.seconds, acceptP50Ms: api.handOffMs.p50, acceptP99Ms: api.handOffMs.p99, cpu: api.cpu },
      bare: { opsPerSecond: bare.opsPerSecond, seconds: bare.seconds, startP50Ms: bare.handOffMs.p50, startP99Ms: bare.handOffMs.p99, cpu: bare.cpu },
      ratio, target: TARGET, met, temporalSdkWarnings: temporalWarnings(), checks: { ok },
    });
    printTable(`pipeline: ${n} writes with one NORMALIZER step vs ${n} bare workflows (one no-op activity), concurrency ${concurrency}`, [
      { path: 'Sluice (HTTP 202 → SUCCESSFUL)', 'ops/s': api.opsPerSecond, 'ok/of': `${api.successful}/${n}`, seconds: api.seconds, 'hand-off p50 ms': api.handOffMs.p50, 'hand-off p99 ms': api.handOffMs.p99, 'cores busy': cpuCell(api.cpu) },
      { path: 'bare workflow + no-op activity', 'ops/s': bare.opsPerSecond, 'ok/of': `${bare.successful}/${n}`, seconds: bare.seconds, 'hand-off p50 ms': bare.handOffMs.p50, 'hand-off p99 ms': bare.handOffMs.p99, 'cores busy': cpuCell(bare.cpu) },
      { path: `ratio (target >= ${TARGET})`, 'ops/s': ratio, 'ok/of': '', seconds: met ? 'met' : 'MISSED', 'hand-off p50 ms': '', 'hand-off p99 ms': '', 'cores busy': '' },
    ]);
    if (breakdownRows.length) printTable('pipeline: where the time goes (sampled workflow histories; execution documents)', breakdownRows);
    return ok;
  } finally {
    bareWorker.shutdown();
    await bareRunning;
    await sluice.close();
  }
}

runBench(BENCH, main);
