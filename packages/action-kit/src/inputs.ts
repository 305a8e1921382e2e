import { ConfigurationError } from './errors';
import { forAudience, input, words } from './wording';

/** Where raw input values come from: the runner's `INPUT_*` variables, or `flow`'s flags. */
export type InputSource = (name: string) => string | undefined;

const TRUE_VALUES = new Set(['true', 'True', 'TRUE']);
const FALSE_VALUES = new Set(['false', 'False', 'FALSE']);

/**
 * Typed access to an action's inputs. Every error is a ConfigurationError naming the input (or,
 * read by `flow`, the flag).
 * Values are trimmed, as `@actions/core` trims them; an empty value counts as unset.
 */
export class InputReader {
  readonly #source: InputSource;

  constructor(source: InputSource) {
    this.#source = source;
  }

  /** The trimmed value, or undefined when the input is unset or empty. */
  optional(name: string): string | undefined {
    const value = this.#source(name)?.trim();
    return value ? value : undefined;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) {
      throw new ConfigurationError(
        words`${input(name)} is required: ${forAudience({ action: 'set it under "with:" in the workflow step', cli: 'pass it' })}.`,
      );
    }
    return value;
  }

  /** YAML 1.2 core-schema booleans only, like `core.getBooleanInput`, but with a one-line error. */
  boolean(name: string, defaultValue: boolean): boolean {
    const value = this.optional(name);
    if (value === undefined) return defaultValue;
    if (TRUE_VALUES.has(value)) return true;
    if (FALSE_VALUES.has(value)) return false;
    throw new ConfigurationError(words`${input(name)} must be true or false, got "${value}".`);
  }

  /** One of a fixed set of words; the error lists the accepted ones. */
  choice<T extends string>(name: string, choices: readonly T[], defaultValue: T): T {
    const value = this.optional(name);
    if (value === undefined) return defaultValue;
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new ConfigurationError(
      words`${input(name)} must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got "${value}".`,
    );
  }

  integer(name: string, options: IntegerOptions): number {
    const value = this.optional(name);
    if (value === undefined) return options.default;
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new ConfigurationError(
        words`${input(name)} must be a whole number from ${min} to ${max}, got "${value}".`,
      );
    }
    return parsed;
  }

  /** Items separated by newlines or commas; blank items and `#` comment lines are dropped. */
  list(name: string): string[] {
    return this.multiline(name).flatMap((line) =>
      line
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );
  }

  /** One item per line, for values that may themselves contain commas; `#` lines are comments. */
  multiline(name: string): string[] {
    const value = this.#source(name) ?? '';
    return value
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
  }
}

export interface IntegerOptions {
  /** Used when the input is unset. */
  default: number;
  /** Smallest accepted value. Default: no bound. */
  min?: number;
  /** Largest accepted value. Default: no bound. */
  max?: number;
}
