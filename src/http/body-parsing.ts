import express, { type NextFunction, type Request, type Response } from 'express';
import { ApiError } from '../errors';

export interface BodyLimits {
  single: number;
  bundle: number;
  bulk: number;
}

// The exact routes that take the larger limits; every other body (a record whose id is `bulk` included) gets the single limit.
const BULK_ROUTE = /^\/sources\/[^/]+\/v1\/(resources|relationships)\/bulk\/?$/;
const BUNDLE_ROUTE = /^\/sources\/[^/]+\/v1\/bundle\/?$/;

const JSON_TYPES = ['application/json', 'application/json-patch+json', 'application/merge-patch+json', 'application/*+json'];

/** Picks the size limit of the route (bulk, bundle, everything else) and parses JSON bodies only. */
export function jsonBodies(limits: BodyLimits): (req: Request, res: Response, next: NextFunction) => void {
  const parsers = {
    single: express.json({ limit: limits.single, type: JSON_TYPES }),
    bundle: express.json({ limit: limits.bundle, type: JSON_TYPES }),
    bulk: express.json({ limit: limits.bulk, type: JSON_TYPES }),
  };
  return (req, res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody) return next();
    if (!req.is(JSON_TYPES)) {
      return next(new ApiError('UNSUPPORTED_MEDIA_TYPE', `content type ${req.headers['content-type'] ?? '(none)'} is not supported; send application/json`));
    }
    const kind = req.method === 'POST' && BULK_ROUTE.test(req.path) ? 'bulk' : req.method === 'POST' && BUNDLE_ROUTE.test(req.path) ? 'bundle' : 'single';
    parsers[kind](req, res, next);
  };
}

/** Translates body-parser failures into the API's error types (413, 415, 400). */
export function bodyParserError(err: unknown): ApiError | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  const e = err as { type?: string; message?: string; limit?: number };
  switch (e.type) {
    case 'entity.too.large':
      return new ApiError('CONTENT_TOO_LARGE', `request body is larger than the limit of ${e.limit ?? '?'} bytes for this endpoint`);
    case 'entity.parse.failed':
      return new ApiError('INVALID_ARGUMENT', 'request body is not valid JSON', [{ message: e.message ?? 'parse error' }]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', e.message ?? 'unsupported encoding');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new ApiError('INVALID_ARGUMENT', e.message ?? 'request body could not be read');
    default:
      return undefined;
  }
}
