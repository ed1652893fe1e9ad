import type { NextFunction, Request, Response } from 'express';
import { HTTP_STATUS, SluiceError, type ErrorDetail, type ErrorType } from '../errors';
import type { Logger } from '../logger';
import { redactCodecToken } from './codec-paths';

/** The HTTP status of each error type: the only place errors meet HTTP. */

/** An error answer lists at most this many details, so a bad request cannot make a huge answer. */
export const MAX_DETAILS = 100;

/** The documented error response body: `{code, type, message, details}`. */
export function errorBody(err: SluiceError, status = HTTP_STATUS[err.type]): { code: number; type: ErrorType; message: string; details: ErrorDetail[] } {
  const details = err.details.length > MAX_DETAILS
    ? [...err.details.slice(0, MAX_DETAILS), { message: `... and ${err.details.length - MAX_DETAILS} more problems` }]
    : err.details;
  return { code: status, type: err.type, message: err.message, details };
}

/** The one place errors become responses: known types keep their status, anything else is a logged INTERNAL. */
export function errorHandler(logger: Logger): (err: unknown, req: Request, res: Response, next: NextFunction) => void {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = err instanceof SluiceError ? err : bodyParserError(err) ?? pathDecodeError(err);
    const error = known ?? new SluiceError('INTERNAL', 'internal error');
    if (!known) logger.error({ err, method: req.method, path: redactCodecToken(req.path) }, 'unhandled error');
    res.status(HTTP_STATUS[error.type]).json(errorBody(error));
  };
}

/** Unknown routes answer the API's NOT_FOUND body, never an HTML page. */
export function notFoundHandler(req: Request, _res: Response, next: NextFunction): void {
  next(new SluiceError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
}

/** Translates body-parser failures into the API's error types (413, 415, 400). */
function bodyParserError(err: unknown): SluiceError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { type?: string; message?: string; limit?: number };
  switch (e.type) {
    case 'entity.too.large':
      return new SluiceError('CONTENT_TOO_LARGE', `request body is larger than the limit of ${e.limit ?? '?'} bytes for this endpoint`);
    case 'entity.parse.failed':
      return new SluiceError('INVALID_ARGUMENT', 'request body is not valid JSON', [{ message: e.message ?? 'parse error' }]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new SluiceError('UNSUPPORTED_MEDIA_TYPE', e.message ?? 'unsupported encoding');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new SluiceError('INVALID_ARGUMENT', e.message ?? 'request body could not be read');
    default:
      // Any other client error of the body reader (a body that is not the gzip, deflate or br it says it is):
      // http-errors marks those `expose`, with a 4xx status.
      if ((err as { expose?: unknown }).expose === true && typeof (err as { status?: unknown }).status === 'number') {
        return new SluiceError('INVALID_ARGUMENT', 'request body could not be read: it is not valid for its Content-Encoding');
      }
      return undefined;
  }
}

/** A path whose percent-encoding does not decode (`%E0%A4%A`) fails in the router before any handler: a 400, not a 500. */
function pathDecodeError(err: unknown): SluiceError | undefined {
  if (!(err instanceof URIError)) return undefined;
  return new SluiceError('INVALID_ARGUMENT', 'the request path is not valid percent-encoding');
}
