import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors';
import type { Logger } from '../logger';

/** The one place errors become responses: known types keep their status, anything else is a logged INTERNAL. */
export function errorHandler(logger: Logger): (err: unknown, req: Request, res: Response, next: NextFunction) => void {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = err instanceof ApiError ? err : bodyParserError(err) ?? pathDecodeError(err);
    const apiError = known ?? new ApiError('INTERNAL', 'internal error');
    if (!known) logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    res.status(apiError.status).json(apiError.toBody());
  };
}

/** Unknown routes answer the API's NOT_FOUND body, never an HTML page. */
export function notFoundHandler(req: Request, _res: Response, next: NextFunction): void {
  next(new ApiError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
}

/** Translates body-parser failures into the API's error types (413, 415, 400). */
function bodyParserError(err: unknown): ApiError | undefined {
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

/** A path whose percent-encoding does not decode (`%E0%A4%A`) fails in the router before any handler: a 400, not a 500. */
function pathDecodeError(err: unknown): ApiError | undefined {
  if (!(err instanceof URIError)) return undefined;
  return new ApiError('INVALID_ARGUMENT', 'the request path is not valid percent-encoding');
}
