import { ConfigError, loadConfig } from '../../src/config';

/** The message of the ConfigError `loadConfig` throws for `env`. */
function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  test('an empty environment yields defaults that run everything locally', () => {
    expect(loadConfig({})).toEqual({
      PORT: 8080,
      HOST: '127.0.0.1',
      MONGODB_URI: 'mongodb://127.0.0.1:27017/',
      MONGODB_DB: 'sluice',
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'sluice',
      TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
      SLUICE_CATALOG_FILE: 'catalog/demo.yaml',
      SLUICE_DATA_DIR: '.data',
      LOG_LEVEL: 'info',
      BODY_LIMIT_SINGLE: 1024 * 1024,
      BODY_LIMIT_BUNDLE: 5 * 1024 * 1024,
      BODY_LIMIT_BULK: 5 * 1024 ** 3,
      BODY_LIMIT_CODEC: 64 * 1024 * 1024,
      SLUICE_CATALOG_CACHE_MS: 1000,
      SLUICE_SWEEP_EVERY_MS: 300_000,
      SLUICE_ORPHAN_GRACE_MS: 600_000,
      SLUICE_HANDOFF_TIMEOUT_MS: 30_000,
      SLUICE_SUPERSEDE_TIMEOUT_MS: 30_000,
      SLUICE_MODELS: {},
      SLUICE_CODEC_OLD_KEYS: [],
      SLUICE_CODEC_CORS_ORIGINS: ['http://127.0.0.1:8233', 'http://localhost:8233'],
    });
  });

  test('blank values fall back to the defaults', () => {
    const config = loadConfig({ PORT: '', MONGODB_URI: '', LOG_LEVEL: '' });
    expect(config.PORT).toBe(8080);
    expect(config.MONGODB_URI).toBe('mongodb://127.0.0.1:27017/');
    expect(config.LOG_LEVEL).toBe('info');
  });

  test('variables Sluice does not read are ignored', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root' }).PORT).toBe(8080);
  });

  test('given values are parsed into their types', () => {
    const config = loadConfig({
      PORT: '9090', HOST: '0.0.0.0', MONGODB_URI: 'mongodb+srv://cluster.example.net/', MONGODB_DB: 'reg_1',
      TEMPORAL_ADDRESS: 'temporal:7233', LOG_LEVEL: 'debug', SLUICE_ADMIN_KEY: 'a-long-enough-secret', BODY_LIMIT_BULK: '1048576',
    });
    expect(config).toEqual(expect.objectContaining({
      PORT: 9090, HOST: '0.0.0.0', MONGODB_URI: 'mongodb+srv://cluster.example.net/', MONGODB_DB: 'reg_1',
      TEMPORAL_ADDRESS: 'temporal:7233', LOG_LEVEL: 'debug', SLUICE_ADMIN_KEY: 'a-long-enough-secret', BODY_LIMIT_BULK: 1048576,
    }));
  });

  test.each<[string, NodeJS.ProcessEnv, string]>([
    ['PORT that is not a number', { PORT: 'eighty' }, 'PORT'],
    ['PORT out of range', { PORT: '70000' }, 'PORT'],
    ['PORT negative', { PORT: '-1' }, 'PORT'],
    ['PORT fractional', { PORT: '80.5' }, 'PORT'],
    ['MONGODB_URI of another scheme', { MONGODB_URI: 'postgres://localhost/db' }, 'MONGODB_URI'],
    ['MONGODB_URI without a scheme', { MONGODB_URI: 'localhost:27017' }, 'MONGODB_URI'],
    ['MONGODB_DB with a dot', { MONGODB_DB: 'my.db' }, 'MONGODB_DB'],
    ['LOG_LEVEL unknown', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    ['LOG_LEVEL in upper case', { LOG_LEVEL: 'INFO' }, 'LOG_LEVEL'],
    ['SLUICE_ADMIN_KEY too short', { SLUICE_ADMIN_KEY: 'short' }, 'SLUICE_ADMIN_KEY'],
    ['BODY_LIMIT_SINGLE zero', { BODY_LIMIT_SINGLE: '0' }, 'BODY_LIMIT_SINGLE'],
    ['BODY_LIMIT_BULK not a number', { BODY_LIMIT_BULK: '64mb' }, 'BODY_LIMIT_BULK'],
    ['BODY_LIMIT_BULK over 5 GiB', { BODY_LIMIT_BULK: String(5 * 1024 ** 3 + 1) }, 'BODY_LIMIT_BULK'],
    ['SLUICE_CATALOG_CACHE_MS negative', { SLUICE_CATALOG_CACHE_MS: '-1' }, 'SLUICE_CATALOG_CACHE_MS'],
    ['EMBEDDING_URL that is not a URL', { EMBEDDING_URL: 'embeddings please' }, 'EMBEDDING_URL'],
    ['TEMPORAL_UI_URL of another scheme', { TEMPORAL_UI_URL: 'ftp://127.0.0.1:8233' }, 'TEMPORAL_UI_URL'],
    ['SLUICE_MODELS that is not JSON', { SLUICE_MODELS: '{mte' }, 'SLUICE_MODELS'],
    ['SLUICE_MODELS with a segmenter without maxTokens', { SLUICE_MODELS: JSON.stringify({ 'my-chunks': { kind: 'segmenter' } }) }, 'SLUICE_MODELS'],
  ])('%s → ConfigError naming the variable', (_name, env, variable) => {
    const message = configError(env);
    expect(message).toMatch(new RegExp(`(^|\\s)${variable}: `));
  });

  test('every bad variable is named at once', () => {
    const message = configError({ PORT: 'x', MONGODB_URI: 'http://db', LOG_LEVEL: 'loud' });
    for (const variable of ['PORT', 'MONGODB_URI', 'LOG_LEVEL']) expect(message).toMatch(new RegExp(`(^|\\s)${variable}: `));
  });

  test('the message explains what a good value looks like', () => {
    expect(configError({ MONGODB_URI: 'postgres://x' })).toContain('must be a mongodb:// or mongodb+srv:// URI');
    expect(configError({ SLUICE_ADMIN_KEY: 'short' })).toContain('must be at least 16 characters');
  });

  test('a bad value never echoes a secret it was given', () => {
    expect(configError({ SLUICE_ADMIN_KEY: 'tiny-secret' })).not.toContain('tiny-secret');
  });
});
