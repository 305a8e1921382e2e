import { TAG_PATTERN } from '@flow-actions/commit-identity';

// The comment's grammar. Only the first line of a comment is read: a command quoted, fenced or
// mentioned further down is talk about a command, not one. Every argument is plain text that must
// match a narrow pattern; anything else is refused with the valid forms, never passed on.

/** What a `/deploy` names. */
export type Source =
  | { kind: 'pull-request'; number: number }
  /** A bare `/deploy to <environment>` on a pull request: that pull request. */
  | { kind: 'this-pull-request' }
  /** A commit sha, lower-cased, 7 to 40 hex characters. */
  | { kind: 'commit'; sha: string }
  /** A tag such as rc-3 or v1.4.0, as written. */
  | { kind: 'tag'; tag: string };

export type Command =
  | { verb: 'deploy'; source: Source; environment: string }
  | { verb: 'rollback'; environment: string; to?: string }
  | { verb: 'help' }
  /** A command word with arguments that fit no form: `problem` says what is wrong, in plain words. */
  | { verb: 'invalid'; problem: string };

/** The forms, as replies show them. */
export const COMMAND_FORMS = [
  ['/deploy pr-12 to appdev', 'the artifact of pull request #12’s current head'],
  ['/deploy to appdev', 'on a pull request: that pull request'],
  ['/deploy 3f2c1ab to stage', 'the artifact of a commit (7 to 40 hex characters)'],
  ['/deploy rc-3 to demo', 'a tag: a release candidate or a release such as v1.4.0'],
  ['/rollback prod', 'the environment’s previous version'],
  ['/rollback prod to v1.3.0', 'a version the environment accepts'],
  ['/deploy help', 'these forms and the environments'],
] as const;

/** Longest first line read as a command; longer is refused before anything is parsed. */
export const MAX_COMMAND_LENGTH = 200;

const VERB = /^\/(deploy|rollback)(?=\s|$)/i;
const PULL_REQUEST = /^(?:pr-|#)([1-9]\d{0,8})$/i;
const SHA = /^[0-9a-f]{7,40}$/i;
/** An environment is also the tag promote moves, so it must be a tag; kept short and plain. */
const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * Reads the command on the first line of a comment; undefined when that line is no command (then
 * the comment gets no reaction and no reply). The verbs, `to` and `help` are case-insensitive;
 * `pr-` numbers and shas are normalised; tags and environments are kept as written.
 */
export function parseCommand(body: string): Command | undefined {
  const line = (body.split(/\r\n|\r|\n/, 1)[0] ?? '').trim();
  const verb = VERB.exec(line)?.[1]?.toLowerCase();
  if (!verb) return undefined;
  if (line.length > MAX_COMMAND_LENGTH)
    return { verb: 'invalid', problem: `the command is longer than ${MAX_COMMAND_LENGTH} characters` };
  const words = line
    .slice(verb.length + 1)
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const unsafe = words.find((word) => !/^[A-Za-z0-9#._-]+$/.test(word));
  if (unsafe !== undefined)
    return { verb: 'invalid', problem: `${quote(unsafe)} is no pull request, commit, tag or environment` };
  const lower = words.map((word) => word.toLowerCase());
  if (lower.length === 1 && lower[0] === 'help') return { verb: 'help' };
  return verb === 'deploy' ? parseDeploy(words, lower) : parseRollback(words, lower);
}

function parseDeploy(words: string[], lower: string[]): Command {
  if (words.length === 0) return { verb: 'invalid', problem: '/deploy needs an environment' };
  // `/deploy to appdev`, or `/deploy <what> to appdev`.
  const toAt = lower.indexOf('to');
  if (toAt < 0 || toAt > 1 || words.length !== toAt + 2)
    return { verb: 'invalid', problem: '/deploy takes `[what] to <environment>`' };
  const environment = checkEnvironment(words[toAt + 1] as string);
  if (typeof environment !== 'string') return environment;
  if (toAt === 0) return { verb: 'deploy', source: { kind: 'this-pull-request' }, environment };
  const source = parseSource(words[0] as string);
  return 'problem' in source
    ? { verb: 'invalid', problem: source.problem }
    : { verb: 'deploy', source, environment };
}

function parseRollback(words: string[], lower: string[]): Command {
  if (words.length === 0) return { verb: 'invalid', problem: '/rollback needs an environment' };
  const environment = checkEnvironment(words[0] as string);
  if (typeof environment !== 'string') return environment;
  if (words.length === 1) return { verb: 'rollback', environment };
  if (words.length !== 3 || lower[1] !== 'to')
    return { verb: 'invalid', problem: '/rollback takes `<environment> [to <version>]`' };
  const version = parseSource(words[2] as string);
  if ('problem' in version) return { verb: 'invalid', problem: version.problem };
  if (version.kind !== 'tag')
    return {
      verb: 'invalid',
      problem: `/rollback goes back to a version (a tag such as v1.3.0), not to ${quote(words[2] as string)}`,
    };
  return { verb: 'rollback', environment, to: version.tag };
}

function checkEnvironment(word: string): string | { verb: 'invalid'; problem: string } {
  if (word.toLowerCase() === 'to' || !ENVIRONMENT.test(word))
    return { verb: 'invalid', problem: `${quote(word)} is no environment name` };
  return word;
}

function parseSource(word: string): Source | { problem: string } {
  const pull = PULL_REQUEST.exec(word);
  if (pull) return { kind: 'pull-request', number: Number(pull[1]) };
  if (SHA.test(word)) return { kind: 'commit', sha: word.toLowerCase() };
  if (TAG_PATTERN.test(word) && !word.startsWith('#') && !/^pr-/i.test(word))
    return { kind: 'tag', tag: word };
  return { problem: `${quote(word)} is no pull request (pr-12), commit sha or tag` };
}

/** How a source reads in replies and outputs: pr-12, the full or short sha, the tag. */
export function describeSource(source: Source, pullRequest?: number): string {
  switch (source.kind) {
    case 'pull-request':
      return `pr-${source.number}`;
    case 'this-pull-request':
      return pullRequest === undefined ? 'this pull request' : `pr-${pullRequest}`;
    case 'commit':
      return source.sha;
    case 'tag':
      return source.tag;
  }
}

/**
 * A word of the comment quoted for a message, as a code span: a reply shows it as text, never as
 * a mention, a link or HTML. At most 40 characters; backticks, which would end the span, dropped.
 */
export function quote(word: string): string {
  const cut = word.length > 40 ? `${word.slice(0, 40)}…` : word;
  return `\`${cut.replaceAll('`', '') || ' '}\``;
}
