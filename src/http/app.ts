import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Connection } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Services } from '../services';
import type { Store } from '../store/db';
import { temporalReady } from '../temporal';
import type { ApiKeyService } from '../services/api-keys';
import type { CatalogService } from '../services/catalog';
import type { RelationshipService } from '../services/relationships';
import type { ResourceService } from '../services/resources';
import type { TaskService } from '../services/tasks';
import type { PipelineService } from '../services/pipelines';
import type { PurgeService } from '../services/purge';
import type { BulkService } from '../services/bulk';
import type { BundleService } from '../services/bundle';
import { authenticate, authorize, principalOf } from './auth';
import { jsonBodies, type BodyLimits } from './body-parsing';
import { errorHandler, notFoundHandler } from './error-handler';
import { createMetrics } from './metrics';
import { apiKeyRoutes } from './routes/api-keys';
import { catalogRoutes } from './routes/catalog';
import { recordRoutes } from './routes/records';
import { purgeRoutes } from './routes/purge';
import { bulkRoutes } from './routes/bulk';
import { bundleRoutes } from './routes/bundle';
import { opsRoutes } from './routes/ops';
import { docsRoutes } from './routes/docs';
import type { Role } from '../store/db';

export interface AppDeps {
  logger: Logger;
  limits: BodyLimits;
  keys: ApiKeyService;
  catalog: CatalogService;
  resources: ResourceService;
  relationships: RelationshipService;
  tasks: TaskService;
  pipelines: PipelineService;
  purge: PurgeService;
  bulk: BulkService;
  bundle: BundleService;
  /** Resolves when MongoDB and Temporal answer; rejects with the reason otherwise. */
  ready: () => Promise<void>;
}

const READ_ROLES: Role[] = ['read', 'ingest', 'review', 'admin'];

/** Role needed for a request under `/sources/{k}`: reads for any role, catalog writes for admins, other writes for ingest. */
function rolesFor(req: Request): Role[] {
  if (req.method === 'GET' || req.method === 'HEAD') return READ_ROLES;
  if (/^\/v1\/(profiles|relationship-definitions|collections)\//.test(req.path)) return ['admin'];
  if (/\/decision\/?$/.test(req.path)) return ['review'];
  return ['ingest'];
}

/** The app as the server runs it: limits from the config, readiness from MongoDB and Temporal. */
export function createConfiguredApp(config: Config, store: Store, connection: Connection, services: Services, logger: Logger): Express {
  return createApp({
    logger,
    limits: { single: config.BODY_LIMIT_SINGLE, bundle: config.BODY_LIMIT_BUNDLE, bulk: config.BODY_LIMIT_BULK },
    ...services,
    ready: async () => {
      await store.db.command({ ping: 1 });
      await temporalReady(connection);
    },
  });
}

/** Builds the HTTP app; it holds no state of its own, so tests build one per suite. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Paths are matched exactly as written, so the role rules below cannot be sidestepped by changing case.
  app.set('case sensitive routing', true);
  app.set('strict routing', false);
  const metrics = createMetrics();
  app.use(pinoHttp({
    logger: deps.logger,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    // Request headers carry API keys: log the request line only, never the headers.
    serializers: { req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: req.url }) },
  }));
  app.use(metrics.middleware);
  app.use(opsRoutes({ ready: deps.ready, registry: metrics.registry }));
  app.use(docsRoutes());
  app.use(jsonBodies(deps.limits));
  app.use(['/admin', '/catalog', '/sources'], authenticate(deps.keys));
  app.use('/sources/:sourceKey', async (req: Request, res: Response, next: NextFunction) => {
    const sourceKey = String(req.params.sourceKey ?? '');
    authorize(principalOf(res), rolesFor(req), sourceKey);
    await deps.catalog.getSource(sourceKey);
    next();
  });
  app.use(apiKeyRoutes(deps.keys));
  app.use(catalogRoutes(deps.catalog));
  app.use(bulkRoutes(deps.bulk, deps.tasks));
  app.use(bundleRoutes(deps.bundle));
  app.use(recordRoutes(deps.resources, deps.relationships, deps.tasks, deps.pipelines));
  app.use(purgeRoutes(deps.purge));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
