// A record as a tree of keys and values, with the diff's marks on it: a marked node is highlighted (with words, not
// colour alone, for screen readers), and a node that holds marked nodes below it says so.
import type { ComponentChildren } from 'preact';
import { join, type Mark } from './diff';

const LABEL: Record<Mark, string> = { added: 'new', removed: 'removed', changed: 'changed', moved: 'moved' };

interface Props {
  value: unknown;
  marks: Map<string, Mark>;
  ancestors: Set<string>;
  /** The side's name, for the list's accessible name. */
  label: string;
}

function scalar(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  return String(value);
}

function Badge({ mark }: { mark: Mark }) {
  return <span class={`badge badge-${mark}`}>{LABEL[mark]}</span>;
}

function Node({ name, value, path, marks, ancestors, inherited }: { name: ComponentChildren; value: unknown; path: string; marks: Map<string, Mark>; ancestors: Set<string>; inherited?: Mark }) {
  const own = marks.get(path);
  const m = own ?? inherited;
  const cls = `node${m ? ` mark-${m}` : ''}${!m && ancestors.has(path) ? ' has-changes' : ''}`;
  const isObject = typeof value === 'object' && value !== null;
  if (!isObject) {
    return (
      <li class={cls}>
        <span class="key">{name}</span>: <span class="val">{scalar(value)}</span>
        {own ? <Badge mark={own} /> : null}
      </li>
    );
  }
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value as Record<string, unknown>);
  return (
    <li class={cls}>
      <span class="key">{name}</span>
      {Array.isArray(value) ? <span class="hint"> [{value.length}]</span> : null}
      {own ? <Badge mark={own} /> : null}
      {entries.length === 0 ? (
        <span class="val"> {Array.isArray(value) ? '[]' : '{}'}</span>
      ) : (
        <ul>
          {entries.map(([k, v]) => (
            <Node key={String(k)} name={typeof k === 'number' ? `[${k}]` : k} value={v} path={join(path, k)} marks={marks} ancestors={ancestors} {...(m === 'added' || m === 'removed' ? { inherited: m } : {})} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** The top-level keys of a record (`data`, `contained`, ...) as a tree. */
export function RecordTree({ value, marks, ancestors, label }: Props) {
  const root = marks.get('');
  const entries = Object.entries((value ?? {}) as Record<string, unknown>);
  return (
    <ul class={`tree${root ? ` mark-${root}` : ''}`} aria-label={label}>
      {entries.map(([k, v]) => (
        <Node key={k} name={k} value={v} path={k} marks={marks} ancestors={ancestors} {...(root === 'added' || root === 'removed' ? { inherited: root } : {})} />
      ))}
    </ul>
  );
}
