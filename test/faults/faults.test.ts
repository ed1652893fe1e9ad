import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// kill -9 of the API, the worker, MongoDB (FerretDB) or Temporal at any moment loses no accepted operation.
// The run (test/faults/run.ts) starts the four kinds of process as separate OS processes (two APIs, two workers,
// Temporal with a database file, FerretDB), drives a mixed workload through both APIs, kills processes of every kind
// on a seeded schedule and starts them again with the same arguments, then checks the invariants. It runs in its own
// process so that its children and their signals stay out of jest's. CHAOS_SEED replays a run; `npm run chaos` soaks.

const ROOT = join(__dirname, '..', '..');

interface RunReport {
  seed: number;
  kills: Record<string, number>;
  unexpectedExits: { member: string; code: number | null; lastLines: string }[];
  reports: { settled: boolean; figures: Record<string, number>; problems: { kind: string; what: string; detail?: unknown }[]; byKind: Record<string, number> }[];
}

function run(env: NodeJS.ProcessEnv, logFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/swc-register.js'), join(ROOT, 'test/faults/run.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(logFile);
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
}

test('seeded kill -9 of every kind of process: nothing accepted is lost, duplicated or overtaken', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-faults-test-'));
  const reportFile = join(dir, 'report.json');
  const logFile = join(dir, 'run.log');
  const seed = process.env.CHAOS_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
  const rounds = process.env.CHAOS_ROUNDS ?? '8';
  // The seed, so a failure can be replayed: CHAOS_SEED=<seed> npx jest test/faults
  process.stdout.write(`fault suite: CHAOS_SEED=${seed} CHAOS_ROUNDS=${rounds} (log ${logFile})\n`);
  const code = await run({ ...process.env, CHAOS_SEED: seed, CHAOS_ROUNDS: rounds, CHAOS_MINUTES: '0', CHAOS_REPORT: reportFile }, logFile);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
  const [cycle] = report.reports;
  const context = `seed ${seed}; log ${logFile}; report ${reportFile}`;
  expect({ context, problems: cycle?.problems.slice(0, 20) }).toEqual({ context, problems: [] });
  expect(cycle?.settled).toBe(true);
  expect(cycle?.figures).toMatchObject({ lost: 0, duplicated: 0, wrongWinners: 0, pendingTasks: 0, openExecutions: 0, openWorkflows: 0 });
  // The run did what it claims: every kind of process killed, work accepted, reviewed and applied under fire.
  const killed = (prefix: string): number => Object.entries(report.kills).filter(([name]) => name.startsWith(prefix)).reduce((n, [, k]) => n + k, 0);
  expect({ temporal: killed('temporal') > 0, ferretdb: killed('ferretdb') > 0, api: killed('api') > 0, worker: killed('worker') > 0 }).toEqual({ temporal: true, ferretdb: true, api: true, worker: true });
  expect(cycle?.figures.accepted).toBeGreaterThan(100);
  expect(cycle?.figures.applied).toBeGreaterThan(50);
  expect(cycle?.figures.decisions).toBeGreaterThan(0);
  expect(cycle?.figures.historyItems).toBeGreaterThanOrEqual(Math.max(1, cycle?.figures.applied ?? 0));
  expect(cycle?.figures.rejectedInReview).toBeGreaterThan(0);
  expect(code).toBe(0);
}, 15 * 60_000);
