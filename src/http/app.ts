import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Connection } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Services } from '../services';
import type { Store } from '../store/db';
import { temporalReady } from '../temporal';
import { authenticate } from './auth';
import { codecCors, redactCodecToken } from './codec-paths';
import { consoleAssets } from './console-assets';
import { docsAssets } from './docs-page';
import { errorHandler, notFoundHandler } from './error-handler';
import { createMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { routerOf, type BodyLimits } from './router';
import { ROUTES } from './routes';
import type { CodecEndpointDeps } from './routes/deps';

export type AppDeps = Omit<Services, 'locks'> & {
  logger: Logger;
  limits: BodyLimits;
  /** Resolves when MongoDB and Temporal answer; rejects with the reason otherwise. */
  ready: () => Promise<void>;
  codec: CodecEndpointDeps;
};

/** The app as the server runs it: limits from the config, readiness from MongoDB and Temporal, the codec endpoint's settings. */
export function createConfiguredApp(config: Config, store: Store, connection: Connection, services: Services, logger: Logger, codec: CodecEndpointDeps['codec']): Express {
  return createApp({
    logger,
    limits: { single: config.BODY_LIMIT_SINGLE, bundle: config.BODY_LIMIT_BUNDLE, bulk: config.BODY_LIMIT_BULK, codec: config.BODY_LIMIT_CODEC },
    codec: { codec, corsOrigins: config.SLUICE_CODEC_CORS_ORIGINS, ...(config.SLUICE_CODEC_UI_TOKEN ? { uiToken: config.SLUICE_CODEC_UI_TOKEN } : {}) },
    ...services,
    ready: async () => {
      await store.db.command({ ping: 1 });
      await temporalReady(connection);
    },
  });
}

/**
 * Builds the HTTP app; it holds no state of its own, so tests build one per suite. Every request either matches a
 * route of the table (which enforces that route's declared access) or a file of the docs page, or is authenticated
 * and then answered 404: nothing else reaches a handler.
 */
export function createApp(deps: AppDeps): Express {
  const { logger, limits, codec, ...services } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const metrics = createMetrics();
  app.use(pinoHttp({
    logger,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    // Request headers carry API keys: log the request line only, never the headers.
    // The Temporal UI's codec path holds a token: it is logged redacted.
    serializers: { req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: redactCodecToken(req.url ?? '') }) },
  }));
  app.use(metrics.middleware);
  app.use(codecCors(codec.corsOrigins));
  app.use(routerOf(ROUTES, {
    keys: services.keys,
    catalog: services.catalog,
    limits,
    handlers: { ...services, metrics: metrics.registry, openapi: openApiDocument, codec },
  }));
  app.use(docsAssets());
  app.use(consoleAssets());
  app.use(authenticate(services.keys), notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
