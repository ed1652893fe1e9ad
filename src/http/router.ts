import { actorOf } from '../records/actor';
import { isUtf8 } from 'node:buffer';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { SluiceError, formatPath, parseOrThrow } from '../errors';
import type { ApiKeyService, Principal } from '../services/api-keys';
import type { CatalogService } from '../catalog/catalog';
import { findJsonHazard } from '../schemas/json-guard';
import { authenticate, authorize, principalOf } from './auth';
import type { BodyLimitKind, Reply, Route } from './route';

export type BodyLimits = Record<BodyLimitKind, number>;

export interface RouterDeps<D> {
  keys: ApiKeyService;
  catalog: Pick<CatalogService, 'getSource'>;
  limits: BodyLimits;
  /** Handed to every handler. */
  handlers: D;
}

/** Deepest JSON nesting any request body may have (profiles, the deepest legitimate bodies, stop at 200). */
const MAX_BODY_DEPTH = 256;

/** Bodies are parsed as JSON under these content types; anything else is a 415. */
const JSON_TYPES = ['application/json', 'application/json-patch+json', 'application/merge-patch+json', 'application/*+json'];

const ANONYMOUS: Principal = { id: 'anonymous', name: 'anonymous', roles: [], sources: [] };

/** Routes under `/sources/{sourceKey}/` act inside a source, which must exist (checked after authorization, so a key learns nothing of sources it cannot reach). */
const SOURCE_PREFIX = '/sources/{sourceKey}/';

/** `{name}` → `:name`, the Express spelling of the same path. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

function send(res: Response, reply: Reply): void {
  res.status(reply.status);
  if (reply.text) res.type(reply.text.contentType).send(reply.text.content);
  else if (reply.body === undefined) res.end();
  else res.json(reply.body);
}

/** JSON bodies only, with the size limit of the route. */
function bodyParser(limit: number): RequestHandler {
  // Invalid UTF-8 is refused, not decoded to U+FFFD and stored as if the client had sent it.
  const parse = express.json({ limit, type: JSON_TYPES, verify: (_req, _res, buf) => {
    if (!isUtf8(buf)) throw new SluiceError('INVALID_ARGUMENT', 'request body is not valid UTF-8');
  } });
  return (req, res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody) return next();
    if (!req.is(JSON_TYPES)) {
      return next(new SluiceError('UNSUPPORTED_MEDIA_TYPE', `content type ${req.headers['content-type'] ?? '(none)'} is not supported; send application/json`));
    }
    parse(req, res, next);
  };
}

/**
 * The Express router of a route table. Matching is exact: case-sensitive, no trailing slash, so a path either is a
 * route, whose declared access is enforced before anything else runs, or is no route at all. Per route: authenticate,
 * authorize from the route's access and its `{sourceKey}`, check the source exists, parse the body with the route's
 * limit, validate path parameters, query and body with the route's schemas, run the handler, send its reply.
 */
export function routerOf<D>(routes: readonly Route<D>[], deps: RouterDeps<D>): Router {
  const router = Router({ caseSensitive: true, strict: true });
  const authn = authenticate(deps.keys);
  const authnBearer = authenticate(deps.keys, { bearer: true });
  const parsers = {
    single: bodyParser(deps.limits.single),
    bundle: bodyParser(deps.limits.bundle),
    bulk: bodyParser(deps.limits.bulk),
    codec: bodyParser(deps.limits.codec),
  };
  /** A streamed route's handler reads the body itself: nothing is parsed before. */
  const parserOf = (r: Route<D>): RequestHandler[] => (r.stream ? [] : [parsers[r.bodyLimit]]);
  for (const r of routes) {
    const chain: RequestHandler[] = [];
    if (r.access !== 'public') {
      const access = r.access;
      chain.push(r.bearer ? authnBearer : authn, async (req: Request, res: Response, next: NextFunction) => {
        const sourceKey = (req.params as Record<string, string | undefined>).sourceKey;
        const source = access.scope === 'source' ? sourceKey : access.scope === 'every-source' ? '*' : undefined;
        authorize(principalOf(res), access.roles, source);
        if (r.path.startsWith(SOURCE_PREFIX)) await deps.catalog.getSource(sourceKey ?? '');
        next();
      }, ...parserOf(r));
    } else if (r.body) {
      // A public route with a body (the Temporal UI's codec route, whose credential is in its path) parses it too.
      chain.push(...parserOf(r));
    }
    chain.push(async (req: Request, res: Response) => {
      const params = parseOrThrow(r.params, req.params, 'path parameters') as Record<string, string>;
      const query = r.query ? parseOrThrow(r.query, req.query, 'query parameters') : {};
      let body: unknown;
      if (r.body && !r.stream) {
        if (req.body === undefined) throw new SluiceError('INVALID_ARGUMENT', 'a JSON request body is required');
        // Before any recursive code (zod, JSON Patch) walks the body: a hostile depth must not exhaust the stack.
        const hazard = findJsonHazard(req.body, MAX_BODY_DEPTH);
        if (hazard) throw new SluiceError('INVALID_ARGUMENT', 'invalid request body', [{ path: formatPath(hazard.path) || '(body)', message: hazard.message }]);
        body = parseOrThrow(r.body, req.body, 'request body');
      }
      const principal = r.access === 'public' ? ANONYMOUS : principalOf(res);
      send(res, await r.handler({ params, query, body, principal, actor: actorOf(principal), deps: deps.handlers, bodyLimit: r.stream ? deps.limits[r.bodyLimit] : 0, req, res }));
    });
    router[r.method](expressPath(r.path), ...chain);
  }
  return router;
}
