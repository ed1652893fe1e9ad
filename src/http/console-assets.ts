import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';

/**
 * The directory of the package, from here in src/http/ or in dist/src/http/: the nearest one holding package.json that
 * is not dist/ itself (tsc copies package.json there, since src/http/openapi.ts imports it).
 */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist') {
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

/** Where `npm run build` writes the console (vite's outDir, console/vite.config.ts). */
export const CONSOLE_DIR = path.join(packageRoot(), 'dist', 'console');

// The console talks to this API only, loads nothing from elsewhere and may not be framed.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function securityHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/**
 * The review console at `/console`: the files vite built, without an API key (the page asks for one and sends it with
 * every API call). Paths that are no file get the page itself, so the console's own links reload. Before the build the
 * answer is a 503 that says how to build it. Files, not API operations: they sit beside the route table, like /docs.
 */
export function consoleAssets(dir: string = CONSOLE_DIR): Router {
  const r = Router({ caseSensitive: true, strict: true });
  const index = path.join(dir, 'index.html');
  const page = (_req: unknown, res: Response): void => {
    securityHeaders(res);
    res.setHeader('Cache-Control', 'no-cache');
    if (!fs.existsSync(index)) {
      res.status(503).type('text/plain').send('The review console is not built: run `npm run build` (or `npm start`), which builds it into dist/console.\n');
      return;
    }
    res.sendFile(index);
  };
  // Hashed file names (vite): cached for good.
  r.use('/console/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, setHeaders: securityHeaders }));
  r.use('/console/assets', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.status(404).type('text/plain').send('no such file of the console\n');
  });
  // Middleware, not routes: the route table (and /openapi.json) holds API operations only.
  r.use('/console', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.originalUrl.split('?')[0] === '/console') return res.redirect(301, '/console/');
    // A file of the build (favicon and the like) is served; anything else is a console page.
    const file = path.join(dir, path.normalize(req.path));
    if (file.startsWith(dir + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile()) {
      securityHeaders(res);
      return res.sendFile(file);
    }
    page(req, res);
  });
  return r;
}
