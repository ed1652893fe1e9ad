import { Router } from 'express';
import type { Registry } from 'prom-client';
import { ApiError } from '../../errors';

/** Liveness, readiness and metrics; no API key needed. */
export function opsRoutes(deps: { ready: () => Promise<void>; registry: Registry }): Router {
  const r = Router();
  r.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/ready', async (_req, res) => {
    try {
      await deps.ready();
      res.json({ status: 'ready' });
    } catch (err) {
      const body = new ApiError('FAILED_PRECONDITION', `not ready: ${(err as Error).message}`).toBody();
      res.status(503).json({ ...body, code: 503 });
    }
  });
  r.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  return r;
}
