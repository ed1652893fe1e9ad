import { Router } from 'express';
import { serveFiles, setup } from 'swagger-ui-express';
import { openApiDocument } from '../openapi';

// The page lives at /docs/ and loads its assets and the document by relative URLs, so it works offline and behind a path prefix.
const UI_OPTIONS = { customSiteTitle: 'Sluice API', swaggerUrl: '../openapi.json' };

/** `GET /openapi.json` and the Swagger UI at `GET /docs`, both without an API key; the UI's assets are served from node_modules. */
export function docsRoutes(): Router {
  const r = Router();
  r.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  // `/docs` redirects to `/docs/` (express.static does it) so that the page's relative asset URLs resolve under /docs/.
  r.use('/docs', serveFiles(undefined, UI_OPTIONS));
  r.get('/docs', setup(undefined, UI_OPTIONS));
  return r;
}
