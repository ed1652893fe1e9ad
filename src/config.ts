import { z } from 'zod';
import { ModelsConfigSchema } from './pipeline/models';

const port = z.coerce.number().int().min(0).max(65535);
const bytes = z.coerce.number().int().positive();

/** Every environment variable Sluice reads, with local defaults that run everything on one machine. */
export const ConfigSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI').default('mongodb://127.0.0.1:27017/'),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be a database name of letters, digits, _ or -').default('sluice'),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('sluice'),
  SLUICE_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  SLUICE_CATALOG_FILE: z.string().min(1).default('catalog/demo.yaml'),
  SLUICE_DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_SINGLE: bytes.default(1024 * 1024),
  BODY_LIMIT_BUNDLE: bytes.default(5 * 1024 * 1024),
  BODY_LIMIT_BULK: bytes.default(64 * 1024 * 1024),
  /** How long a catalog read of the write path is kept in a process; changes through another process are seen within it. */
  SLUICE_CATALOG_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  SLUICE_WORKFLOW_BUNDLE: z.string().min(1).optional(),
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
