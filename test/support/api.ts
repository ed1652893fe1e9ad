import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createLocalEmbedder } from '../../src/pipeline/embedder';
import { createApp } from '../../src/http/app';
import { applyCatalog, readCatalogFile } from '../../src/catalog/catalog-file';
import { createWritePath } from '../../src/records';
import { createServices, type Services } from '../../src/services';
import { connectStore, ensureIndexes, type Store } from '../../src/store/db';
import { temporalReady } from '../../src/temporal';
import type { CodecKeys, EncryptionCodec } from '../../src/codec/encryption-codec';
import { testCodec } from './codec';

export interface HttpResult {
  status: number;
  /** Arbitrary JSON answers, inspected by the tests. */
  body: any;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, without JSON encoding (for malformed bodies). */
  raw?: string;
  key?: string | null;
  headers?: Record<string, string>;
}

/** A running API over real HTTP, with its own database on the shared FerretDB and the demo catalog applied. */
export interface TestApi {
  baseUrl: string;
  adminKey: string;
  store: Store;
  services: Services;
  request(method: string, path: string, opts?: RequestOptions): Promise<HttpResult>;
  /** Creates a key with the given roles and sources and returns its secret. */
  key(roles: string[], sources: string[]): Promise<string>;
  client: Client;
  /** The payload codec of the API, the worker and `client`. */
  codec: EncryptionCodec;
  taskQueue: string;
  /** The database the API runs on. */
  dbName: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Run a real worker (workflows and activities) on this suite's own task queue. */
  worker?: boolean;
  /** Lets a test wrap or replace activities, e.g. to force a fault. */
  activities?: (real: ReturnType<typeof createActivities>) => ReturnType<typeof createActivities>;
  /** Gives the worker's write path its own Temporal client (a wrapper of the real one, e.g. to force a fault). */
  workerClient?: (real: Client) => Client;
  /** Other codec keys than the run's (testCodecKeys). */
  codecKeys?: CodecKeys;
  /** Enables the Temporal UI's codec routes (`/codec/ui/{token}/...`) with this token. */
  codecUiToken?: string;
  /**
   * A second API (and worker) on the database and task queue of a running one, as a second process would be: its own
   * store connection, Temporal clients, services and HTTP server. Closing it leaves the database to its owner.
   */
  join?: TestApi;
  /** Deadlines of the hand-off to Temporal (src/records/temporal-calls.ts), shorter than production's in a test. */
  deadlines?: { supersedeTimeoutMs?: number; handOffTimeoutMs?: number };
}

let runtimeInstalled = false;
/** The SDK logs every worker state change at INFO; tests keep only warnings (TEST_LOG_LEVEL overrides). */
function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'DEBUG' : 'WARN') });
}

/** Starts the real HTTP app (and, on request, a real worker) against the test FerretDB and Temporal server. */
export async function startApi(opts: StartOptions = {}): Promise<TestApi> {
  const uri = process.env.MONGODB_URI;
  const address = process.env.TEMPORAL_ADDRESS;
  if (!uri || !address) throw new Error('MONGODB_URI / TEMPORAL_ADDRESS are not set: run the tests through jest (global setup starts the servers)');
  const suffix = randomBytes(6).toString('hex');
  const dbName = opts.join?.dbName ?? `t_${suffix}`;
  const store = await connectStore(uri, dbName);
  await ensureIndexes(store);
  const taskQueue = opts.join?.taskQueue ?? `sluice-test-${suffix}`;
  const connection = await Connection.connect({ address });
  const { codec, dataConverter } = testCodec(opts.codecKeys);
  const client = new Client({ connection, dataConverter });
  // The console links executions to a Temporal UI at this address (the dev server of the tests runs none).
  const services = createServices(store, { client, taskQueue, ...opts.deadlines }, undefined, {}, { temporalUiUrl: 'http://127.0.0.1:8233' });
  let worker: { run: Promise<void>; shutdown: () => void } | undefined;
  if (opts.worker) {
    installQuietRuntime();
    const nativeConnection = await NativeConnection.connect({ address });
    const writePath = opts.workerClient ? createWritePath(store, { client: opts.workerClient(client), taskQueue, ...opts.deadlines }) : services;
    const real = createActivities({ store, ...writePath, embedder: createLocalEmbedder() });
    const bundle = process.env.SLUICE_TEST_WORKFLOW_BUNDLE;
    const w = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('../../workflows') }),
      activities: opts.activities ? opts.activities(real) : real,
      dataConverter,
    });
    const run = w.run().finally(() => nativeConnection.close());
    worker = { run, shutdown: () => w.shutdown() };
  }
  const adminKey = opts.join?.adminKey ?? `sk_test_${randomBytes(16).toString('hex')}`;
  if (!opts.join) {
    await services.keys.ensureAdmin(adminKey);
    await applyCatalog(services.catalog, await readCatalogFile(resolve(__dirname, '../../catalog/demo.yaml')));
  }
  const app = createApp({
    // Errors only (a full run logs none): a 5xx in CI shows its cause (TEST_LOG_LEVEL overrides).
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'error' }),
    limits: { single: 1024 * 1024, bundle: 5 * 1024 * 1024, bulk: 16 * 1024 * 1024, codec: 64 * 1024 * 1024 },
    ...services,
    ready: async () => {
      await store.db.command({ ping: 1 });
      await temporalReady(connection);
    },
    codec: { codec, corsOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'], ...(opts.codecUiToken ? { uiToken: opts.codecUiToken } : {}) },
  });
  const server: Server = await new Promise((done) => {
    const s = app.listen(0, '127.0.0.1', () => done(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const request = async (method: string, path: string, opts: RequestOptions = {}): Promise<HttpResult> => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const key = opts.key === undefined ? adminKey : opts.key;
    if (key !== null) headers['x-api-key'] = key;
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text so a test can show what came back
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };

  return {
    baseUrl,
    adminKey,
    store,
    services,
    request,
    key: async (roles, sources) => {
      const res = await request('POST', '/admin/v1/api-keys', { body: { name: `k-${roles.join('-')}`, roles, sources } });
      if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.key as string;
    },
    client,
    codec,
    taskQueue,
    dbName,
    close: async () => {
      await new Promise<void>((done) => server.close(() => done()));
      if (worker) {
        worker.shutdown();
        await worker.run;
      }
      await connection.close();
      if (!opts.join) await store.db.dropDatabase().catch(() => undefined);
      await store.close();
    },
  };
}

/** Asserts the documented error body and returns it. */
export function expectError(res: HttpResult, status: number, type: string): HttpResult['body'] {
  expect({ status: res.status, type: res.body?.type }).toEqual({ status, type });
  expect(res.body).toEqual(expect.objectContaining({ code: status, type, message: expect.any(String), details: expect.any(Array) }));
  return res.body;
}
