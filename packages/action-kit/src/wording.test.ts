import { describe, expect, it } from 'vitest';
import { ConfigurationError, messageFor } from './errors';
import { InputReader } from './inputs';
import { loggerFor, RecordingLogger, redactingLogger } from './logger';
import { SecretMasker } from './secrets';
import {
  ACTION_AUDIENCE,
  asWording,
  type CliAudience,
  forAudience,
  input,
  inputLabel,
  inputName,
  inputs,
  inputValue,
  joinWordings,
  mapWording,
  setInput,
  words,
} from './wording';

/** `flow promote`'s reader: a few of its flags, and `flow inspect`'s positional <image>. */
const TERMINAL: CliAudience = {
  kind: 'cli',
  flags: {
    to: { type: 'string' },
    'allow-yanked': { type: 'boolean' },
    'version-scheme': { type: 'string' },
    'breaking-check': { type: 'string' },
  },
};
const INSPECT: CliAudience = { kind: 'cli', flags: {}, positionals: ['image'] };

describe('a message written once reads in each audience’s terms', () => {
  it.each([
    [words`${input('to')} is required.`, 'Input "to" is required.', '--to is required.'],
    [words`check ${input('path')}.`, 'check input "path".', 'check --path.'],
    [
      words`${inputs('username', 'password')} go together: ${inputName('password')} is missing.`,
      'Inputs "username" and "password" go together: "password" is missing.',
      '--username and --password go together: --password is missing.',
    ],
    [
      words`check ${inputs('image', 'path', 'format')}`,
      'check inputs "image", "path" and "format"',
      'check --image, --path and --format',
    ],
    [
      words`Fix forward, or ${setInput('allow-yanked', true)} to override.`,
      'Fix forward, or set allow-yanked: true to override.',
      'Fix forward, or pass --allow-yanked to override.',
    ],
    [
      words`${setInput('version-scheme', 'calver')}`,
      'set version-scheme: calver',
      'pass --version-scheme calver',
    ],
    [
      words`or ${setInput('breaking-check', 'false')}`,
      'or set breaking-check: false',
      'or pass --breaking-check false',
    ],
    [
      words`or ${setInput('allow-yanked', false)}`,
      'or set allow-yanked: false',
      'or leave out --allow-yanked',
    ],
    [
      words`${inputValue('kind', 'archive')} needs a file`,
      'kind: archive needs a file',
      '--kind archive needs a file',
    ],
    [
      words`because of ${inputValue('allow-yanked', true)}`,
      'because of allow-yanked: true',
      'because of --allow-yanked',
    ],
    [
      words`check it out (${forAudience({ action: 'actions/checkout', cli: 'git switch --detach abc1234' })}).`,
      'check it out (actions/checkout).',
      'check it out (git switch --detach abc1234).',
    ],
    [
      words`${inputLabel('allow-yanked')}: rebuilt as allowed`,
      'allow-yanked: rebuilt as allowed',
      '--allow-yanked: rebuilt as allowed',
    ],
    [
      words`${joinWordings([inputName('tag'), inputName('digest')], ', ')}`,
      '"tag", "digest"',
      '--tag, --digest',
    ],
  ])('%s', (wording, action, terminal) => {
    expect(wording.for(ACTION_AUDIENCE)).toBe(action);
    expect(String(wording)).toBe(action);
    expect(wording.for(TERMINAL)).toBe(terminal);
  });

  it('capitalises a term only where it starts the whole message', () => {
    const where = words`${input('image')}: `;
    expect(words`${where}reference "x" has a space`.for(ACTION_AUDIENCE)).toBe(
      'Input "image": reference "x" has a space',
    );
    expect(words`at ${where}reference`.for(ACTION_AUDIENCE)).toBe('at input "image": reference');
    expect(words`${inputs('a', 'b')} clash`.for(ACTION_AUDIENCE)).toBe('Inputs "a" and "b" clash');
  });

  it('names a positional argument as the command line does', () => {
    expect(words`${input('image')}: no repository`.for(INSPECT)).toBe('<image>: no repository');
  });

  it('nests: a wording inside a wording keeps its audience', () => {
    const fix = words`${setInput('allow-yanked', true)}`;
    expect(words`Refused: ${fix}.`.for(TERMINAL)).toBe('Refused: pass --allow-yanked.');
  });

  it('maps each audience’s text, e.g. to redact it', () => {
    const redacted = words`${input('to')} hunter2`.map((text) => text.replace('hunter2', '***'));
    expect(redacted.for(ACTION_AUDIENCE)).toBe('Input "to" ***');
    expect(redacted.for(TERMINAL)).toBe('--to ***');
    const trim = (text: string) => text.replace(/[.\s]+$/, '');
    expect(mapWording('plain. ', trim)).toBe('plain');
    expect(mapWording(words`check ${input('to')}.`, trim).for(TERMINAL)).toBe('check --to');
    expect(asWording('plain').for(TERMINAL)).toBe('plain');
  });

  it('is the workflow author’s text in JSON (an action output)', () => {
    expect(JSON.stringify({ reason: words`${input('to')}` })).toBe('{"reason":"Input \\"to\\""}');
  });
});

describe('errors and logs carry the wording to whoever prints them', () => {
  it('a ConfigurationError’s message is the action’s; messageFor renders the terminal’s', () => {
    const error = new ConfigurationError(words`${input('to')} is required.`);
    expect(error.message).toBe('Input "to" is required.');
    expect(messageFor(error, TERMINAL)).toBe('--to is required.');
    expect(messageFor(new ConfigurationError('plain'), TERMINAL)).toBe('plain');
    expect(messageFor(new Error('a fault'), TERMINAL)).toBe('a fault');
  });

  it('the input reader’s refusals name the flag on a terminal', () => {
    const reader = new InputReader((name) => ({ count: 'many', 'dry-run': 'maybe' })[name]);
    const refusal = (read: () => unknown) => {
      try {
        read();
      } catch (error) {
        return [String((error as Error).message), messageFor(error, TERMINAL)];
      }
      throw new Error('not refused');
    };
    expect(refusal(() => reader.required('to'))).toEqual([
      'Input "to" is required: set it under "with:" in the workflow step.',
      '--to is required: pass it.',
    ]);
    expect(refusal(() => reader.integer('count', { default: 1, min: 1, max: 9 }))).toEqual([
      'Input "count" must be a whole number from 1 to 9, got "many".',
      '--count must be a whole number from 1 to 9, got "many".',
    ]);
    expect(refusal(() => reader.boolean('dry-run', false))[1]).toBe(
      '--dry-run must be true or false, got "maybe".',
    );
  });

  it('loggerFor renders a wording for its audience; redaction applies to either', () => {
    const masker = new SecretMasker();
    masker.add('hunter2');
    const recorded = new RecordingLogger();
    const logger = loggerFor(TERMINAL, redactingLogger(recorded, masker));
    logger.warning(words`going on because of ${inputValue('allow-yanked', true)} (hunter2)`);
    logger.info('plain');
    expect(recorded.entries).toEqual([
      { level: 'warning', message: 'going on because of --allow-yanked (***)' },
      { level: 'info', message: 'plain' },
    ]);
    const actionLog = new RecordingLogger();
    redactingLogger(actionLog, masker).warning(words`${setInput('force', true)} hunter2`);
    expect(actionLog.entries).toEqual([{ level: 'warning', message: 'set force: true ***' }]);
  });
});
