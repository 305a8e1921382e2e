import { isAbsolute } from 'node:path';
import { ConfigurationError, input, words } from '@flow-actions/action-kit';

export interface FileKey {
  /** Relative to the workspace. */
  file: string;
  key: string;
}

/** Reads `compatible-version-from`: `<file>:<key>`, split at the first colon. */
export function parseFileKey(spec: string, inputName: string): FileKey {
  const colon = spec.indexOf(':');
  const file = colon < 0 ? '' : spec.slice(0, colon).trim();
  const key = colon < 0 ? '' : spec.slice(colon + 1).trim();
  if (!file || !key) {
    throw new ConfigurationError(
      words`${input(inputName)} must be <file>:<key>, e.g. Makefile:backwards_compatible_version or package.json:compat.floor, got "${spec}".`,
    );
  }
  if (isAbsolute(file) || file.split(/[\\/]/).includes('..')) {
    throw new ConfigurationError(
      words`${input(inputName)} names ${file}, which leaves the workspace: name a file of the checkout, relative to the repository root, e.g. Makefile:backwards_compatible_version.`,
    );
  }
  return { file, key };
}

/**
 * The value of `key` in a file's text. A `.json` file takes a dotted path (`a.b.c`, `$.` prefix
 * allowed); any other file a line `key = value`, `key := value`, `key ?= value` (Makefile),
 * `export key=value` (.env, shell) or `key: value` (YAML, properties). Quotes and a trailing
 * ` # comment` are dropped. Undefined when the key is not there.
 */
export function readFileKey(file: string, text: string, key: string): string | undefined {
  if (file.toLowerCase().endsWith('.json')) return readJsonPath(file, text, key);
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = new RegExp(
    `^[ \\t]*(?:export[ \\t]+|override[ \\t]+)?${escaped}[ \\t]*(?:[:?+!]*=|:)(.*)$`,
    'm',
  );
  const match = line.exec(text);
  if (!match) return undefined;
  const value = (match[1] ?? '').replace(/\s+#.*$/, '').trim();
  const unquoted = value.replace(/^(['"])(.*)\1$/, '$2').trim();
  return unquoted || undefined;
}

function readJsonPath(file: string, text: string, path: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const segments = path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter((segment) => segment !== '');
  for (const segment of segments) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}
