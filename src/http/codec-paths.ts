import cors from 'cors';
import type { NextFunction, Request, Response } from 'express';

/** The paths of the codec routes, matched as exactly as the router matches them (case-sensitive, no trailing slash). */
const CODEC_PATH = /^\/codec(\/ui\/[^/]+)?\/(encode|decode)$/;

/**
 * CORS for the codec routes only, for the Temporal UI's origins: the UI calls them from the browser with
 * `Content-Type: application/json` and `X-Namespace`, so the browser sends a preflight OPTIONS first, which is answered
 * here (204). The headers allowed include those the API key may come in. Every other path is left alone.
 */
export function codecCors(origins: readonly string[]): (req: Request, res: Response, next: NextFunction) => void {
  const handle = cors({
    origin: [...origins],
    methods: ['POST'],
    allowedHeaders: ['authorization', 'content-type', 'x-namespace', 'x-api-key', 'x-clinia-api-key'],
    maxAge: 600,
  });
  return (req, res, next) => (CODEC_PATH.test(req.path) ? handle(req, res, next) : next());
}

/** `/codec/ui/<token>/...` with the token replaced, for logs: the token is a credential. */
export function redactCodecToken(url: string): string {
  return url.replace(/^\/+codec\/ui\/[^/?#]*/i, '/codec/ui/[redacted]');
}
