import type { z } from 'zod';

/**
 * The error types of the product (Clinia's documented types plus UNSUPPORTED_MEDIA_TYPE). The HTTP layer maps each to a
 * status (src/http/error-handler.ts), the activity wrapper to a Temporal failure (activities/failure.ts).
 */
export const ERROR_TYPES = [
  'INVALID_ARGUMENT', 'UNAUTHENTICATED', 'PERMISSION_DENIED', 'NOT_FOUND', 'ALREADY_EXISTS', 'FAILED_PRECONDITION',
  'OUT_OF_RANGE', 'UNIMPLEMENTED', 'CONTENT_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'INTERNAL',
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

/** The HTTP status of each type: the `code` of an error answer, and of the error objects receipts carry (docs). */
export const HTTP_STATUS: Record<ErrorType, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  CONTENT_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
};

/** A stored error (of a receipt or a step) in the documented shape `{code, type, message, details}`. */
export function errorObject(error: { message: string; details?: ErrorDetail[] | undefined; type?: ErrorType | undefined }, fallback: ErrorType): { code: number; type: ErrorType; message: string; details: ErrorDetail[] } {
  const type = error.type ?? fallback;
  return { code: HTTP_STATUS[type], type, message: error.message, details: error.details ?? [] };
}

/** The types a retry can cure: a concurrent change (FAILED_PRECONDITION) and a fault of our own (INTERNAL). */
export const RETRYABLE_ERROR_TYPES: ReadonlySet<ErrorType> = new Set(['FAILED_PRECONDITION', 'INTERNAL']);

export interface ErrorDetail {
  path?: string;
  message: string;
}

/**
 * A failure the product knows: its type, a message for people, one detail per offending path, and whether trying
 * again can succeed (by default: the types of RETRYABLE_ERROR_TYPES). No transport in it.
 */
export class SluiceError extends Error {
  override name = 'SluiceError';
  readonly retryable: boolean;
  /**
   * The failure says nothing about the operation, only about the moment (Temporal away, a record too busy): an
   * operation of a bulk is tried again with its chunk instead of ending FAILURE.
   */
  readonly transient: boolean;
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly details: ErrorDetail[] = [],
    options: { retryable?: boolean; transient?: boolean } = {},
  ) {
    super(message);
    this.retryable = options.retryable ?? RETRYABLE_ERROR_TYPES.has(type);
    this.transient = options.transient ?? false;
  }
}

/** Shorthand for an INVALID_ARGUMENT with per-path details. */
export function invalid(message: string, details: ErrorDetail[] = []): SluiceError {
  return new SluiceError('INVALID_ARGUMENT', message, details);
}

/** Shorthand for a NOT_FOUND naming what was not found. */
export function notFound(message: string): SluiceError {
  return new SluiceError('NOT_FOUND', message);
}

/** Renders a zod issue path the way the API reports paths: `contained.primary[0].data.value`. */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** The details of a ZodError, one per issue, paths rendered by formatPath. */
export function zodDetails(error: z.ZodError, prefix = ''): ErrorDetail[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path, prefix);
    return path ? { path, message: issue.message } : { message: issue.message };
  });
}

/** The one place a ZodError becomes INVALID_ARGUMENT. */
export function fromZod(error: z.ZodError, what: string, prefix = ''): SluiceError {
  return new SluiceError('INVALID_ARGUMENT', `invalid ${what}`, zodDetails(error, prefix));
}

/** Parses `value` with `schema` or throws INVALID_ARGUMENT naming each bad path. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string, prefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(result.error, what, prefix);
  return result.data;
}
