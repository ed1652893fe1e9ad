import { Router } from 'express';
import { generateHTML, serveFiles } from 'swagger-ui-express';

// The page and its assets load by relative URLs (`docs/…`, `openapi.json`), so they work offline and behind a path prefix.
const UI_OPTIONS = { customSiteTitle: 'Sluice API', swaggerUrl: 'openapi.json' };

/** The Swagger UI page served at `GET /docs`: swagger-ui-express's page, its assets moved under `docs/`. */
export function docsHtml(): string {
  return generateHTML(undefined, UI_OPTIONS).replace(/(src|href)="\.\/([^"]+)"/g, '$1="./docs/$2"');
}

/**
 * The static assets of the page at `/docs/*`, served from node_modules without an API key. They are files, not API
 * operations, so they sit beside the route table (whose `GET /docs` is the page), not in it.
 */
export function docsAssets(): Router {
  const r = Router({ caseSensitive: true, strict: true });
  r.use('/docs/', ...serveFiles(undefined, UI_OPTIONS));
  return r;
}
