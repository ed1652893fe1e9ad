import type { NextFunction, Request, Response } from 'express';
import { SluiceError } from '../errors';
import type { ApiKeyService, Principal } from '../services/api-keys';
import type { Role } from '../domain';

/**
 * Resolves `X-API-Key` (or its alias `X-Clinia-API-Key`) to a principal; 401 when absent or unknown. With `bearer`,
 * `Authorization: Bearer <key>` is taken too (the Temporal CLI's `--codec-auth` sends the key that way).
 */
export function authenticate(keys: ApiKeyService, { bearer = false }: { bearer?: boolean } = {}): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  return async (req, res, next) => {
    const header = req.headers['x-api-key'] ?? req.headers['x-clinia-api-key'];
    const secret = (Array.isArray(header) ? header[0] : header) || (bearer ? bearerToken(req.headers.authorization) : undefined);
    if (!secret) throw new SluiceError('UNAUTHENTICATED', `missing API key: send it in the X-API-Key header${bearer ? ' or as Authorization: Bearer <key>' : ''}`);
    const principal = await keys.authenticate(secret);
    if (!principal) throw new SluiceError('UNAUTHENTICATED', 'unknown API key');
    res.locals.principal = principal;
    next();
  };
}

/** The credentials of `Authorization: Bearer <credentials>` (the scheme in any case), if that is the header. */
function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match?.[1];
}

/** The principal set by `authenticate`. */
export function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new SluiceError('UNAUTHENTICATED', 'missing API key: send it in the X-API-Key header');
  return p;
}

/** True when the key may act on this source. */
function canAccessSource(p: Principal, source: string): boolean {
  return p.sources.includes('*') || p.sources.includes(source);
}

/** `admin` holds every role; otherwise the key needs one of `roles`. */
function hasRole(p: Principal, roles: readonly Role[]): boolean {
  return p.roles.includes('admin') || roles.some((r) => p.roles.includes(r));
}

/** 403 unless the key has one of `roles` and, when given, access to `source`. */
export function authorize(p: Principal, roles: readonly Role[], source?: string): void {
  if (!hasRole(p, roles)) {
    throw new SluiceError('PERMISSION_DENIED', `this API key lacks the role needed here (one of: ${roles.join(', ')})`);
  }
  if (source !== undefined && !canAccessSource(p, source)) {
    throw new SluiceError('PERMISSION_DENIED', `this API key has no access to source '${source}'`);
  }
}
