/** The error types of the public API (SPEC §2) and the HTTP status each one maps to. */
export const ERROR_STATUS = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 409,
  CONTENT_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
} as const;

export type ErrorType = keyof typeof ERROR_STATUS;

/** An error answer lists at most this many details, so a bad request cannot make a huge answer. */
export const MAX_DETAILS = 100;

export interface ErrorDetail {
  path?: string;
  message: string;
}

/** The one error the HTTP layer knows how to answer; everything else becomes INTERNAL. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.type];
  }

  /** The response body of SPEC §2: `{code, type, message, details}`. */
  toBody(): { code: number; type: ErrorType; message: string; details: ErrorDetail[] } {
    const details = this.details.length > MAX_DETAILS
      ? [...this.details.slice(0, MAX_DETAILS), { message: `... and ${this.details.length - MAX_DETAILS} more problems` }]
      : this.details;
    return { code: this.status, type: this.type, message: this.message, details };
  }
}

/** Shorthand for a 400 with per-path details. */
export function invalid(message: string, details: ErrorDetail[] = []): ApiError {
  return new ApiError('INVALID_ARGUMENT', message, details);
}

/** Shorthand for a 404 naming what was not found. */
export function notFound(message: string): ApiError {
  return new ApiError('NOT_FOUND', message);
}
