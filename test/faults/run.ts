// One fault run: starts the cluster (test/faults/cluster.ts), runs the workload (workload.ts) while a seeded schedule
// kill -9s processes of every kind and starts them again with the same arguments, then starts whatever is down,
// lets the work settle and checks the invariants (invariants.ts). A soak repeats that cycle until its time is up.
//
//   node -r ./test/support/swc-register.js test/faults/run.ts
//   CHAOS_SEED=<n>       the seed (printed; default: random)
//   CHAOS_ROUNDS=<n>     faults per cycle (default 8)
//   CHAOS_MINUTES=<m>    keep running cycles until m minutes have passed (default: one cycle)
//   CHAOS_ENTRY=dist|ts  run the API and worker from dist/ (after `npm run build`) or the TypeScript through SWC
//   CHAOS_REPORT=<file>  where the JSON report goes (default: <run dir>/report.json)
//   CHAOS_KEEP=1         keep the run directory (logs, databases) even when every check passes
//
// Exit code 0 when every cycle's checks pass, 1 otherwise. `npm run chaos` and test/faults/faults.test.ts run this.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { ensureBinaries, logger as log } from '../../scripts/stack.mjs';
import { Cluster, type EntryMode, type Kind, type Member } from './cluster';
import { checkInvariants, type CheckReport } from './invariants';
import { Rng } from './rng';
import { ApiClient, Journal, reviewOnce, startWorkload } from './workload';

/** The faults a round may inject: one process, or several killed at the same moment. */
const FAULTS = ['api', 'worker', 'temporal', 'ferretdb', 'temporal+worker', 'api+worker', 'ferretdb+api'] as const;
type Fault = (typeof FAULTS)[number];

/** Settings of the processes for a fault run: a sweeper every few seconds, short deadlines. */
const PROCESS_ENV: Record<string, string> = {
  SLUICE_SWEEP_EVERY_MS: '5000',
  SLUICE_ORPHAN_GRACE_MS: '30000',
  SLUICE_HANDOFF_TIMEOUT_MS: '15000',
  SLUICE_SUPERSEDE_TIMEOUT_MS: '20000',
};

interface FaultRecord {
  round: number;
  fault: Fault;
  killed: { member: string; pid: number | undefined }[];
  afterMs: number;
  downMs: number;
  restartMs: number;
}

interface CycleReport extends CheckReport {
  cycle: number;
  seed: number;
  requests: ReturnType<typeof requestStats>;
  faults: FaultRecord[];
  settledMs: number;
  settled: boolean;
}

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

/** The members one fault kills: running ones (a process still starting again after an earlier fault is waited for). */
async function victims(cluster: Cluster, fault: Fault, rng: Rng, restarting: Set<Promise<void>>): Promise<Member[]> {
  const one = async (kind: Kind): Promise<Member> => {
    if (!cluster.byKind(kind).some((m) => m.running)) await Promise.allSettled([...restarting]);
    const running = cluster.byKind(kind).filter((m) => m.running);
    return rng.pick(running.length ? running : cluster.byKind(kind));
  };
  const kinds = fault.split('+') as Kind[];
  const out: Member[] = [];
  for (const kind of kinds) out.push(await one(kind));
  return out;
}

/**
 * Kills the victims at one moment with SIGKILL, waits, and starts them again with the same arguments: the servers
 * before the round ends, an API or a worker in the background (its start takes a while), so faults overlap.
 */
async function inject(cluster: Cluster, fault: Fault, round: number, rng: Rng, restarting: Set<Promise<void>>): Promise<FaultRecord> {
  const afterMs = rng.int(1000, 6000);
  await new Promise((r) => setTimeout(r, afterMs));
  const members = await victims(cluster, fault, rng, restarting);
  const killed = members.map((m) => ({ member: m.name, pid: m.pid }));
  await Promise.all(members.map((m) => m.kill()));
  const downMs = rng.int(200, 4000);
  log.info('fault: killed (SIGKILL)', { round, fault, killed, downMs });
  await new Promise((r) => setTimeout(r, downMs));
  const started = Date.now();
  for (const m of members.filter((v) => v.kind === 'ferretdb' || v.kind === 'temporal')) await m.restart(log);
  for (const m of members.filter((v) => v.kind === 'api' || v.kind === 'worker')) {
    const p = m.restart(log).then(
      () => log.info('fault: restarted', { round, member: m.name, seconds: (Date.now() - started) / 1000 }),
      (err: unknown) => log.error('fault: could not restart', { round, member: m.name, error: String(err) }),
    );
    restarting.add(p);
    void p.finally(() => restarting.delete(p));
  }
  return { round, fault, killed, afterMs, downMs, restartMs: Date.now() - started };
}

/** The faults of a cycle: every kind once first (in a seeded order), then seeded choices. */
function schedule(rng: Rng, rounds: number): Fault[] {
  const first = rng.shuffle(['api', 'worker', 'temporal', 'ferretdb', 'temporal+worker'] as Fault[]);
  return Array.from({ length: rounds }, (_, i) => first[i] ?? rng.pick(FAULTS));
}

/** Per kind of request: how many, how they were answered, how long they took, and why the unanswered ones failed. */
function requestStats(journal: Journal): Record<string, { count: number; byStatus: Record<string, number>; p50Ms: number; maxMs: number; errors: Record<string, number> }> {
  const out: ReturnType<typeof requestStats> = {};
  for (const s of journal.sent) {
    const kind = `${s.via} ${s.method}`;
    const entry = (out[kind] ??= { count: 0, byStatus: {}, p50Ms: 0, maxMs: 0, errors: {} });
    entry.count++;
    const status = String(s.status ?? 'no answer');
    entry.byStatus[status] = (entry.byStatus[status] ?? 0) + 1;
    if (s.error) entry.errors[s.error.slice(0, 120)] = (entry.errors[s.error.slice(0, 120)] ?? 0) + 1;
  }
  for (const [kind, entry] of Object.entries(out)) {
    const ms = journal.sent.filter((s) => `${s.via} ${s.method}` === kind).map((s) => (s.answeredAt ?? s.sentAt) - s.sentAt).sort((a, b) => a - b);
    entry.p50Ms = ms[Math.floor(ms.length / 2)] ?? 0;
    entry.maxMs = ms[ms.length - 1] ?? 0;
  }
  return out;
}

/** Waits until nothing is open: no execution IN_PROGRESS or IN_REVIEW, no task PENDING; the reviewer keeps deciding. */
async function settle(api: ApiClient, journal: Journal, mongo: MongoClient, dbName: string, timeoutMs: number): Promise<{ settled: boolean; ms: number }> {
  const started = Date.now();
  let lastLog = started;
  const db = mongo.db(dbName);
  for (;;) {
    try {
      await reviewOnce(api, journal);
      const open = await db.collection('executions').countDocuments({ status: { $in: ['IN_PROGRESS', 'IN_REVIEW'] } });
      const accepted = journal.sent.filter((s) => s.outcome === 'accepted' && s.taskId);
      let pending = 0;
      if (open === 0) {
        for (const s of accepted) {
          const res = await api.send('GET', `/sources/faults/v1/tasks/${s.taskId}`);
          if (res.status !== 200 || (res.body as { status: string }).status === 'PENDING') pending++;
          if (pending > 0) break;
        }
      }
      if (open === 0 && pending === 0) return { settled: true, ms: Date.now() - started };
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log.info('settling', { openExecutions: open, pendingTasks: pending, seconds: Math.round((Date.now() - started) / 1000) });
      }
    } catch (err) {
      log.warn('settle: a read failed; trying again', { error: (err as Error).message });
    }
    if (Date.now() - started > timeoutMs) return { settled: false, ms: Date.now() - started };
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The workflows still running (a few tries: the dev server may be busy settling). */
async function openWorkflows(address: string): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    for (let attempt = 1; ; attempt++) {
      try {
        const out: string[] = [];
        for await (const w of client.workflow.list({ query: 'ExecutionStatus="Running"' })) out.push(`${w.type} ${w.workflowId}`);
        return out;
      } catch (err) {
        if (attempt >= 5) return [`(the running workflows could not be listed: ${(err as Error).message})`];
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  } finally {
    await connection.close();
  }
}

async function main(): Promise<number> {
  const seed = intEnv('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31));
  const rounds = intEnv('CHAOS_ROUNDS', 8);
  const minutes = intEnv('CHAOS_MINUTES', 0);
  const entry: EntryMode = process.env.CHAOS_ENTRY === 'dist' ? 'dist' : 'ts';
  const dir = mkdtempSync(join(tmpdir(), 'sluice-faults-'));
  const reportFile = process.env.CHAOS_REPORT || join(dir, 'report.json');
  log.info('fault run', { seed, rounds, minutes, entry, dir, reportFile, replay: `CHAOS_SEED=${seed} CHAOS_ROUNDS=${rounds}` });
  const rng = new Rng(seed);

  // This run starts its own servers: a Temporal or MongoDB given to the calling process (jest's) is not ours to use.
  delete process.env.TEMPORAL_ADDRESS;
  delete process.env.MONGODB_URI;
  await ensureBinaries({ log });
  const env = { ...PROCESS_ENV };
  if (entry === 'ts' && process.env.SLUICE_TEST_WORKFLOW_BUNDLE) env.SLUICE_WORKFLOW_BUNDLE = process.env.SLUICE_TEST_WORKFLOW_BUNDLE;
  else if (entry === 'ts') {
    // The worker loads a prebuilt bundle, as `npm start`'s does, instead of bundling at every start.
    const bundle = join(dir, 'workflow-bundle.js');
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never });
    writeFileSync(bundle, code);
    env.SLUICE_WORKFLOW_BUNDLE = bundle;
  }
  const cluster = await Cluster.create({ dir, apis: 2, workers: 2, entry, env, log });
  const reports: CycleReport[] = [];
  const started = Date.now();
  let mongo: MongoClient | undefined;
  try {
    const t0 = Date.now();
    await cluster.startAll();
    log.info('cluster running', { seconds: (Date.now() - t0) / 1000, apis: cluster.apiUrls, temporal: cluster.temporalAddress, mongodb: cluster.mongoUri });
    mongo = new MongoClient(cluster.mongoUri, { serverSelectionTimeoutMS: 30_000 });
    // Generous: an API waits at most its lock, supersede and hand-off deadlines; a request past this one is a hang.
    const api = new ApiClient(cluster.apiUrls, cluster.adminKey, 90_000);
    for (let cycle = 1; ; cycle++) {
      const journal = new Journal();
      const prefix = minutes > 0 ? `c${cycle}-` : '';
      const workload = startWorkload(api, journal, rng.fork(), { singleLanes: 3, prefix });
      const faults: FaultRecord[] = [];
      const restarting = new Set<Promise<void>>();
      for (const [i, fault] of schedule(rng, rounds).entries()) faults.push(await inject(cluster, fault, i + 1, rng, restarting));
      await Promise.allSettled([...restarting]);
      await new Promise((r) => setTimeout(r, 2000));
      await workload.stopWriters();
      await cluster.ensureAllRunning();
      log.info('writers stopped; waiting for the work to settle', { requests: journal.sent.length });
      // A soak's database grows cycle by cycle, and with it the time the work takes to settle.
      const { settled, ms } = await settle(api, journal, mongo, cluster.dbName, minutes > 0 ? 300_000 : 150_000);
      await workload.stopReviewer();
      const checked = await checkInvariants(journal, api, mongo.db(cluster.dbName), () => openWorkflows(cluster.temporalAddress), prefix);
      const report: CycleReport = { cycle, seed, ...checked, faults, settled, settledMs: ms, requests: requestStats(journal) };
      reports.push(report);
      log.info('cycle checked', { cycle, seed, settled, settledMs: ms, figures: checked.figures, problems: checked.byKind, requests: report.requests });
      for (const p of checked.problems.slice(0, 30)) log.warn('problem', { kind: p.kind, what: p.what, detail: p.detail });
      if (minutes === 0 || Date.now() - started > minutes * 60_000) break;
    }
  } finally {
    await mongo?.close();
    await cluster.stopAll();
  }
  const kills = Object.fromEntries(cluster.members.map((m) => [m.name, m.kills]));
  const summary = { seed, rounds, minutes, entry, dir, cycles: reports.length, kills, unexpectedExits: cluster.unexpectedExits, reports };
  writeFileSync(reportFile, JSON.stringify(summary, null, 2));
  const clean = reports.every((r) => r.problems.length === 0 && r.settled);
  log.info(clean ? 'fault run passed' : 'fault run FAILED', { seed, cycles: reports.length, kills, unexpectedExits: cluster.unexpectedExits.length, reportFile, figures: reports.map((r) => r.figures) });
  if (clean && !process.env.CHAOS_KEEP) {
    for (const sub of ['temporal', 'ferretdb', 'data']) rmSync(join(dir, sub), { recursive: true, force: true });
  }
  return clean ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log.error('fault run crashed', { error: err instanceof Error ? err.stack : String(err) });
    process.exit(2);
  },
);
