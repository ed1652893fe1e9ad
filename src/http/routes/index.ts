import { apiKeyRoutes } from './api-keys';
import { manyRecordRoutes } from './many-records';
import { catalogRoutes } from './catalog';
import { codecRoutes } from './codec';
import { historyRoutes } from './history';
import { terminologyRoutes } from './terminology';
import type { ApiRoute } from './deps';
import { opsRoutes } from './ops';
import { recordRoutes } from './records';
import { reviewRoutes } from './review';

/** The API: every route, in matching order. Express, authorization and /openapi.json are all built from this table. */
export const ROUTES: readonly ApiRoute[] = [...opsRoutes, ...apiKeyRoutes, ...catalogRoutes, ...terminologyRoutes, ...manyRecordRoutes, ...recordRoutes, ...reviewRoutes, ...historyRoutes, ...codecRoutes];
