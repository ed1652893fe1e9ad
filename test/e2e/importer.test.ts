import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startApi, type TestApi } from '../support/api';

// The importer (`npx sluice import`), run as a user runs it: a child process against the real API, worker, Temporal
// and FerretDB; killed half way and run again.

const ROOT = resolve(__dirname, '../..');
let api: TestApi;
let dir: string;
beforeAll(async () => {
  api = await startApi({ worker: true });
  dir = mkdtempSync(join(tmpdir(), 'sluice-import-'));
});
afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `sluice import` with `args`; `kill(when)` sends SIGKILL once `when()` holds. */
function importer(args: string[], killWhen?: () => boolean): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/sluice.mjs'), 'import', ...args, '--url', api.baseUrl, '--key', api.adminKey, '--source', 'demo'], {
      cwd: dir, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = killWhen ? setInterval(() => {
      if (killWhen()) child.kill('SIGKILL');
    }, 20) : undefined;
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

function done(run: Run): any {
  const line = run.stdout.split('\n').find((l) => l.includes('"event":"done"'));
  if (!line) throw new Error(`no summary; exit ${run.code}; stderr: ${run.stderr.slice(-2000)}`);
  return JSON.parse(line);
}

test('NDJSON: killed half way, run again, every line imported once; a bad line is in the error report with its line number', async () => {
  const n = 12_000;
  // CREATEs: one sent twice would be refused the second time (ALREADY_EXISTS, a FAILURE), and is counted.
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ action: 'CREATE', create: { id: `imp-${i}`, type: 'office', data: { name: `Imported ${i}` } } }));
  lines[4999] = '{"action":"CREATE", oops';
  lines[7000] = JSON.stringify({ action: 'CREATE', create: { id: 'imp-bad-type', type: 'no-such-type', data: {} } });
  const file = join(dir, 'offices.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const checkpoint = `${file}.sluice-checkpoint.json`;
  const bulksIn = (): number => (existsSync(checkpoint) ? Object.keys(JSON.parse(readFileSync(checkpoint, 'utf8')).bulks).length : 0);

  // Small bulks, one at a time, so that the kill lands between bulks, with some accepted and some not.
  const first = await importer([file, '--batch', '1000', '--concurrency', '1'], () => bulksIn() >= 4);
  expect(first.signal).toBe('SIGKILL');
  const sentBefore = bulksIn();
  expect(sentBefore).toBeGreaterThanOrEqual(4);
  expect(sentBefore).toBeLessThan(12);

  const second = await importer([file, '--batch', '1000', '--concurrency', '1']);
  const summary = done(second);
  expect(second.code).toBe(1);
  expect(summary).toEqual(expect.objectContaining({ total: n, invalid: 1, SUCCESS: n - 2, FAILURE: 1, CANCELLED: 0, PENDING: 0, resumedBulks: sentBefore }));
  // Not a TTY: progress lines, JSON, on stderr.
  expect(second.stderr).toMatch(/"event":"progress"/);

  // Once each: every record at version 1.
  const versions = await api.store.resources.aggregate([{ $match: { _id: { $regex: '^demo/office/imp-' } } }, { $group: { _id: '$meta.versionId', count: { $sum: 1 } } }]).toArray();
  expect(versions).toEqual([{ _id: '1', count: n - 2 }]);
  const report = readFileSync(`${file}.errors.ndjson`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(report.map((r) => [r.line, r.status])).toEqual([[5000, 'INVALID'], [7001, 'FAILURE']]);
  expect(report[1]).toEqual(expect.objectContaining({ id: 'imp-bad-type', type: 'no-such-type', error: expect.objectContaining({ type: expect.any(String) }) }));
}, 240_000);

test('CSV with a mapping: rows become operations; a row that does not match is its own error line', async () => {
  const file = join(dir, 'providers.csv');
  writeFileSync(file, ['provider_id,Name,Number,Specialities', 'csv-1,Dr. North,12,cardiology;oncology', '"csv-2","South, Ann",7,family', ',No Id,3,x', 'csv-4,Too,Many,Fields,Here', 'csv-5,Bad Number,twelve,x', ''].join('\n'));
  const mapping = join(dir, 'providers.mapping.json');
  writeFileSync(mapping, JSON.stringify({ action: 'UPSERT', type: 'provider', id: 'provider_id', data: { name: 'Name', practiceNumber: { column: 'Number', type: 'number' }, specialities: { column: 'Specialities', split: ';' } } }));
  const run = await importer([file, '--mapping', mapping]);
  expect(run.code).toBe(1);
  expect(done(run)).toEqual(expect.objectContaining({ SUCCESS: 2, FAILURE: 0, invalid: 3 }));
  const report = readFileSync(`${file}.errors.ndjson`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(report.map((r) => [r.line, r.status])).toEqual([[4, 'INVALID'], [5, 'INVALID'], [6, 'INVALID']]);
  expect(report.map((r) => r.error.message)).toEqual([expect.stringContaining('provider_id'), expect.stringContaining('fields'), expect.stringContaining('not a number')]);
  expect((await api.request('GET', '/sources/demo/v1/resources/provider/csv-1')).body.data).toEqual({ name: 'Dr. North', practiceNumber: 12, specialities: ['cardiology', 'oncology'] });
  expect((await api.request('GET', '/sources/demo/v1/resources/provider/csv-2')).body.data.name).toBe('South, Ann');
});

test('usage errors exit 2 with a message', async () => {
  const run = await importer([join(dir, 'missing.ndjson')]);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('no such file');
});
