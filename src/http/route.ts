import type { Request, Response } from 'express';
import { z } from 'zod';
import type { ErrorType } from '../errors';
import { KeySchema } from '../schemas/profile';
import type { Principal } from '../services/api-keys';
import type { Actor } from '../records/actor';
import { ROLES, type Role } from '../domain';

/** The sections of the API reference, in the order /docs lists them, with the description each one gets there. */
export const TAGS = {
  Operations: 'Liveness, readiness, metrics and this reference; no API key needed.',
  Catalog: 'Data sources, profiles, relationship definitions and pipeline definitions (admin keys write them).',
  Resources: 'Single operations on resources and their contained items (ingest keys write them).',
  Relationships: 'Single operations on relationships between two ROOT resources (ingest keys write them).',
  Tasks: 'The outcome of every write request, one receipt per operation.',
  Bulk: 'Up to 100,000 operations in one asynchronous, non-atomic request.',
  Bundle: 'Resource and relationship operations written all together or not at all.',
  Purge: 'Deleting every record of a collection.',
  'Pipeline executions': 'Pipeline executions and the review queue (review keys decide).',
  Terminology: 'Vocabularies and their concepts, which profile `binding`s validate codes against.',
  History: 'Version history: one item per applied operation of a record, with who and when.',
  'API keys': 'Managing API keys (admin keys on every source).',
  Codec: 'The payload codec endpoint of the Temporal UI and CLI: Temporal stores every payload encrypted, and these routes decode (and encode) them for people allowed to read them.',
} as const;
export type Tag = keyof typeof TAGS;

/**
 * Who may call a route. `public` needs no key. Otherwise the key needs one of `roles` (admin holds every role) and
 * `scope` says which sources it must reach: `source` the `{sourceKey}` of the path, `every-source` all of them
 * (`*`), `none` no particular one (the handler filters by the key's sources).
 */
export type Access = 'public' | { roles: readonly Role[]; scope: 'source' | 'every-source' | 'none' };

/** Any role reads. */
export const READERS: readonly Role[] = ROLES;

/** What a handler answers: a status, and a JSON body unless `text` is given. */
export interface Reply {
  status: number;
  body?: unknown;
  text?: { contentType: string; content: string };
}

/** The body size limits (BODY_LIMIT_*): a route names the one it takes. */
export type BodyLimitKind = 'single' | 'bundle' | 'bulk' | 'codec';

/** One documented answer of a route. */
export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface RouteContext<P, Q, B, D> {
  params: P;
  query: Q;
  body: B;
  /** The caller; an anonymous principal without roles on public routes. */
  principal: Principal;
  /** Who the request's writes are recorded for (the history items' `userInfo`): the key's id and e-mail. */
  actor: Actor;
  deps: D;
  /** A streamed route's body limit in bytes (its handler reads `req` itself); 0 elsewhere. */
  bodyLimit: number;
  req: Request;
  res: Response;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** The names of the `{param}`s of a path literal: `'/a/{x}/b/{y}'` gives `'x' | 'y'`. */
export type PathParams<S extends string> = S extends `${string}{${infer N}}${infer Rest}` ? N | PathParams<Rest> : never;

/** A route as declared: everything Express, authorization and /openapi.json need, in one place. */
export interface RouteSpec<D, Path extends string, P extends Record<string, z.ZodType>, Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete';
  /** The documented path, parameters written `{name}`; matched exactly (case-sensitive, no trailing slash). */
  path: Path;
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  access: Access;
  /** Also take the key as `Authorization: Bearer <key>`, the header the Temporal CLI's `--codec-auth` sets. */
  bearer?: boolean;
  /** Path parameters whose schema differs from the shared one in PATH_PARAMS (another description, another rule). */
  params?: P;
  query?: Q;
  body?: B;
  /** Which body size limit applies (bulk and bundle take larger bodies, the codec endpoints' payload lists too). */
  bodyLimit?: BodyLimitKind;
  /**
   * The handler reads the body itself, as a stream (`req`), within `bodyLimit`: nothing parses or validates it before.
   * `body` and `bodyTypes` then only document it.
   */
  stream?: boolean;
  /** Content types the body may have; JSON by default. */
  bodyTypes?: readonly string[];
  responses: Record<number, ResponseSpec>;
  /** The error answers particular to this route; those of authentication, bodies, queries and path parameters are added. */
  errors?: Partial<Record<ErrorType, string>>;
  handler: (ctx: RouteContext<Record<PathParams<Path>, string>, Out<Q> extends undefined ? Record<string, never> : Out<Q>, Out<B>, D>) => Promise<Reply> | Reply;
}

/** A route with its types erased, as the table holds it. */
export interface Route<D> {
  method: RouteSpec<D, string, Record<string, z.ZodType>, undefined, undefined>['method'];
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  access: Access;
  bearer: boolean;
  /** Every path parameter's schema, from PATH_PARAMS and the route's own. */
  params: z.ZodObject;
  query?: z.ZodType;
  body?: z.ZodType;
  bodyLimit: BodyLimitKind;
  stream: boolean;
  bodyTypes: readonly string[];
  responses: Record<number, ResponseSpec>;
  errors: Partial<Record<ErrorType, string>>;
  handler: (ctx: RouteContext<Record<string, string>, unknown, unknown, D>) => Promise<Reply> | Reply;
}

/** The path parameters shared by the routes; a route may restate one to describe it better. */
export const PATH_PARAMS: Record<string, z.ZodType> = {
  sourceKey: KeySchema.describe('Key of the data source.'),
  type: z.string().min(1).describe('Profile (resource type) or relationship type key.'),
  id: z.string().min(1).describe('Record id.'),
  containKey: z.string().min(1).describe('Contain key of the root profile.'),
  containedId: z.string().min(1).describe('Short id of the contained item.'),
  profileKey: KeySchema.describe('Profile key (the resource type).'),
  key: KeySchema.describe('Relationship type key.'),
  collectionKey: z.string().min(1).describe('A profile key or a relationship type key.'),
  taskId: z.string().min(1).describe('`s_` single, `bk_` bulk, `bd_` bundle, `pg_` purge, then a KSUID.'),
  bulkId: z.string().min(1).describe('The bulk id (`bk_...`), equal to its task id.'),
  purgeId: z.string().min(1).describe('The purge id (`pg_...`).'),
};

/** The names of the `{param}`s of a path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** Declares a route; the handler's params, query and body are typed from the route's schemas. */
export function route<D, Path extends string, P extends Record<string, z.ZodType> = Record<never, never>, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<D, Path, P, Q, B>,
): Route<D> {
  const shape: Record<string, z.ZodType> = {};
  for (const name of pathParamNames(spec.path)) {
    const schema = spec.params?.[name] ?? PATH_PARAMS[name];
    if (!schema) throw new Error(`route ${spec.operationId}: path parameter {${name}} has no schema (add it to PATH_PARAMS or to the route's params)`);
    shape[name] = schema;
  }
  for (const name of Object.keys(spec.params ?? {})) {
    if (!(name in shape)) throw new Error(`route ${spec.operationId}: params.${name} is not a parameter of ${spec.path}`);
  }
  return {
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId,
    tag: spec.tag,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    access: spec.access,
    bearer: spec.bearer ?? false,
    params: z.object(shape),
    ...(spec.query ? { query: spec.query } : {}),
    ...(spec.body ? { body: spec.body } : {}),
    bodyLimit: spec.bodyLimit ?? 'single',
    stream: spec.stream ?? false,
    bodyTypes: spec.bodyTypes ?? ['application/json'],
    responses: spec.responses,
    errors: spec.errors ?? {},
    handler: spec.handler as Route<D>['handler'],
  };
}

/** A JSON answer with its schema. */
export function json(description: string, schema: z.ZodType): ResponseSpec {
  return { description, schema };
}
