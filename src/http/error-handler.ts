import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors';
import type { Logger } from '../logger';
import { bodyParserError } from './body-parsing';

/** The one place errors become responses: known types keep their status, anything else is a logged INTERNAL. */
export function errorHandler(logger: Logger): (err: unknown, req: Request, res: Response, next: NextFunction) => void {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = err instanceof ApiError ? err : bodyParserError(err);
    const apiError = known ?? new ApiError('INTERNAL', 'internal error');
    if (!known) logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    res.status(apiError.status).json(apiError.toBody());
  };
}

/** Unknown routes answer the API's NOT_FOUND body, never an HTML page. */
export function notFoundHandler(req: Request, _res: Response, next: NextFunction): void {
  next(new ApiError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
}
