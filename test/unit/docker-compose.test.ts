import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import searchAttributes from '../../scripts/search-attributes.json';
import { ConfigSchema, loadConfig } from '../../src/config';

// docker-compose.yml cannot run on the development machines (no Docker), so this is what keeps it honest.

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string | string[] };
}

const compose = parse(fs.readFileSync(path.join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const services = compose.services;
const APP_SERVICES = ['api', 'worker'] as const;

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

function environment(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  const entries: [string, string][] = Array.isArray(env)
    ? env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    : Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries);
}

// What compose does to `${VAR:-default}` / `${VAR}` when VAR is unset.
function interpolateUnset(value: string): string {
  return value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g, (_match, fallback: string | undefined) => fallback ?? '');
}

function commandText(name: string): string {
  const command = service(name).command ?? '';
  return Array.isArray(command) ? command.join(' ') : command;
}

describe('docker-compose.yml', () => {
  test('has every service Sluice needs', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['mongo', 'postgres', 'temporal', 'temporal-search-attributes', 'temporal-ui', 'api', 'worker']),
    );
  });

  test.each(Object.entries(services).filter(([, s]) => s.image !== undefined))('%s pins its image to a tag other than latest', (_name, s) => {
    const match = /^[a-z0-9][a-z0-9./_-]*:([A-Za-z0-9_][A-Za-z0-9._-]*)$/.exec(s.image ?? '');
    expect(match).not.toBeNull();
    expect(match?.[1]).not.toBe('latest');
  });

  test('every service has an image or is built from the Dockerfile', () => {
    for (const [name, s] of Object.entries(services)) {
      expect({ name, source: s.image !== undefined || s.build !== undefined }).toEqual({ name, source: true });
    }
    expect(fs.existsSync(path.join(__dirname, '..', '..', 'Dockerfile'))).toBe(true);
  });

  test('runs the Temporal server and UI versions of the local dev server (CLI 1.5.1)', () => {
    expect(service('temporal').image).toBe('temporalio/auto-setup:1.29.1');
    expect(service('temporal-ui').image).toBe('temporalio/ui:2.42.1');
  });

  test('runs MongoDB as a single-node replica set that initiates itself', () => {
    expect(service('mongo').image).toBe('mongo:7.0');
    expect(commandText('mongo')).toMatch(/--replSet rs0/);
    expect([service('mongo').healthcheck?.test ?? []].flat().join(' ')).toMatch(/rs\.initiate\(\{ _id: 'rs0'/);
  });

  test.each(APP_SERVICES)('%s is built from the Dockerfile and runs its dist entry point', (name) => {
    expect(service(name).build).toBe('.');
    expect(service(name).command).toEqual(['node', `dist/src/${name === 'api' ? 'server' : 'worker'}.js`]);
  });

  test.each(APP_SERVICES)('%s sets only variables that src/config.ts reads', (name) => {
    const known = Object.keys(ConfigSchema.shape);
    for (const key of Object.keys(environment(name))) expect(known).toContain(key);
  });

  test.each(APP_SERVICES)('%s has an environment that the config loader accepts', (name) => {
    const env = Object.fromEntries(Object.entries(environment(name)).map(([key, value]) => [key, interpolateUnset(value)]));
    expect(() => loadConfig(env)).not.toThrow();
  });

  test.each(APP_SERVICES)('%s reaches MongoDB and Temporal by their service names', (name) => {
    const env = environment(name);
    const mongo = new URL(env.MONGODB_URI ?? '');
    expect(mongo.protocol).toBe('mongodb:');
    expect(mongo.hostname).toBe('mongo');
    expect(mongo.port).toBe('27017');
    expect(mongo.searchParams.get('replicaSet')).toBe('rs0');
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(Object.keys(service(name).depends_on ?? {})).toEqual(expect.arrayContaining(['mongo', 'temporal-search-attributes']));
  });

  test('the API listens on all interfaces and takes its admin key from the host environment', () => {
    const env = environment('api');
    expect(env.HOST).toBe('0.0.0.0');
    expect(env.SLUICE_ADMIN_KEY).toMatch(/^\$\{SLUICE_ADMIN_KEY(:-)?\}$/);
  });

  test('registers exactly the search attributes of scripts/search-attributes.json', () => {
    const pairs = [...commandText('temporal-search-attributes').matchAll(/--name (\w+) --type (\w+)/g)];
    const registered = Object.fromEntries(pairs.map((m): [string, string] => [m[1] ?? '', m[2] ?? '']));
    expect(registered).toEqual(searchAttributes);
  });
});
