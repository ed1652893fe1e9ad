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
import { backfillReviewQueue, executionSteps } from './records/review-queue';
import { codecFromConfig } from './codec/data-converter';
import { installSdkLogging } from './temporal-logs';

/** Worker entry point: runs the record and execution workflows and their activities until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'sluice-worker');
  // The SDK's own lines as JSON too, without error messages (they can quote record data).
  installSdkLogging(logger);
  // Before anything connects: without a codec key the worker refuses to start (nothing reaches Temporal in clear).
  const { codec, dataConverter } = codecFromConfig(config);
  const store = await connectStore(config.MONGODB_URI, config.MONGODB_DB);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    await ensureIndexes(store);
    // Activities start and supersede record workflows (bulk, bundle), so the worker has a client too.
    const client = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }), namespace: config.TEMPORAL_NAMESPACE, dataConverter });
    const embedder = embedderFromConfig(config);
    const models = modelsFromConfig(config, embedder);
    const temporal = { client, taskQueue: config.TEMPORAL_TASK_QUEUE, handOffTimeoutMs: config.SLUICE_HANDOFF_TIMEOUT_MS, supersedeTimeoutMs: config.SLUICE_SUPERSEDE_TIMEOUT_MS };
    const writePath = createWritePath(store, temporal, undefined, { readCacheMs: config.SLUICE_CATALOG_CACHE_MS, models });
    const activities = createActivities({ store, ...writePath, embedder, models });
    const queued = await backfillReviewQueue(store, (doc) => executionSteps(writePath.catalog, doc));
    if (queued) logger.info({ count: queued }, 'review queue: added the executions that were waiting in review before it existed');
    const worker = await Worker.create({ ...workerOptions(config.SLUICE_WORKFLOW_BUNDLE), connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, activities, dataConverter });
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS, codecKeyId: codec.keyId }, 'worker running');
    const stopSweeper = startSweeper(
      { store, pipelines: writePath.pipelines, starts: writePath.starts, finish: activities.finish, bundleDrop: activities.bundleDrop, bundleSettle: activities.bundleSettle, bundleCommit: activities.bundleCommit },
      logger,
      { everyMs: config.SLUICE_SWEEP_EVERY_MS, graceMs: config.SLUICE_ORPHAN_GRACE_MS },
    );
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
