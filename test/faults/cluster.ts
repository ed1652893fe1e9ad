// The processes of one fault run, each a separate OS process started the way `npm start` starts it (scripts/run.mjs):
// the Temporal dev server with a database file, FerretDB on a data directory, two workers and two API processes with
// the environment `npm start` gives them. Each member can be killed with SIGKILL and started again with the same
// arguments, ports and files. A member that exits without being killed is noted and started again after a pause,
// the way a process supervisor would.
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT, freePort, startFerretDB, startTemporal, spawnChild, stopAll, waitForPort,
  type ChildExit, type ChildHandle, type Logger,
} from '../../scripts/stack.mjs';

export type Kind = 'temporal' | 'ferretdb' | 'worker' | 'api';

/** An exit that nobody asked for: a crash, or a start that failed because a dependency was down. */
export interface UnexpectedExit {
  member: string;
  code: number | null;
  signal: string | null;
  /** Seconds the process had run. */
  ranSeconds: number;
  /** The last lines of its log. */
  lastLines: string;
  at: string;
}

/** How node processes run: the compiled code `npm run build` writes (`dist`), or the TypeScript through SWC (`ts`). */
export type EntryMode = 'dist' | 'ts';

export interface ClusterOptions {
  dir: string;
  apis: number;
  workers: number;
  entry: EntryMode;
  /** Extra environment of the API and worker processes (sweeper timing, hand-off deadlines, ...). */
  env: Record<string, string>;
  log: Logger;
}

/** One process of the cluster: started, killed and started again with the same arguments. */
export class Member {
  handle: ChildHandle | undefined;
  /** The log of the last process started (kept after it exits). */
  logFile: string | undefined;
  starts = 0;
  kills = 0;
  private killing = false;
  private startedAt = 0;
  private restarting: Promise<void> | undefined;
  /** False while the cluster is being stopped: exits are then expected. */
  supervise = true;

  constructor(
    readonly kind: Kind,
    readonly name: string,
    private readonly launch: () => Promise<ChildHandle>,
    private readonly onUnexpectedExit: (member: Member, exit: ChildExit, ranSeconds: number) => void,
  ) {}

  get running(): boolean {
    return this.handle !== undefined;
  }

  get pid(): number | undefined {
    return this.handle?.child.pid;
  }

  /** Starts the process and resolves once it is ready (listening, or its worker running). */
  async start(): Promise<void> {
    if (this.handle) return;
    this.starts++;
    this.startedAt = Date.now();
    const handle = await this.launch();
    this.handle = handle;
    this.logFile = handle.logFile;
    void handle.exited.then((exit) => {
      if (this.handle === handle) this.handle = undefined;
      if (this.killing || !this.supervise) return;
      this.onUnexpectedExit(this, exit, (Date.now() - this.startedAt) / 1000);
    });
  }

  /** SIGKILL, as `kill -9`; resolves once the process is gone. */
  async kill(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    this.killing = true;
    this.kills++;
    try {
      handle.child.kill('SIGKILL');
      await handle.exited;
    } finally {
      this.killing = false;
      this.handle = undefined;
    }
  }

  /** Starts the process again (once at a time), retrying while its start fails (a dependency may be down). */
  restart(log: Logger, attempts = 20): Promise<void> {
    this.restarting ??= (async () => {
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            await this.start();
            return;
          } catch (err) {
            if (attempt >= attempts) throw err;
            log.warn(`${this.name} did not start; trying again`, { attempt, error: (err as Error).message.split('\n')[0] });
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      } finally {
        this.restarting = undefined;
      }
    })();
    return this.restarting;
  }
}

/** Waits until `file` has grown past `from` bytes with a line containing `needle`; fails when `exited` settles first. */
async function waitForLogLine(file: string, from: number, needle: string, exited: Promise<ChildExit>, timeoutMs: number, what: string): Promise<void> {
  let exit: ChildExit | undefined;
  void exited.then((e) => (exit = e));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(file) && statSync(file).size > from && readFileSync(file, 'utf8').slice(from).includes(needle)) return;
    if (exit) throw new Error(`${what}: the process exited (${exit.signal ?? `code ${exit.code}`}); last lines of ${file}:\n${tail(file, from)}`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs / 1000} s; see ${file}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tail(file: string, from = 0, lines = 15): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').slice(from).trimEnd().split('\n').slice(-lines).join('\n');
}

function sizeOf(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** Two APIs, two workers, Temporal and FerretDB, as separate processes on fixed ports and files. */
export class Cluster {
  readonly members: Member[] = [];
  readonly unexpectedExits: UnexpectedExit[] = [];
  readonly adminKey = `sk_faults_${randomBytes(16).toString('hex')}`;
  /** A throwaway payload-codec key for this run's processes (every Temporal payload is encrypted with it). */
  private readonly codecKey = randomBytes(32).toString('base64');
  apiUrls: string[] = [];
  mongoUri = '';
  temporalAddress = '';
  readonly dbName = 'sluice_faults';
  readonly logDir: string;

  private constructor(private readonly opts: ClusterOptions) {
    this.logDir = join(opts.dir, 'logs');
  }

  /** Chooses the ports and files; nothing runs until startAll. */
  static async create(opts: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(opts);
    await cluster.define();
    return cluster;
  }

  byKind(kind: Kind): Member[] {
    return this.members.filter((m) => m.kind === kind);
  }

  private async define(): Promise<void> {
    const { dir, log } = this.opts;
    mkdirSync(this.logDir, { recursive: true });
    const temporalPort = await freePort();
    const ferretPort = await freePort();
    this.temporalAddress = `127.0.0.1:${temporalPort}`;
    this.mongoUri = `mongodb://127.0.0.1:${ferretPort}/`;
    const noted = (member: Member, exit: ChildExit, ranSeconds: number): void => this.noteExit(member, exit, ranSeconds);
    this.members.push(new Member('temporal', 'temporal', () => startTemporal({
      port: temporalPort, dbFile: join(dir, 'temporal', 'temporal.db'), logFile: join(this.logDir, 'temporal.log'), log, timeoutMs: 120_000,
    }), noted));
    this.members.push(new Member('ferretdb', 'ferretdb', () => startFerretDB({
      port: ferretPort, dataDir: join(dir, 'ferretdb'), logFile: join(this.logDir, 'ferretdb.log'), log,
    }), noted));
    for (let i = 0; i < this.opts.workers; i++) {
      const name = `worker-${i + 1}`;
      this.members.push(new Member('worker', name, () => this.spawnNode(name, 'worker', {}), noted));
    }
    for (let i = 0; i < this.opts.apis; i++) {
      const port = await freePort();
      const name = `api-${i + 1}`;
      this.apiUrls.push(`http://127.0.0.1:${port}`);
      this.members.push(new Member('api', name, () => this.spawnNode(name, 'server', { PORT: String(port) }), noted));
    }
  }

  /** The environment `npm start` gives the worker and the API (scripts/run.mjs), plus this run's settings. */
  private nodeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      ...process.env,
      TEMPORAL_ADDRESS: this.temporalAddress,
      MONGODB_URI: this.mongoUri,
      MONGODB_DB: this.dbName,
      SLUICE_ADMIN_KEY: this.adminKey,
      SLUICE_CODEC_KEY: this.codecKey,
      SLUICE_CODEC_KEY_ID: 'faults-1',
      SLUICE_CATALOG_FILE: join(ROOT, 'test', 'faults', 'catalog.yaml'),
      SLUICE_DATA_DIR: join(this.opts.dir, 'data'),
      LOG_LEVEL: 'info',
      ...this.opts.env,
      ...extra,
    };
  }

  private async spawnNode(name: string, entry: 'worker' | 'server', extra: Record<string, string>): Promise<ChildHandle> {
    const logFile = join(this.logDir, `${name}.log`);
    const from = sizeOf(logFile);
    appendFileSync(logFile, `${JSON.stringify({ level: 'info', msg: 'fault suite: starting', name, time: new Date().toISOString() })}\n`);
    const args = this.opts.entry === 'dist'
      ? [join(ROOT, 'dist', 'src', `${entry}.js`)]
      : ['-r', join(ROOT, 'test', 'support', 'swc-register.js'), join(ROOT, 'src', `${entry}.ts`)];
    const handle = spawnChild({ name, command: process.execPath, args, env: this.nodeEnv(extra), logFile });
    try {
      if (entry === 'worker') await waitForLogLine(logFile, from, 'worker running', handle.exited, 90_000, `${name} to run`);
      else {
        const port = Number(extra.PORT);
        await waitForPort({ port, handle, timeoutMs: 90_000, what: `${name} to listen on ${port}` });
      }
    } catch (err) {
      handle.child.kill('SIGKILL');
      await handle.exited;
      throw err;
    }
    return handle;
  }

  private noteExit(member: Member, exit: ChildExit, ranSeconds: number): void {
    const file = member.logFile ?? join(this.logDir, `${member.name}.log`);
    this.unexpectedExits.push({
      member: member.name, code: exit.code, signal: exit.signal, ranSeconds: Math.round(ranSeconds * 10) / 10,
      lastLines: tail(file, 0, 6), at: new Date().toISOString(),
    });
    this.opts.log.warn(`${member.name} exited by itself; starting it again`, { code: exit.code, signal: exit.signal, ranSeconds });
    setTimeout(() => {
      if (member.supervise && !member.running) member.restart(this.opts.log).catch((err: unknown) => this.opts.log.error(`${member.name} could not be started again`, { error: String(err) }));
    }, 1000).unref();
  }

  /** Starts everything in dependency order: the servers, then one API (it applies the catalog), then the rest. */
  async startAll(): Promise<void> {
    const [temporal, ferretdb] = [this.byKind('temporal')[0], this.byKind('ferretdb')[0]];
    await Promise.all([temporal?.start(), ferretdb?.start()]);
    const [first, ...apis] = this.byKind('api');
    await first?.start();
    await Promise.all([...apis, ...this.byKind('worker')].map((m) => m.start()));
  }

  /** Starts whatever is not running (after the chaos), servers first. */
  async ensureAllRunning(): Promise<void> {
    for (const kind of ['ferretdb', 'temporal', 'worker', 'api'] as const) {
      await Promise.all(this.byKind(kind).filter((m) => !m.running).map((m) => m.restart(this.opts.log)));
    }
  }

  /** Stops every process (SIGTERM, then SIGKILL), the APIs and workers first. */
  async stopAll(): Promise<void> {
    for (const m of this.members) m.supervise = false;
    const order = [...this.byKind('api'), ...this.byKind('worker'), ...this.byKind('temporal'), ...this.byKind('ferretdb')];
    await stopAll(order.flatMap((m) => (m.handle ? [m.handle] : [])), { log: this.opts.log, timeoutMs: 10_000 });
  }
}
