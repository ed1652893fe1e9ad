import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { ApiError, type ErrorDetail } from '../errors';
import { findJsonHazard } from '../schemas/predicate';

/** Deepest JSON nesting any request body may have (profiles, the deepest legitimate bodies, stop at 200). */
const MAX_BODY_DEPTH = 256;

/** Renders a zod issue path the way the API reports paths: `contained.primary[0].data.value`. */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** The one place a ZodError becomes INVALID_ARGUMENT. */
export function zodToApiError(error: z.ZodError, what: string, prefix = ''): ApiError {
  const details: ErrorDetail[] = error.issues.map((issue) => {
    const path = formatPath(issue.path, prefix);
    return path ? { path, message: issue.message } : { message: issue.message };
  });
  return new ApiError('INVALID_ARGUMENT', `invalid ${what}`, details);
}

/** Parses `value` with `schema` or throws INVALID_ARGUMENT naming each bad path. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string, prefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw zodToApiError(result.error, what, prefix);
  return result.data;
}

export interface HandlerInput<B, Q> {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: Record<string, string>;
}

/**
 * Wraps a handler so it receives its body and query already parsed by their zod schemas; handlers never
 * read `req.body`. A missing body is reported as such rather than as a type error on `undefined`.
 */
export function handle<BS extends z.ZodType | undefined = undefined, QS extends z.ZodType | undefined = undefined>(
  schemas: { body?: BS; query?: QS },
  fn: (input: HandlerInput<BS extends z.ZodType ? z.output<BS> : undefined, QS extends z.ZodType ? z.output<QS> : Record<string, never>>) => Promise<void>,
): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  return async (req, res) => {
    let body: unknown = undefined;
    if (schemas.body) {
      if (req.body === undefined) throw new ApiError('INVALID_ARGUMENT', 'a JSON request body is required');
      // Before any recursive code (zod, JSON Patch) walks the body: a hostile depth must not exhaust the stack.
      const hazard = findJsonHazard(req.body, MAX_BODY_DEPTH);
      if (hazard) throw new ApiError('INVALID_ARGUMENT', 'invalid request body', [{ path: formatPath(hazard.path) || '(body)', message: hazard.message }]);
      body = parseOrThrow(schemas.body, req.body, 'request body');
    }
    const query = schemas.query ? parseOrThrow(schemas.query, req.query, 'query parameters') : {};
    await fn({ req, res, body: body as never, query: query as never, params: req.params as Record<string, string> });
  };
}
