import { TOGGLE_NAME, type TrustedLabels } from './labels';
import { NUMBER_PLACEHOLDER, TOGGLE_PLACEHOLDER } from './policy';
import { YamlValues } from './yaml-values';

/** The one matrix value of a change behind no toggle: its checks still run once, under a stable name. */
export const NO_TOGGLE = 'default';

/** `strategy.matrix` material: `{"toggle": ["new-ui-on", "new-ui-off"]}`, or `["default"]`. */
export interface ToggleMatrix {
  toggle: string[];
}

/** A toggle the change is behind, and what says so. */
export interface TouchedToggle {
  name: string;
  /** `label toggle:new-ui by @alice`, or `config/toggles.yml adds it` / `changes it`. */
  source: string;
}

/**
 * The toggles file as the PR's base and head have it, when the PR changes it (its path is the
 * policy's `toggles.file`); undefined when the PR leaves it alone. `head` is undefined when the PR
 * deletes the file.
 */
export interface TogglesFileChange {
  path: string;
  base?: string;
  head?: string;
}

/**
 * The toggles a change is behind: those named by a trusted `toggle:<name>` label, and the entries
 * of the toggles file that the PR adds or changes (a removed toggle has nothing left to test).
 * Sorted by name, each once.
 */
export function touchedToggles(labels: TrustedLabels, file?: TogglesFileChange): TouchedToggle[] {
  const touched = new Map<string, string>();
  for (const toggle of labels.toggles)
    if (!touched.has(toggle.name)) touched.set(toggle.name, `label ${toggle.label} by @${toggle.addedBy}`);
  if (file?.head !== undefined) {
    const base = file.base === undefined ? new Map<string, string>() : readTogglesFile(file.path, file.base);
    for (const [name, entry] of readTogglesFile(file.path, file.head)) {
      const before = base.get(name);
      if (before === entry || touched.has(name)) continue;
      touched.set(name, `${file.path} ${before === undefined ? 'adds' : 'changes'} it`);
    }
  }
  return [...touched]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, source]) => ({ name, source }));
}

/**
 * A toggles file: a YAML (or JSON) mapping of toggle names to their settings, or a list of names.
 * Each name maps to its entry as canonical JSON, so that a change to an entry can be seen.
 */
export function readTogglesFile(path: string, text: string): Map<string, string> {
  const yaml = new YamlValues(path);
  const value = yaml.parse(text);
  const entries: [string, unknown][] =
    value === null
      ? []
      : Array.isArray(value)
        ? value.map((name, index) => [yaml.string(name, `[${index}]`, '[new-checkout, dark-mode]'), null])
        : [...yaml.namedMapping(value, 'the file', 'new-checkout: { default: off }')];
  const toggles = new Map<string, string>();
  for (const [name, entry] of entries) {
    if (!TOGGLE_NAME.test(name))
      yaml.fail(
        `toggle "${name}"`,
        'is not a name a job can carry',
        'use letters, digits, ".", "_" and "-" (at most 63), starting with a letter or digit',
      );
    toggles.set(name, canonicalJson(entry));
  }
  return toggles;
}

/**
 * The matrix that tests each toggle on and off: `<toggle>-on` and `<toggle>-off` per toggle, each
 * leg with the other toggles at their defaults — the seeds' "tested twice", not every combination
 * (2ⁿ legs for n toggles). The values are stable and job-name friendly, so a required check can
 * name `test (new-ui-on)`. No toggle: the one value `default`.
 */
export function toggleMatrix(toggles: readonly TouchedToggle[]): ToggleMatrix {
  if (toggles.length === 0) return { toggle: [NO_TOGGLE] };
  return { toggle: toggles.flatMap(({ name }) => [`${name}-on`, `${name}-off`]) };
}

/**
 * The check names behind policy names: `{toggle}` expands to each matrix value (so the ci leg
 * requires both legs of a toggled change), `{number}` to the PR's number. Each name once.
 */
export function expandCheckNames(names: readonly string[], matrix: ToggleMatrix, number: number): string[] {
  const expanded = names.flatMap((name) => {
    const numbered = name.replaceAll(NUMBER_PLACEHOLDER, String(number));
    return numbered.includes(TOGGLE_PLACEHOLDER)
      ? matrix.toggle.map((value) => numbered.replaceAll(TOGGLE_PLACEHOLDER, value))
      : [numbered];
  });
  return [...new Set(expanded)];
}

/** JSON with mapping keys sorted, so that reordering a toggle's settings is no change. */
function canonicalJson(value: unknown): string {
  if (value instanceof Map)
    return `{${[...value]
      .map(([key, entry]) => [String(key), canonicalJson(entry)] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, entry]) => `${JSON.stringify(key)}:${entry}`)
      .join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  return JSON.stringify(value ?? null);
}
