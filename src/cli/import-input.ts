import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { JSONParser } from '@streamparser/json';
import { parse as parseCsv } from 'csv-parse';
import { z } from 'zod';
import { notAnOperation } from '../services/bulk-stream';

/** One input line (NDJSON, CSV row) or array item (JSON): the operation it gives, or why it gives none. */
export type InputItem = { line: number; op: Record<string, unknown> } | { line: number; error: string };

export type InputFormat = 'ndjson' | 'json' | 'csv';

/** The format a file's name says (`.ndjson`/`.jsonl`, `.json`, `.csv`); NDJSON for anything else and for stdin. */
export function formatOf(file: string): InputFormat {
  if (/\.json$/i.test(file)) return 'json';
  if (/\.csv$/i.test(file)) return 'csv';
  return 'ndjson';
}

/** How a CSV column becomes a property: its name, or the name with a split (a list) and a type. */
const ColumnSchema = z.union([
  z.string().min(1),
  z.object({ column: z.string().min(1), split: z.string().min(1).optional(), type: z.enum(['string', 'number', 'boolean']).optional() }).strict(),
]);

/**
 * The mapping of a CSV file to operations: the action and record type of every row, the column of the record's id (of
 * each end, for relationships), and the columns of its data by property path (`address.city`). Empty cells are left out.
 */
export const CsvMappingSchema = z.object({
  action: z.enum(['CREATE', 'UPSERT']).default('UPSERT'),
  type: z.string().min(1),
  id: z.string().min(1).optional(),
  from: z.string().min(1).optional(),
  to: z.string().min(1).optional(),
  data: z.record(z.string().min(1), ColumnSchema).default({}),
}).strict();
export type CsvMapping = z.infer<typeof CsvMappingSchema>;

/** The items of an input, in order, never the whole input in memory. */
export function readInput(input: Readable, format: InputFormat, collection: 'resources' | 'relationships', mapping?: CsvMapping): AsyncIterable<InputItem> {
  if (format === 'json') return jsonItems(input);
  if (format === 'csv') {
    if (!mapping) throw new Error('a CSV input needs a mapping file (--mapping)');
    return csvItems(input, mapping, collection);
  }
  return ndjsonItems(input);
}

export function openInput(file: string): Readable {
  return file === '-' ? process.stdin : createReadStream(file);
}

/** The same check as the API's for a streamed operation, so a line the importer sends is one the API takes as one. */
function operationOrError(line: number, value: unknown): InputItem {
  const why = notAnOperation(value);
  return why ? { line, error: why } : { line, op: value as Record<string, unknown> };
}

async function* ndjsonItems(input: Readable): AsyncIterable<InputItem> {
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield { line, error: `not JSON: ${(err as Error).message}` };
      continue;
    }
    yield operationOrError(line, value);
  }
}

/** A JSON array of operations; an item's "line" is its position in the array, from 1. */
async function* jsonItems(input: Readable): AsyncIterable<InputItem> {
  const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
  const out: InputItem[] = [];
  let item = 0;
  parser.onValue = ({ value, stack }) => {
    if (stack.length !== 1) return;
    item++;
    out.push(operationOrError(item, value));
  };
  for await (const chunk of input) {
    parser.write(chunk as Buffer);
    yield* out.splice(0);
  }
  if (!parser.isEnded) parser.end();
  yield* out.splice(0);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1] as string] = value;
}

function typed(cell: string, type: 'string' | 'number' | 'boolean' | undefined): unknown {
  if (type === 'number') {
    const n = Number(cell);
    if (!Number.isFinite(n)) throw new Error(`'${cell}' is not a number`);
    return n;
  }
  if (type === 'boolean') {
    if (/^(true|yes|1)$/i.test(cell)) return true;
    if (/^(false|no|0)$/i.test(cell)) return false;
    throw new Error(`'${cell}' is not a boolean`);
  }
  return cell;
}

/** The columns a mapping reads, each once. */
export function mappedColumns(mapping: CsvMapping): string[] {
  const columns = [mapping.id, mapping.from, mapping.to, ...Object.values(mapping.data).map((c) => (typeof c === 'string' ? c : c.column))];
  return [...new Set(columns.filter((c): c is string => c !== undefined))];
}

/** One row as an operation; throws what is wrong with it. */
function rowOperation(row: Record<string, string>, mapping: CsvMapping, collection: 'resources' | 'relationships'): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [path, spec] of Object.entries(mapping.data)) {
    const { column, split, type } = typeof spec === 'string' ? { column: spec, split: undefined, type: undefined } : spec;
    const cell = (row[column] ?? '').trim();
    if (cell === '') continue;
    try {
      setPath(data, path, split ? cell.split(split).map((part) => typed(part.trim(), type)).filter((v) => v !== '') : typed(cell, type));
    } catch (err) {
      throw new Error(`column ${column}: ${(err as Error).message}`, { cause: err });
    }
  }
  const action = mapping.action.toLowerCase();
  const cellOf = (column: string | undefined, what: string): string => {
    const cell = column ? (row[column] ?? '').trim() : '';
    if (!cell) throw new Error(`column ${column ?? '(none)'} (${what}) is empty`);
    return cell;
  };
  if (collection === 'relationships') {
    return { action: mapping.action, [action]: { type: mapping.type, from: { id: cellOf(mapping.from, 'from') }, to: { id: cellOf(mapping.to, 'to') }, ...(Object.keys(data).length ? { data } : {}) } };
  }
  const id = mapping.id ? cellOf(mapping.id, 'id') : undefined;
  if (mapping.action === 'UPSERT' && id === undefined) throw new Error('an UPSERT needs an id column');
  return { action: mapping.action, [action]: { ...(id !== undefined ? { id } : {}), type: mapping.type, data } };
}

async function* csvItems(input: Readable, mapping: CsvMapping, collection: 'resources' | 'relationships'): AsyncIterable<InputItem> {
  const parser = input.pipe(parseCsv({ columns: true, info: true, relax_column_count: true, skip_empty_lines: true, bom: true, trim: false }));
  let checked = false;
  // csv-parse counts the rows whose field count differs from the header's, all along: one more means this row.
  let uneven = 0;
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; columns: { name: string }[] | boolean; invalid_field_length: number } }>) {
    if (!checked) {
      checked = true;
      const header = Array.isArray(info.columns) ? info.columns.map((c) => c.name) : Object.keys(record);
      const missing = mappedColumns(mapping).filter((c) => !header.includes(c));
      if (missing.length) throw new Error(`the mapping names columns the CSV header does not have: ${missing.join(', ')}`);
    }
    const line = info.lines;
    if (info.invalid_field_length > uneven) {
      uneven = info.invalid_field_length;
      yield { line, error: `the row has ${Object.keys(record).length} fields where the header has ${Array.isArray(info.columns) ? info.columns.length : '?'}` };
      continue;
    }
    try {
      yield { line, op: rowOperation(record, mapping, collection) };
    } catch (err) {
      yield { line, error: (err as Error).message };
    }
  }
}
