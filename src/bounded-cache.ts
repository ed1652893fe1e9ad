/** A bounded in-process cache, least recently used dropped first. */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries = 500) {}

  /** The value for this key, or undefined; a hit becomes the most recently used. */
  lookup(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /** Keeps a value, dropping the least recently used one beyond the bound. */
  store(key: string, value: V): V {
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return value;
  }

  /** The value for this key, making (and keeping) it on a miss. */
  get(key: string, make: () => V): V {
    return this.lookup(key) ?? this.store(key, make());
  }

  get size(): number {
    return this.entries.size;
  }
}
