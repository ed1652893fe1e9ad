import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { embedderFromConfig, modelsFromConfig } from './pipeline/embedder-config';
import { createWritePath } from './records';
import { Client, Connection } from '@temporalio/client';
import { connectStore, ensureIndexes } from './store/db';
import { workerOptions } from './worker-options';
import { startSweeper } from './sweeper';

/** Worker entry point: runs the record and execution workflows and their activities until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'sluice-worker');
  const store = await connectStore(config.MONGODB_URI, config.MONGODB_DB);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    await ensureIndexes(store);
    // Activities start and supersede record workflows (bulk, bundle), so the worker has a client too.
    const client = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }), namespace: config.TEMPORAL_NAMESPACE });
    const embedder = embedderFromConfig(config);
    const models = modelsFromConfig(config, embedder);
    const writePath = createWritePath(store, { client, taskQueue: config.TEMPORAL_TASK_QUEUE }, undefined, { readCacheMs: config.SLUICE_CATALOG_CACHE_MS, models });
    const activities = createActivities({ store, ...writePath, embedder, models });
    const worker = await Worker.create({ ...workerOptions(config.SLUICE_WORKFLOW_BUNDLE), connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, activities });
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS }, 'worker running');
    const stopSweeper = startSweeper(writePath.pipelines, activities.finish, logger);
    // Worker.run() handles SIGINT/SIGTERM itself: it stops polling and drains in-flight tasks.
    await worker.run();
    stopSweeper();
    await client.connection.close();
    logger.info('worker stopped');
  } finally {
    await connection.close();
    await store.close();
  }
}

main().catch((err: unknown) => {
  const logger = createLogger('error', 'sluice-worker');
  logger.fatal({ err }, err instanceof Error ? err.message : 'worker failed');
  process.exit(1);
});
