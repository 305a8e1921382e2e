import { ConfigurationError } from '@flow-actions/action-kit';
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseAllDocuments,
  type Scalar,
  stringify,
  type YAMLMap,
} from 'yaml';

/**
 * Edits are splices of the original text, never a re-serialised document: everything outside
 * the changed values (comments, key order, quoting, blank lines, indentation) stays byte for byte.
 */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export type ParsedDocument = Document.Parsed;

/** A manifest that does not parse: the user's to fix, so a ConfigurationError. */
export class YamlSyntaxError extends ConfigurationError {
  override name = 'YamlSyntaxError';
}

/** Parses every document of a file, keeping source ranges; a syntax error names the line and column. */
export function parseYamlDocuments(source: string, file: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(source, { lineCounter, prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [];
  for (const document of list) {
    const error = document.errors[0];
    if (error) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      const reason = error.message.split('\n')[0] ?? error.code;
      throw new YamlSyntaxError(`${file}:${line}:${col} is not valid YAML (${reason}); fix the file first.`);
    }
  }
  return list;
}

/** Applies non-overlapping edits, last first so that earlier offsets stay valid. */
export function applyTextEdits(source: string, edits: readonly TextEdit[]): string {
  const ordered = [...edits].sort((a, b) => b.start - a.start);
  let result = source;
  let limit = Number.POSITIVE_INFINITY;
  for (const edit of ordered) {
    if (edit.end > limit) throw new Error(`Overlapping edits at offset ${edit.start}`);
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
    limit = edit.start;
  }
  return result;
}

/** The string value of a scalar node, or undefined for anything else (maps, aliases, null). */
export function scalarString(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const { value } = node;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    // The text as written: 1.10 must not read back as 1.1.
    return node.source ?? String(value);
  }
  return undefined;
}

/**
 * A scalar's new text in the style the file already used. A plain scalar that would read back as
 * something else (a number, a boolean, `a: b`) is double-quoted; the value is always a string.
 */
export function formatScalar(value: string, style: Scalar.Type | undefined): string {
  if (style === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  if (style === 'QUOTE_DOUBLE') return JSON.stringify(value);
  // Helm and kubectl read YAML 1.1 (where `yes` and `on` are booleans), kustomize 1.2: a plain
  // value must be a string in both.
  const plainInBoth = (['1.1', '1.2'] as const).every(
    (version) => stringify(value, { version, lineWidth: 0 }) === `${value}\n`,
  );
  return plainInBoth ? value : JSON.stringify(value);
}

/** Replaces a scalar's text, keeping its quoting style and whatever comment follows it. */
export function replaceScalar(source: string, node: Scalar, value: string): TextEdit {
  const range = requireRange(node);
  const style = node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL' ? 'QUOTE_DOUBLE' : node.type;
  const text = formatScalar(value, style);
  // An empty value (`digest:`) has no text of its own: keep `key: value` spaced.
  const spacer = range[0] === range[1] && source[range[0] - 1] === ':' ? ' ' : '';
  return { start: range[0], end: range[1], text: `${spacer}${text}` };
}

export function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key) as Pair | undefined;
}

/**
 * Sets `key: value` in a map: replaces the scalar when the key exists, else appends a pair after
 * the last one — a new line at the same indentation in a block map, `, key: value` in a flow map.
 * Returns undefined when the value is already the one wanted.
 */
export function setMapValue(source: string, map: YAMLMap, key: string, value: string): TextEdit | undefined {
  const pair = findPair(map, key);
  if (pair && isScalar(pair.value)) {
    if (scalarString(pair.value) === value) return undefined;
    return replaceScalar(source, pair.value, value);
  }
  if (pair) throw new Error(`"${key}" holds a ${isMap(pair.value) ? 'map' : 'list'}, not a value`);
  const last = map.items[map.items.length - 1];
  const first = map.items[0];
  if (!last || !first) throw new Error(`Cannot add "${key}" to an empty map`);
  const text = `${key}: ${formatScalar(value, 'PLAIN')}`;
  const lastEnd = pairValueEnd(last);
  if (map.flow) return { start: lastEnd, end: lastEnd, text: `, ${text}` };
  const indent = ' '.repeat(columnOf(source, requireRange(first.key as Node)[0]));
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  if (source[lastEnd - 1] === '\n') return { start: lastEnd, end: lastEnd, text: `${indent}${text}${eol}` };
  const lineEnd = source.indexOf('\n', lastEnd);
  if (lineEnd < 0) return { start: source.length, end: source.length, text: `${eol}${indent}${text}` };
  return { start: lineEnd + 1, end: lineEnd + 1, text: `${indent}${text}${eol}` };
}

/** Removes `key: value` from a map, with its line in a block map. Undefined when the key is absent. */
export function deleteMapKey(source: string, map: YAMLMap, key: string): TextEdit | undefined {
  const index = map.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === key);
  const pair = map.items[index];
  if (!pair) return undefined;
  const keyStart = requireRange(pair.key as Node)[0];
  const next = map.items[index + 1];
  const previous = map.items[index - 1];
  if (map.flow) {
    if (previous) return { start: pairValueEnd(previous), end: pairValueEnd(pair), text: '' };
    if (next) return { start: keyStart, end: requireRange(next.key as Node)[0], text: '' };
    return { start: keyStart, end: pairValueEnd(pair), text: '' };
  }
  const lineStart = source.lastIndexOf('\n', keyStart - 1) + 1;
  if (source.slice(lineStart, keyStart).trim() === '') {
    const end = pairValueEnd(pair);
    const lineEnd = source[end - 1] === '\n' ? end - 1 : source.indexOf('\n', end);
    return { start: lineStart, end: lineEnd < 0 ? source.length : lineEnd + 1, text: '' };
  }
  // `- key: value` opens a list item: the next key moves up behind the dash.
  if (next) return { start: keyStart, end: requireRange(next.key as Node)[0], text: '' };
  return { start: keyStart, end: pairValueEnd(pair), text: '' };
}

/** The node at a path of map keys and list indexes, or undefined. */
export function getPath(root: unknown, path: readonly string[]): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (isMap(node)) node = findPair(node, segment)?.value;
    else if (isSeq(node) && /^\d+$/.test(segment)) node = node.items[Number(segment)];
    else return undefined;
    if (node === undefined || node === null) return undefined;
  }
  return node;
}

function pairValueEnd(pair: Pair): number {
  const node = (pair.value ?? pair.key) as Node | null;
  return requireRange(node)[1];
}

function columnOf(source: string, offset: number): number {
  return offset - (source.lastIndexOf('\n', offset - 1) + 1);
}

function requireRange(node: Node | null | undefined): [number, number, number] {
  const range = node?.range;
  if (!range) throw new Error('A parsed YAML node has no source range');
  return range;
}
