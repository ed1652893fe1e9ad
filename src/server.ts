import { modelsFromConfig } from './pipeline/embedder-config';
import type { Server } from 'node:http';
import { bootstrapAdmin, bootstrapCatalog } from './bootstrap';
import { loadConfig } from './config';
import { createConfiguredApp } from './http/app';
import { createLogger } from './logger';
import { createServices } from './services';
import { connectStore, ensureIndexes } from './store/db';
import { temporalConnection } from './temporal';
import { Client } from '@temporalio/client';
import { codecFromConfig } from './codec/data-converter';

/** API entry point: config, store, bootstrap, HTTP; SIGTERM/SIGINT drain the server and close connections. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'sluice-api');
  // Before anything connects: without a codec key the API refuses to start (nothing reaches Temporal in clear).
  const { codec, dataConverter } = codecFromConfig(config);
  const store = await connectStore(config.MONGODB_URI, config.MONGODB_DB);
  const connection = temporalConnection(config);
  const http: { server?: Server } = {};
  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'shutting down');
    await new Promise<void>((done) => (http.server ? http.server.close(() => done()) : done()));
    await connection.close().catch(() => undefined);
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', (s) => void shutdown(s));
  process.once('SIGINT', (s) => void shutdown(s));

  await ensureIndexes(store);
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
  const temporal = { client, taskQueue: config.TEMPORAL_TASK_QUEUE, handOffTimeoutMs: config.SLUICE_HANDOFF_TIMEOUT_MS, supersedeTimeoutMs: config.SLUICE_SUPERSEDE_TIMEOUT_MS };
  const services = createServices(store, temporal, undefined, { readCacheMs: config.SLUICE_CATALOG_CACHE_MS, models: modelsFromConfig(config) }, { temporalUiUrl: config.TEMPORAL_UI_URL });
  await bootstrapAdmin(config, services, logger);
  await bootstrapCatalog(config, services, logger);
  const app = createConfiguredApp(config, store, connection, services, logger, codec);
  const server = app.listen(config.PORT, config.HOST);
  http.server = server;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const url = `http://${config.HOST}:${config.PORT}`;
  logger.info({ url, docs: `${url}/docs`, openapi: `${url}/openapi.json`, codecKeyId: codec.keyId }, `API listening on ${url}`);
}

main().catch((err: unknown) => {
  const logger = createLogger('error', 'sluice-api');
  logger.fatal({ err }, err instanceof Error ? err.message : 'start-up failed');
  process.exit(1);
});
