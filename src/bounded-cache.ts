import { LRUCache } from 'lru-cache';

/**
 * A bounded in-process cache over `lru-cache`: least recently used dropped first and, with a `ttlMs`, every
 * entry dropped that much after it was stored.
 */
export class BoundedCache<V extends object> {
  private readonly entries: LRUCache<string, V>;

  constructor(maxEntries = 500, ttlMs = 0) {
    this.entries = new LRUCache<string, V>({ max: maxEntries, ...(ttlMs > 0 ? { ttl: ttlMs } : {}) });
  }

  /** The value for this key, or undefined; a hit becomes the most recently used. */
  lookup(key: string): V | undefined {
    return this.entries.get(key);
  }

  /** Keeps a value, dropping the least recently used one beyond the bound. */
  store(key: string, value: V): V {
    this.entries.set(key, value);
    return value;
  }

  /** The value for this key, making (and keeping) it on a miss. */
  get(key: string, make: () => V): V {
    return this.lookup(key) ?? this.store(key, make());
  }

  /** Drops one entry. */
  drop(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
