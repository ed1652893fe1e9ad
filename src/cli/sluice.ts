import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { CsvMappingSchema, formatOf, type InputFormat } from './import-input';
import { runImport, type ImportProgress } from './import';

const USAGE = `Usage: sluice import <file|-> --source <key> [options]

Streams an NDJSON, JSON-array or CSV file into bulks of the Sluice API, with progress, a checkpoint to resume from,
and an error report with one line per input line that did not end SUCCESS. Exit code 0 when every operation ended
SUCCESS, 1 when any did not (or a line gave no operation), 2 when the import could not run.

Options:
  --source <key>          the data source (or SLUICE_SOURCE)
  --collection <c>        resources (default) or relationships
  --format <f>            ndjson, json or csv (default: from the file's extension; ndjson for stdin)
  --mapping <file.json>   for CSV: {"action","type","id","from","to","data":{"property.path":"Column" | {"column","split","type"}}}
  --url <url>             the API (or SLUICE_URL; default http://127.0.0.1:8080)
  --key <key>             an ingest key (or SLUICE_API_KEY; default: .data/admin-key when present)
  --batch <n>             operations per bulk (default 5000)
  --concurrency <n>       bulks on their way or still running at once (default 2)
  --checkpoint <file>     default <file>.sluice-checkpoint.json (stdin: sluice-import.checkpoint.json)
  --errors <file>         default <file>.errors.ndjson (stdin: sluice-import.errors.ndjson)
  --no-progress           no progress bar; progress lines (JSON) go to stderr every 2 s, as when not on a terminal`;

function fail(message: string): never {
  process.stderr.write(`sluice: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer`);
  return n;
}

function eta(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      source: { type: 'string' }, collection: { type: 'string' }, format: { type: 'string' }, mapping: { type: 'string' },
      url: { type: 'string' }, key: { type: 'string' }, batch: { type: 'string' }, concurrency: { type: 'string' },
      checkpoint: { type: 'string' }, errors: { type: 'string' }, 'no-progress': { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) fail('name one file, or - for stdin');
  if (file !== '-' && !existsSync(file)) fail(`no such file: ${file}`);
  const source = values.source ?? process.env.SLUICE_SOURCE;
  if (!source) fail('--source is required');
  const collection = values.collection ?? 'resources';
  if (collection !== 'resources' && collection !== 'relationships') fail('--collection must be resources or relationships');
  const format = (values.format ?? formatOf(file === '-' ? '' : file)) as InputFormat;
  if (!['ndjson', 'json', 'csv'].includes(format)) fail('--format must be ndjson, json or csv');
  let mapping;
  if (format === 'csv') {
    if (!values.mapping) fail('a CSV file needs --mapping <file.json>');
    const parsed = CsvMappingSchema.safeParse(JSON.parse(readFileSync(values.mapping, 'utf8')));
    if (!parsed.success) fail(`the mapping ${values.mapping} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
    mapping = parsed.data;
  }
  const apiKey = values.key ?? process.env.SLUICE_API_KEY ?? (existsSync('.data/admin-key') ? readFileSync('.data/admin-key', 'utf8').trim() : undefined);
  if (!apiKey) fail('--key is required (or SLUICE_API_KEY)');
  const base = file === '-' ? 'sluice-import' : file;
  const tty = process.stderr.isTTY && !values['no-progress'];
  const bar = tty
    ? new SingleBar({
      format: '{bar} {percentage}% | {value}/{total} lines | sent {sent} | accepted {accepted} | SUCCESS {success} FAILURE {failure} PENDING {pending} | {rate}/s | ETA {etaText}',
      hideCursor: true,
    })
    : undefined;
  let lastLine = 0;
  const onProgress = (p: ImportProgress): void => {
    const done = p.SUCCESS + p.FAILURE + p.CANCELLED + p.invalid;
    const fields = { sent: p.sent, accepted: p.accepted, success: p.SUCCESS, failure: p.FAILURE + p.CANCELLED + p.invalid, pending: p.PENDING, rate: p.rate, etaText: eta(p.etaSeconds) };
    if (bar) {
      if (!bar.isActive) bar.start(p.total ?? 0, done, fields);
      bar.setTotal(p.total ?? Math.max(done, p.read));
      bar.update(done, fields);
    } else if (Date.now() - lastLine >= 2000) {
      lastLine = Date.now();
      process.stderr.write(`${JSON.stringify({ event: 'progress', time: new Date().toISOString(), ...p })}\n`);
    }
  };
  try {
    const result = await runImport({
      file, format, ...(mapping ? { mapping } : {}), source, collection, apiKey,
      url: values.url ?? process.env.SLUICE_URL ?? 'http://127.0.0.1:8080',
      batchSize: positiveInt(values.batch, 'batch', 5000),
      concurrency: positiveInt(values.concurrency, 'concurrency', 2),
      checkpointFile: values.checkpoint ?? `${base}.sluice-checkpoint.json`,
      errorFile: values.errors ?? `${base}.errors.ndjson`,
      onProgress,
    });
    bar?.stop();
    process.stdout.write(`${JSON.stringify({ event: 'done', ...result })}\n`);
    return result.FAILURE + result.CANCELLED + result.invalid > 0 ? 1 : 0;
  } catch (err) {
    bar?.stop();
    process.stderr.write(`${JSON.stringify({ event: 'failed', error: (err as Error).message })}\n`);
    return 2;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'import') return importCommand(rest);
  process.stdout.write(`${USAGE}\n`);
  return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
