import { deleteDataPath, readDataPath, writeDataPath, type StepIssue } from './data-path';

/** What the segmenter runs with: where it reads and writes (see `stepPaths`) and the passage size. */
export interface SegmenterConfig {
  source: string;
  target: string;
  maxTokens: number;
  overlap: number;
}

/**
 * Splits the text at `config.source` into chunks of at most `maxTokens` whitespace-separated tokens,
 * consecutive chunks sharing `overlap` tokens, and writes them (tokens joined by one space) to
 * `config.target` in a copy of `data`. Text without tokens gives no chunks. A missing or non-string
 * source removes the target, so stale chunks never outlive their text, and is reported as an issue.
 */
export function segment(
  config: SegmenterConfig,
  data: Record<string, unknown>,
): { data: Record<string, unknown>; issues: StepIssue[] } {
  const result = structuredClone(data);
  const source = readDataPath(result, config.source);
  if (typeof source !== 'string') {
    deleteDataPath(result, config.target);
    const message = source === undefined || source === null ? 'is missing: nothing to segment' : 'is not a string: nothing to segment';
    return { data: result, issues: [{ path: config.source, message }] };
  }
  const issue = writeDataPath(result, config.target, chunkTokens(source, config.maxTokens, config.overlap));
  return { data: result, issues: issue === undefined ? [] : [issue] };
}

/** The chunks of `text`: windows of `maxTokens` tokens advancing by `maxTokens - overlap`, the last one ending at the last token. */
export function chunkTokens(text: string, maxTokens: number, overlap: number): string[] {
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || !Number.isInteger(overlap) || overlap < 0 || overlap >= maxTokens) {
    throw new RangeError(`maxTokens (${maxTokens}) must be a positive integer and overlap (${overlap}) an integer in [0, maxTokens)`);
  }
  const tokens = text.split(/\s+/u).filter((token) => token !== '');
  const stride = maxTokens - overlap;
  const chunks: string[] = [];
  for (let start = 0; start < tokens.length; start += stride) {
    chunks.push(tokens.slice(start, start + maxTokens).join(' '));
    if (start + maxTokens >= tokens.length) break;
  }
  return chunks;
}
