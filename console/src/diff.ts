// What changed between the stored record and the proposed one, as marks on the paths of each side, from jsondiffpatch's
// delta (objects by key; arrays matched by item id where items have one, with moves detected).
import { create, type ArrayDelta, type Delta, type ObjectDelta } from 'jsondiffpatch';

export type Mark = 'added' | 'removed' | 'changed' | 'moved';

/** Marks per path on each side; a path is the keys from the root joined by `/` (`data/address/city`, `contained/pm/0`). */
export interface DiffMarks {
  stored: Map<string, Mark>;
  proposed: Map<string, Mark>;
  /** Paths of either side that hold a marked path below them. */
  storedAncestors: Set<string>;
  proposedAncestors: Set<string>;
  /** How many leaves or subtrees are marked on the proposed side, plus those removed. */
  count: number;
}

const differ = create({
  objectHash: (item: object, index?: number) => {
    const o = item as { id?: unknown; system?: unknown; value?: unknown };
    if (typeof o.id === 'string' || typeof o.id === 'number') return `id:${String(o.id)}`;
    if (typeof o.system === 'string' && o.value !== undefined) return `sv:${o.system}|${String(o.value)}`;
    return `$index:${index ?? 0}`;
  },
  arrays: { detectMove: true, includeValueOnMove: false },
});

export function join(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}/${key}`;
}

function isArrayDelta(d: Delta): d is ArrayDelta {
  return typeof d === 'object' && d !== null && !Array.isArray(d) && (d as { _t?: unknown })._t === 'a';
}

/** Marks the changes from `stored` to `proposed`. `stored` undefined (a CREATE, or no stored record): all is new. */
export function diffRecords(stored: unknown, proposed: unknown): DiffMarks {
  const marks: DiffMarks = { stored: new Map(), proposed: new Map(), storedAncestors: new Set(), proposedAncestors: new Set(), count: 0 };
  if (stored === undefined) {
    marks.proposed.set('', 'added');
    marks.count = 1;
    return marks;
  }
  walk(differ.diff(stored, proposed), '', '', stored, proposed, marks);
  for (const [side, ancestors] of [[marks.stored, marks.storedAncestors], [marks.proposed, marks.proposedAncestors]] as const) {
    for (const path of side.keys()) {
      const parts = path.split('/');
      for (let i = 0; i < parts.length; i++) ancestors.add(parts.slice(0, i).join('/'));
    }
  }
  return marks;
}

function mark(side: Map<string, Mark>, path: string, m: Mark, marks: DiffMarks): void {
  side.set(path, m);
  if (side === marks.proposed || m === 'removed') marks.count++;
}

function walk(delta: Delta, left: string, right: string, leftValue: unknown, rightValue: unknown, marks: DiffMarks): void {
  if (delta === undefined) return;
  if (Array.isArray(delta)) {
    if (delta.length === 1) mark(marks.proposed, right, 'added', marks);
    else if (delta.length === 2 || (delta.length === 3 && delta[2] === 2)) {
      mark(marks.stored, left, 'changed', marks);
      mark(marks.proposed, right, 'changed', marks);
    } else if (delta.length === 3 && delta[2] === 0) mark(marks.stored, left, 'removed', marks);
    return;
  }
  if (isArrayDelta(delta)) {
    walkArray(delta, left, right, Array.isArray(leftValue) ? leftValue : [], Array.isArray(rightValue) ? rightValue : [], marks);
    return;
  }
  const obj = delta as ObjectDelta;
  const l = (leftValue ?? {}) as Record<string, unknown>;
  const r = (rightValue ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(obj)) walk(obj[key], join(left, key), join(right, key), l[key], r[key], marks);
}

/** An array's delta: `N` keys are indices of the new array, `_N` of the old one; unchanged items keep their order. */
function walkArray(delta: ArrayDelta, left: string, right: string, leftItems: unknown[], rightItems: unknown[], marks: DiffMarks): void {
  const removedOld = new Set<number>();
  const movedTo = new Map<number, number>(); // new index → old index
  const addedNew = new Set<number>();
  for (const key of Object.keys(delta)) {
    if (key === '_t') continue;
    const d = (delta as unknown as Record<string, Delta>)[key];
    if (key.startsWith('_')) {
      const old = Number(key.slice(1));
      if (Array.isArray(d) && d.length === 3 && d[2] === 3) {
        movedTo.set(Number(d[1]), old);
        mark(marks.stored, join(left, old), 'moved', marks);
      } else removedOld.add(old);
      continue;
    }
    if (Array.isArray(d) && d.length === 1) addedNew.add(Number(key));
  }
  // Old indices left in place pair up, in order, with new indices left in place.
  const keptOld = leftItems.map((_, i) => i).filter((i) => !removedOld.has(i) && ![...movedTo.values()].includes(i));
  const keptNew = rightItems.map((_, i) => i).filter((i) => !addedNew.has(i) && !movedTo.has(i));
  const oldOf = new Map<number, number>(keptNew.map((n, k) => [n, keptOld[k] ?? n]));
  for (const [n, old] of movedTo) {
    oldOf.set(n, old);
    mark(marks.proposed, join(right, n), 'moved', marks);
  }
  for (const key of Object.keys(delta)) {
    if (key === '_t') continue;
    const d = (delta as unknown as Record<string, Delta>)[key];
    if (key.startsWith('_')) {
      const old = Number(key.slice(1));
      if (removedOld.has(old)) mark(marks.stored, join(left, old), 'removed', marks);
      continue;
    }
    const n = Number(key);
    if (addedNew.has(n)) {
      mark(marks.proposed, join(right, n), 'added', marks);
      continue;
    }
    const old = oldOf.get(n) ?? n;
    walk(d, join(left, old), join(right, n), leftItems[old], rightItems[n], marks);
  }
}
