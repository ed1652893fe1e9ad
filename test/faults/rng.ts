/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same choices, so a fault run's schedule
 * (which process dies, when, for how long) and its workload's shape can be replayed from the printed seed.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** The items in a random order. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** A generator of its own, seeded from this one, for a concurrent client (its draws do not shift ours). */
  fork(): Rng {
    return new Rng(this.int(0, 0xffffffff));
  }

  /** Waits between min and max milliseconds. */
  sleep(minMs: number, maxMs: number): Promise<void> {
    return new Promise((r) => setTimeout(r, this.int(minMs, maxMs)));
  }
}
