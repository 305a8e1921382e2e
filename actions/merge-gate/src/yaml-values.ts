import { ConfigurationError } from '@flow-actions/action-kit';
import { parseDocument } from 'yaml';
import { closestWord } from './did-you-mean';

/**
 * Reads a small YAML file (the policy, a toggles file) into checked values. Every refusal is one
 * line: the file, the key, what is wrong, and how to write it. Mappings come back as Maps, so a
 * key such as `__proto__` or `constructor` is only ever a string to compare.
 */
export class YamlValues {
  constructor(readonly path: string) {}

  /** The document's value (null for an empty file); YAML errors and warnings are refused. */
  parse(text: string): unknown {
    const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    const problem = document.errors[0] ?? document.warnings[0];
    if (problem) {
      const at = problem.linePos?.[0];
      const where = at ? `line ${at.line}, column ${at.col}: ` : '';
      const cause = (problem.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      const line = at ? (text.split(/\r?\n/)[at.line - 1] ?? '') : '';
      // `[test ({toggle})]` and `[renovate[bot]]` read { } and [ ] as YAML: the likeliest cause here.
      const fix = /\[.*[[{]/.test(line)
        ? "fix the YAML there (inside [ ], quote a value that has [ ] or { }: ['renovate[bot]', 'test ({toggle})'])"
        : 'fix the YAML there';
      this.fail('', `${where}${cause}`, fix);
    }
    try {
      return document.toJS({ mapAsMap: true, maxAliasCount: 100 });
    } catch (error) {
      return this.fail('', (error as Error).message, 'fix the YAML');
    }
  }

  /** Throws the one-line refusal: `<file>: <key> <problem>: <fix>.` */
  fail(key: string, problem: string, fix: string): never {
    const subject = key ? `${key} ` : '';
    const end = /[.?]$/.test(fix) ? '' : '.';
    throw new ConfigurationError(`${this.path}: ${subject}${problem}: ${fix}${end}`);
  }

  /** A mapping whose keys are all in `known`; a mistyped key is refused with the closest known one. */
  mapping(value: unknown, key: string, known: readonly string[]): Map<string, unknown> {
    if (!(value instanceof Map))
      this.fail(
        key || 'the file',
        `must be a mapping, got ${describe(value)}`,
        `write its keys under it (${known.join(', ')})`,
      );
    return this.keys(value, key, known);
  }

  /** A mapping with any string keys (names of the user's choosing), each value read by the caller. */
  namedMapping(value: unknown, key: string, example: string): Map<string, unknown> {
    if (!(value instanceof Map))
      this.fail(key, `must be a mapping, got ${describe(value)}`, `write e.g. ${example}`);
    for (const name of value.keys())
      if (typeof name !== 'string' || name.trim() === '')
        this.fail(key, `has a key ${describe(name)}, not a name`, `write e.g. ${example}`);
    return value as Map<string, unknown>;
  }

  string(value: unknown, key: string, example: string): string {
    if (typeof value !== 'string' || value.trim() === '')
      this.fail(key, `must be a non-empty string, got ${describe(value)}`, `write e.g. ${example}`);
    return value.trim();
  }

  /** A list of non-empty strings; a single string is a list of one. */
  strings(value: unknown, key: string, example: string): string[] {
    const items = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(items))
      this.fail(key, `must be a list of strings, got ${describe(value)}`, `write e.g. ${example}`);
    return items.map((item, index) => this.string(item, `${key}[${index}]`, example));
  }

  integer(value: unknown, key: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
      this.fail(
        key,
        `must be a whole number from ${min} to ${max}, got ${describe(value)}`,
        `write e.g. ${key.split('.').at(-1)}: ${min}`,
      );
    return value;
  }

  boolean(value: unknown, key: string): boolean {
    if (typeof value !== 'boolean')
      this.fail(
        key,
        `must be true or false, got ${describe(value)}`,
        'write true or false (YAML 1.2: yes, no, on and off are strings)',
      );
    return value;
  }

  choice<T extends string>(value: unknown, key: string, choices: readonly T[]): T {
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    const closest = typeof value === 'string' ? closestWord(value, choices) : undefined;
    return this.fail(
      key,
      `must be one of ${choices.join(', ')}, got ${describe(value)}`,
      closest ? `did you mean ${closest}?` : 'write one of them',
    );
  }

  private keys(map: Map<unknown, unknown>, key: string, known: readonly string[]): Map<string, unknown> {
    for (const name of map.keys()) {
      if (typeof name === 'string' && known.includes(name)) continue;
      const text = String(name);
      const where = key ? `in ${key}` : 'at the top level';
      const closest = closestWord(text, known);
      const fix = closest ? `did you mean "${closest}"?` : 'remove it or correct its name';
      this.fail('', `unknown key "${text}" ${where}`, `${fix} (known keys: ${known.join(', ')})`);
    }
    return map as Map<string, unknown>;
  }
}

/** A value as the error shows it: a quoted string, a number, or its YAML kind. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Map) return 'a mapping';
  return typeof value;
}
