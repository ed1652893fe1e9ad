import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp } from '../../src/http/app';
import { startApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

test('the real app logs one JSON line per request and never the API key', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
  const app = createApp({ logger, limits: { single: 1 << 20, bundle: 5 << 20, bulk: 16 << 20, codec: 64 << 20 }, ...api.services, ready: async () => undefined, codec: { codec: api.codec, corsOrigins: [] } });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    expect((await fetch(`${base}/sources/demo/v1/resources/provider?perPage=1`, { headers: { 'x-api-key': api.adminKey } })).status).toBe(200);
    expect((await fetch(`${base}/sources/demo/v1/resources/provider`, { headers: { 'x-clinia-api-key': 'sk_unknown_secret_42' } })).status).toBe(401);
  } finally {
    server.close();
  }
  const requestLines = lines.map((l) => JSON.parse(l) as { req?: { url?: string } }).filter((l) => l.req);
  expect(requestLines.map((l) => l.req?.url)).toEqual(['/sources/demo/v1/resources/provider?perPage=1', '/sources/demo/v1/resources/provider']);
  expect(lines.join('')).not.toContain(api.adminKey);
  expect(lines.join('')).not.toContain('sk_unknown_secret_42');
});
