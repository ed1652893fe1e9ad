import type { z } from 'zod';
import { ApiError, type ErrorDetail } from '../errors';

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
