import { createHash, randomBytes } from 'node:crypto';
import { SluiceError } from '../errors';
import { newId } from '../ids';
import type { CreateApiKeyBody } from '../schemas/api-keys';
import { isDuplicateKey, type Store } from '../store/db';
import type { Role } from '../domain';
import type { ApiKeyDoc } from '../store/documents';

/** The caller, as resolved from its API key. */
export interface Principal {
  id: string;
  name: string;
  email?: string;
  roles: Role[];
  sources: string[];
}

/** Keys are long random secrets, so one SHA-256 is enough to store them safely (no password stretching needed). */
export function hashKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new secret: `sk_` and 32 random bytes in base64url. */
export function newSecret(): string {
  return `sk_${randomBytes(32).toString('base64url')}`;
}

function toPublic(doc: ApiKeyDoc): Principal & { createdAt: string } {
  return { id: doc._id, name: doc.name, ...(doc.email ? { email: doc.email } : {}), roles: doc.roles, sources: doc.sources, createdAt: doc.createdAt };
}

const CACHE_TTL_MS = 5_000;

/** API key management and authentication; lookups are cached briefly, revocation clears the cache. */
export class ApiKeyService {
  private readonly cache = new Map<string, { principal: Principal | undefined; at: number }>();

  constructor(private readonly store: Store, private readonly now: () => Date = () => new Date()) {}

  /** Creates a key and returns it with its secret, which is shown only here. */
  async create(body: CreateApiKeyBody, secret = newSecret()): Promise<Principal & { createdAt: string; key: string }> {
    const doc: ApiKeyDoc = {
      _id: newId(),
      name: body.name,
      ...(body.email ? { email: body.email } : {}),
      roles: [...new Set(body.roles)],
      sources: [...new Set(body.sources)],
      hash: hashKey(secret),
      createdAt: this.now().toISOString(),
    };
    try {
      await this.store.apiKeys.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err)) throw new SluiceError('ALREADY_EXISTS', 'an API key with this secret already exists');
      throw err;
    }
    return { ...toPublic(doc), key: secret };
  }

  /** Makes sure an admin key for every source exists with this secret (the `SLUICE_ADMIN_KEY` bootstrap). */
  async ensureAdmin(secret: string, name = 'bootstrap-admin'): Promise<void> {
    const hash = hashKey(secret);
    await this.store.apiKeys.updateOne(
      { hash },
      { $setOnInsert: { _id: newId(), name, roles: ['admin'], sources: ['*'], hash, createdAt: this.now().toISOString() } },
      { upsert: true },
    );
  }

  /** True when at least one key has the admin role on every source. */
  async hasGlobalAdmin(): Promise<boolean> {
    return (await this.store.apiKeys.countDocuments({ roles: 'admin', sources: '*' }, { limit: 1 })) > 0;
  }

  /** Lists keys, without secrets or hashes. */
  async list(): Promise<Array<Principal & { createdAt: string }>> {
    const docs = await this.store.apiKeys.find({}).sort({ _id: 1 }).toArray();
    return docs.map(toPublic);
  }

  /** Revokes a key; 404 when it does not exist. */
  async remove(id: string): Promise<void> {
    const res = await this.store.apiKeys.deleteOne({ _id: id });
    if (res.deletedCount === 0) throw new SluiceError('NOT_FOUND', `API key ${id} does not exist`);
    this.cache.clear();
  }

  /** Resolves a secret to its principal, or undefined for an unknown key. */
  async authenticate(secret: string): Promise<Principal | undefined> {
    const hash = hashKey(secret);
    const hit = this.cache.get(hash);
    const nowMs = Date.now();
    if (hit && nowMs - hit.at < CACHE_TTL_MS) return hit.principal;
    const doc = await this.store.apiKeys.findOne({ hash });
    const principal = doc ? toPublic(doc) : undefined;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, at: nowMs });
    return principal;
  }
}
