import type { PayloadCodec } from '@temporalio/common';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { Services } from '../../services';
import { route, type Route, type RouteSpec } from '../route';

/** The codec endpoint's codec, and who may call it from a browser. */
export interface CodecEndpointDeps {
  codec: PayloadCodec;
  /** The secret path segment of the Temporal UI's codec endpoint (`/codec/ui/{token}`); without it those routes are 404. */
  uiToken?: string;
  /** Browser origins (the Temporal UI's) that may call the codec routes. */
  corsOrigins: readonly string[];
}

/** What the API's handlers call: the services, readiness and the metrics registry. */
export type ApiHandlers = Omit<Services, 'locks'> & {
  /** Resolves when MongoDB and Temporal answer; rejects with the reason otherwise. */
  ready: () => Promise<void>;
  metrics: Registry;
  /** The OpenAPI document of the table (handed in, so the table does not import the generator built from it). */
  openapi: () => unknown;
  codec: CodecEndpointDeps;
};

export type ApiRoute = Route<ApiHandlers>;

/** `route()` for the API's handlers. */
export function apiRoute<Path extends string, P extends Record<string, z.ZodType> = Record<never, never>, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<ApiHandlers, Path, P, Q, B>,
): ApiRoute {
  return route(spec);
}

/** Error reasons several routes share. */
export const NO_SOURCE = { NOT_FOUND: 'the source does not exist' } as const;
export const CONCURRENT = { FAILED_PRECONDITION: 'the record changed concurrently too many times; retry' } as const;
