/**
 * Who reads a message. The actions' cores run in two places: a workflow, whose author writes
 * inputs under `with:`, and the `flow` command line, whose user passes flags. A message that names
 * a setting is written once, with the terms below, and each reader gets it in their own words:
 * `set allow-yanked: true` in a job log, `pass --allow-yanked` on a terminal.
 */
export type Audience = ActionAudience | CliAudience;

export interface ActionAudience {
  kind: 'action';
}

export interface CliAudience {
  kind: 'cli';
  /** The command's flags, named like the inputs they mirror; a boolean flag is passed bare. */
  flags: Readonly<Record<string, { type: 'string' | 'boolean' }>>;
  /** Inputs the command takes as positional arguments, named `<image>` instead of `--image`. Default: none. */
  positionals?: readonly string[];
}

/** The workflow author: every message's `.message` is in these words. */
export const ACTION_AUDIENCE: ActionAudience = { kind: 'action' };

type Render = (audience: Audience, atStart: boolean) => string;

/** A message, or a piece of one, that reads differently to each audience. */
export class Wording {
  readonly #render: Render;

  constructor(render: Render) {
    this.#render = render;
  }

  /** The text for `audience`, as a whole sentence (a term at its start is capitalised). */
  for(audience: Audience): string {
    return this.#render(audience, true);
  }

  /** The same wording with `transform` applied to each audience's text, e.g. a redaction. */
  map(transform: (text: string) => string): Wording {
    return new Wording((audience, atStart) => transform(this.#render(audience, atStart)));
  }

  /** Inside a larger wording: `atStart` when nothing precedes it. */
  renderIn(audience: Audience, atStart: boolean): string {
    return this.#render(audience, atStart);
  }

  /** The workflow author's words: what a plain string conversion (a log line, a summary) shows. */
  toString(): string {
    return this.for(ACTION_AUDIENCE);
  }

  /** In JSON (an action's outputs), the workflow author's words too; `flow --json` renders its own. */
  toJSON(): string {
    return this.toString();
  }
}

/** A message or a piece of one: plain text, or a wording that names inputs. */
export type WordingPart = string | Wording;

/**
 * A message written once for both audiences:
 * ``words`${input('to')} has ${tag}, which is not a release tag: ${setInput('version-scheme', 'calver')}.` ``
 */
export function words(strings: TemplateStringsArray, ...parts: readonly (WordingPart | number)[]): Wording {
  return new Wording((audience, atStart) => {
    let text = strings[0] ?? '';
    parts.forEach((part, index) => {
      text += renderPart(part, audience, atStart && text === '');
      text += strings[index + 1] ?? '';
    });
    return text;
  });
}

/** A string as it is, or a wording in `audience`'s terms. */
export function wordingFor(message: WordingPart, audience: Audience): string {
  return typeof message === 'string' ? message : message.for(audience);
}

/** Plain text or a wording, as a wording: what an error keeps, to be rendered for either audience. */
export function asWording(message: WordingPart): Wording {
  return typeof message === 'string' ? new Wording(() => message) : message;
}

/** `transform` applied to plain text, or to each audience's text of a wording: a redaction, a trim. */
export function mapWording<T extends WordingPart>(message: T, transform: (text: string) => string): T {
  return (typeof message === 'string' ? transform(message) : message.map(transform)) as T;
}

/** `parts` joined by `separator`, e.g. a list of inputs. */
export function joinWordings(parts: readonly WordingPart[], separator: string): Wording {
  return new Wording((audience, atStart) =>
    parts.map((part, index) => renderPart(part, audience, atStart && index === 0)).join(separator),
  );
}

/** Names an input: `input "to"` (`Input "to"` at the start) to a workflow author, `--to` on the command line. */
export function input(name: string): Wording {
  return new Wording((audience, atStart) =>
    audience.kind === 'cli' ? flagName(audience, name) : `${atStart ? 'Input' : 'input'} "${name}"`,
  );
}

/** Names an input where the word "input" is already said: `"to"`, or `--to`. */
export function inputName(name: string): Wording {
  return new Wording((audience) => (audience.kind === 'cli' ? flagName(audience, name) : `"${name}"`));
}

/**
 * Names an input bare, as a label does (`forward-only: no earlier deploy`, `(allow-dirty)`): the
 * name to a workflow author, `--forward-only` on the command line.
 */
export function inputLabel(name: string): Wording {
  return new Wording((audience) => (audience.kind === 'cli' ? flagName(audience, name) : name));
}

/** Names several inputs: `inputs "username" and "password"`, or `--username and --password`. */
export function inputs(...names: readonly string[]): Wording {
  return new Wording((audience, atStart) => {
    const listed = names.map((name) => (audience.kind === 'cli' ? flagName(audience, name) : `"${name}"`));
    const list =
      listed.length > 1 ? `${listed.slice(0, -1).join(', ')} and ${listed.at(-1)}` : (listed[0] ?? '');
    return audience.kind === 'cli' ? list : `${atStart ? 'Inputs' : 'inputs'} ${list}`;
  });
}

/** An input with its value, as written: `kind: archive`, or `--kind archive` (`--latest` for a boolean flag). */
export function inputValue(name: string, value: string | boolean): Wording {
  return new Wording((audience) =>
    audience.kind === 'cli' ? flagWithValue(audience, name, value) : `${name}: ${value}`,
  );
}

/** The fix that sets an input: `set allow-yanked: true`, or `pass --allow-yanked`. */
export function setInput(name: string, value: string | boolean): Wording {
  return new Wording((audience) => {
    if (audience.kind !== 'cli') return `set ${name}: ${value}`;
    if (isBooleanFlag(audience, name) && !isTrue(value)) return `leave out --${name}`;
    return `pass ${flagWithValue(audience, name, value)}`;
  });
}

/**
 * Advice that differs by where the command runs: a workflow step (`actions/checkout`,
 * `docker/login-action`, `permissions:`) or a terminal (`git checkout`, `docker login`).
 */
export function forAudience(choices: { action: WordingPart; cli: WordingPart }): Wording {
  return new Wording((audience, atStart) => renderPart(choices[audience.kind], audience, atStart));
}

function renderPart(part: WordingPart | number, audience: Audience, atStart: boolean): string {
  return typeof part === 'object' ? part.renderIn(audience, atStart) : String(part);
}

function flagName(audience: CliAudience, name: string): string {
  return audience.positionals?.includes(name) ? `<${name}>` : `--${name}`;
}

function flagWithValue(audience: CliAudience, name: string, value: string | boolean): string {
  if (isBooleanFlag(audience, name)) return isTrue(value) ? `--${name}` : `without --${name}`;
  return `${flagName(audience, name)} ${value}`;
}

function isBooleanFlag(audience: CliAudience, name: string): boolean {
  return audience.flags[name]?.type === 'boolean';
}

function isTrue(value: string | boolean): boolean {
  return value === true || value === 'true';
}
