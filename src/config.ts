import { z } from 'zod';
import { ModelsConfigSchema } from './pipeline/models';

const port = z.coerce.number().int().min(0).max(65535);
const bytes = z.coerce.number().int().positive();

/** A payload codec key id: stored in every encrypted payload's metadata, so short and plain. */
export const CODEC_KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const codecKeyId = z.string().regex(CODEC_KEY_ID, 'must be 1 to 64 letters, digits, ".", "_" or "-"');
/** 32 bytes in base64 (`openssl rand -base64 32`) → the bytes. Messages never quote the value: it is a secret. */
function codecKeyBytes(text: string): Buffer | undefined {
  const key = Buffer.from(text, 'base64');
  return /^[A-Za-z0-9+/]+={0,2}$/.test(text) && key.length === 32 ? key : undefined;
}
const CODEC_KEY_MESSAGE = 'must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)';

/** Every environment variable Sluice reads, with local defaults that run everything on one machine. */
export const ConfigSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI').default('mongodb://127.0.0.1:27017/'),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be a database name of letters, digits, _ or -').default('sluice'),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('sluice'),
  /** The Temporal Web UI, which the review console links executions to. */
  TEMPORAL_UI_URL: z.url({ protocol: /^https?$/, message: 'must be the http(s) URL of the Temporal Web UI' }).default('http://127.0.0.1:8233'),
  SLUICE_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  SLUICE_CATALOG_FILE: z.string().min(1).default('catalog/demo.yaml'),
  SLUICE_DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_SINGLE: bytes.default(1024 * 1024),
  BODY_LIMIT_BUNDLE: bytes.default(5 * 1024 * 1024),
  /** A bulk's body is streamed, never held whole: up to 5 GB (Clinia's documented maximum), the default. */
  BODY_LIMIT_BULK: bytes.max(5 * 1024 ** 3, 'must be at most 5 GiB (5368709120)').default(5 * 1024 ** 3),
  /** The payload codec endpoints' bodies (lists of Temporal payloads), parsed whole. */
  BODY_LIMIT_CODEC: bytes.default(64 * 1024 * 1024),
  /** How long a catalog read of the write path is kept in a process; changes through another process are seen within it. */
  SLUICE_CATALOG_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  SLUICE_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** How often each worker sweeps for work no workflow owns (docs/durability.md). */
  SLUICE_SWEEP_EVERY_MS: z.coerce.number().int().min(1000).default(300_000),
  /** How long an execution, or a bulk's or bundle's start, may go without a workflow before the sweep hands it over again or ends it. */
  SLUICE_ORPHAN_GRACE_MS: z.coerce.number().int().min(1000).default(600_000),
  /** How long a hand-off to Temporal (a workflow start or signal) is tried again while Temporal is unavailable. */
  SLUICE_HANDOFF_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** How long a write waits for its record's running execution to stop (the `supersede` update) before it answers 409. */
  SLUICE_SUPERSEDE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** The payload codec's current key (base64, 32 bytes) and its id: every payload Temporal stores is encrypted with it. */
  SLUICE_CODEC_KEY: z
    .string()
    .transform((text, ctx) => {
      const key = codecKeyBytes(text);
      if (!key) {
        ctx.addIssue({ code: 'custom', message: CODEC_KEY_MESSAGE });
        return z.NEVER;
      }
      return key;
    })
    .optional(),
  SLUICE_CODEC_KEY_ID: codecKeyId.optional(),
  /** Retired keys, still used to decode older payloads: `id:base64,id:base64`. */
  SLUICE_CODEC_OLD_KEYS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      const out: { id: string; key: Buffer }[] = [];
      for (const [i, entry] of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean).entries()) {
        const at = entry.indexOf(':');
        const id = entry.slice(0, Math.max(at, 0));
        const key = at > 0 ? codecKeyBytes(entry.slice(at + 1)) : undefined;
        if (!CODEC_KEY_ID.test(id) || !key) {
          ctx.addIssue({ code: 'custom', message: `entry ${i + 1} must be <id>:<key>, the id of letters, digits, ".", "_" or "-", the key ${CODEC_KEY_MESSAGE.replace('must be ', '')}` });
          return z.NEVER;
        }
        out.push({ id, key });
      }
      return out;
    }),
  /** A secret path segment that lets the Temporal UI reach the codec endpoint without an API key (`/codec/ui/<token>`). */
  SLUICE_CODEC_UI_TOKEN: z.string().regex(/^[A-Za-z0-9_-]{32,128}$/, 'must be 32 to 128 letters, digits, "_" or "-"').optional(),
  /** Browser origins allowed to call the codec endpoint (the Temporal UI's), comma-separated. */
  SLUICE_CODEC_CORS_ORIGINS: z
    .string()
    .default('http://127.0.0.1:8233,http://localhost:8233')
    .transform((text, ctx) => {
      const origins = text.split(',').map((o) => o.trim()).filter(Boolean);
      const bad = origins.filter((o) => !URL.canParse(o) || new URL(o).origin !== o);
      if (bad.length) {
        ctx.addIssue({ code: 'custom', message: `must be origins such as http://127.0.0.1:8233 (scheme, host, port; no path): ${bad.join(', ')}` });
        return z.NEVER;
      }
      return origins;
    }),
  EMBEDDING_URL: z.url({ message: 'must be an http(s) URL of an OpenAI-compatible embeddings endpoint' }).optional(),
  EMBEDDING_MODEL: z.string().min(1).optional(),
  EMBEDDING_API_KEY: z.string().min(1).optional(),
  /** More model ids for SEGMENTER / VECTORIZER steps, as JSON: `{"<modelId>": {"kind": "embedder", "dimensions": 384, "url": ...}}`. */
  SLUICE_MODELS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return {};
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object mapping model ids to {"kind": "segmenter" | "embedder", ...}' });
        return z.NEVER;
      }
      const parsed = ModelsConfigSchema.safeParse(json);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
        return z.NEVER;
      }
      return parsed.data;
    }),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Thrown when the environment holds a bad value; the message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once at start-up; a bad value stops the process with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(blanksRemoved);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}
