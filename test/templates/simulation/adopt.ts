import { parse, stringify } from 'yaml';

/**
 * The copy an adopter commits, made as the README tells them: the template's bytes, with each
 * value of its top-level `env:` (the block marked CHANGE) that they have set to theirs, and, when
 * they name a default branch, main.yml's `branches: [main]` (marked CHANGE) set to it. Nothing
 * else changes: what GitHub would fill in on an organization's "New workflow" page stays as written.
 */
export function adoptCopy(
  text: string,
  values: Readonly<Record<string, string>>,
  defaultBranch?: string,
): string {
  let inEnv = false;
  const lines = text.split('\n').map((line) => {
    if (line === 'env:') {
      inEnv = true;
      return line;
    }
    if (/^\S/.test(line)) inEnv = false;
    const setting = inEnv ? /^( {2}[A-Z][A-Z0-9_]*): (.*)$/.exec(line) : null;
    const name = setting?.[1]?.trim() ?? '';
    const value = values[name];
    if (!setting || value === undefined) return line;
    // A value already theirs keeps its bytes (and its quotes).
    if ((parse(`v: ${setting[2]}`) as { v: unknown }).v === value) return line;
    return `${setting[1]}: ${stringify(value).trimEnd()}`;
  });
  const copy = lines.join('\n');
  if (defaultBranch === undefined) return copy;
  return copy.replace(/^( {4}branches: )\[main\]/m, `$1[${defaultBranch}]`);
}
