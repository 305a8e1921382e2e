import { describe, expect, it } from 'vitest';
import { ConfigurationError, failureNotes, messageFor, StepFailure } from './errors';
import { buildFailureSummary, readRequest, splitFixClause, splitLastSentence } from './failure-summary';
import { type CliAudience, input, setInput, words } from './wording';

/** What `flow` reads an error's notes as, were it to print them: flags. */
const PROMOTE_FLAGS: CliAudience = {
  kind: 'cli',
  flags: { to: { type: 'string' }, 'version-scheme': { type: 'string' }, mode: { type: 'string' } },
};

const REPORT = {
  step: 'promote',
  request: ['image', 'to', 'from'],
  unchanged: 'Nothing was written: no tag was created or moved.',
};
const DIGEST = `sha256:${'5391cda2b02e'.padEnd(64, '0')}`;

describe('buildFailureSummary', () => {
  it('a refusal: heading, what was asked, why, what is unchanged, and the fix from the last sentence', () => {
    const request = readRequest(
      (name) => ({ image: 'ghcr.io/acme/api', to: 'v1.0.0\nprod', from: ' ' })[name],
      REPORT.request,
    );
    const error = new ConfigurationError(
      'Refusing to move immutable tags, so nothing was written: ghcr.io/acme/api:v1.0.0 points at sha256:aa. Promote under a new version, or change immutable-tags if this tag is meant to move.',
    );
    expect(buildFailureSummary(error, request, REPORT).toString()).toBe(
      [
        '## ⛔ promote refused',
        '| asked | value |\n| --- | --- |\n| `image` | `ghcr.io/acme/api` |\n| `to` | `v1.0.0`, `prod` |',
        '**Refused because:** Refusing to move immutable tags, so nothing was written: ghcr.io/acme/api:v1.0.0 points at sha256:aa.',
        '**What is unchanged:** Nothing was written: no tag was created or moved.',
        '**What to do:** Promote under a new version, or change immutable-tags if this tag is meant to move.\n',
      ].join('\n\n'),
    );
  });

  it('a fault says it failed, that what it wrote is not known, and to re-run', () => {
    const text = buildFailureSummary(new Error('registry answered 500. Try later.'), [], REPORT).toString();
    expect(text).toContain('## ❌ promote failed');
    expect(text).not.toContain('| asked |');
    expect(text).toContain('**Failed because:** registry answered 500. Try later.');
    expect(text).toContain('**What is unchanged:** Not known for certain');
    expect(text).toContain('**What to do:** Re-run the job');
  });

  it("a step that only reads says a fault changed nothing; an error's notes win over the defaults", () => {
    const readOnly = buildFailureSummary(new Error('npm view failed'), [], { ...REPORT, readOnly: true });
    expect(readOnly.toString()).toContain(`**What is unchanged:** ${REPORT.unchanged}`);
    const partial = new StepFailure(
      'Publishing b@1.0.0 failed after a@1.0.0 went out: E500. Re-run the job.',
      {
        written: 'Published a@1.0.0.',
        unchanged: 'Not published: b@1.0.0.',
        fix: 'Re-run the job.',
      },
    );
    const text = buildFailureSummary(partial, [], REPORT).toString();
    expect(text).toContain('**Failed because:** Publishing b@1.0.0 failed after a@1.0.0 went out: E500.\n');
    expect(text).toContain('**What it wrote:** Published a@1.0.0.');
    expect(text).toContain('**What is unchanged:** Not published: b@1.0.0.');
    expect(text).toContain('**What to do:** Re-run the job.');
  });

  it('an error that wrote part and names nothing unchanged claims nothing unchanged', () => {
    const error = new ConfigurationError('x:v1 already points at sha256:bb and is immutable.', {
      written: 'Pushed x@sha256:cc by digest only.',
    });
    const text = buildFailureSummary(error, [], REPORT).toString();
    expect(text).toContain('**What it wrote:** Pushed x@sha256:cc by digest only.');
    expect(text).not.toContain('What is unchanged');
    expect(text).toContain('**What to do:** Change what the reason names, then re-run the job.');
  });

  it('a fix the message ends with is taken off the reason and capitalised', () => {
    const fix = 'either bump the major to 3.0.0, or raise the compatible version to 2.4.0.';
    const error = new ConfigurationError(`1 breaking commit(s) in v2.3.20..HEAD: ${fix}`, { fix });
    const text = buildFailureSummary(error, [], REPORT).toString();
    expect(text).toContain('**Refused because:** 1 breaking commit(s) in v2.3.20..HEAD\n');
    expect(text).toContain('**What to do:** Either bump the major to 3.0.0');
  });

  it('notes that name inputs are in the workflow’s words there, and in flags for flow', () => {
    const fix = words`write vMAJOR.MINOR.PATCH, or ${setInput('version-scheme', 'calver')}.`;
    const error = new ConfigurationError(words`${input('to')} has v1.0, which is not a release tag: ${fix}`, {
      fix,
      unchanged: words`No tag was written; ${input('to')} was read only.`,
    });
    const text = buildFailureSummary(error, [], REPORT).toString();
    expect(text).toContain('**Refused because:** Input "to" has v1.0, which is not a release tag\n');
    expect(text).toContain('**What is unchanged:** No tag was written; input "to" was read only.');
    expect(text).toContain('**What to do:** Write vMAJOR.MINOR.PATCH, or set version-scheme: calver.');
    expect(failureNotes(error, PROMOTE_FLAGS)).toEqual({
      fix: 'write vMAJOR.MINOR.PATCH, or pass --version-scheme calver.',
      unchanged: 'No tag was written; --to was read only.',
    });
    const fixYank = words`to only block the artifact, ${setInput('mode', 'tombstone-only')}.`;
    const partial = new StepFailure(words`Deleting failed; ${fixYank}`, { fix: fixYank });
    expect(messageFor(partial, PROMOTE_FLAGS)).toBe(
      'Deleting failed; to only block the artifact, pass --mode tombstone-only.',
    );
    expect(partial.message).toBe('Deleting failed; to only block the artifact, set mode: tombstone-only.');
    expect(buildFailureSummary(partial, [], REPORT).toString()).toContain(
      '**What to do:** To only block the artifact, set mode: tombstone-only.',
    );
  });

  it('shows asked values safely: URL user info redacted, digests short with the full one folded, long values cut', () => {
    const request = [
      { label: 'image', value: 'https://bob:hunter2pw@registry.example/acme/api', input: true },
      { label: 'from', value: DIGEST, input: true },
      { label: 'to', value: 'x'.repeat(300), input: true },
      { label: 'commit (from GITHUB_SHA)', value: 'a'.repeat(40), input: false },
    ];
    const text = buildFailureSummary(new ConfigurationError('bad.'), request, REPORT).toString();
    expect(text).not.toContain('hunter2pw');
    expect(text).toContain('| `image` | `https://bob:***@registry.example/acme/api` |');
    expect(text).toContain('| `from` | `sha256:5391cda2b02e…` |');
    expect(text).toContain(`| \`to\` | \`${'x'.repeat(99)}…\` |`);
    expect(text).toContain(`| commit (from GITHUB_SHA) | \`${'a'.repeat(40)}\` |`);
    expect(text).toContain(`<details><summary>Full digests</summary>\n\n- from: \`${DIGEST}\``);
  });
});

describe('splitLastSentence', () => {
  it.each([
    ['A is wrong. Do B.', { before: 'A is wrong.', last: 'Do B.' }],
    ['One. Two. Fix it.', { before: 'One. Two.', last: 'Fix it.' }],
    // Not inside a quoted reason, not after an abbreviation, not before a lower-case word or digit.
    [
      'Yanked: "tests failed. See logs" (x). Fix forward.',
      { before: 'Yanked: "tests failed. See logs" (x).', last: 'Fix forward.' },
    ],
    ['Name a file, e.g. Makefile:floor.', undefined],
    ['At v1.0.0. then more', undefined],
    ['One sentence only: do this', undefined],
  ])('%s', (message, expected) => {
    expect(splitLastSentence(message)).toEqual(expected);
  });
});

describe('splitFixClause', () => {
  it.each([
    [
      'Input "sha" value "x" is not a commit sha: give the full 40 hex characters.',
      { before: 'Input "sha" value "x" is not a commit sha', fix: 'give the full 40 hex characters.' },
    ],
    ['a: b; remove the lock, then re-run.', { before: 'a: b', fix: 'remove the lock, then re-run.' }],
    // Not inside quotes, not before a word that is no fix, not a colon without a space (URLs, digests).
    ['Input "x" has "a: use b": it is wrong', undefined],
    ['input extra-tags: tag "a b" is invalid: it contains a space', undefined],
    ['http://host:5000/x is no registry', undefined],
  ])('%s', (message, expected) => {
    expect(splitFixClause(message)).toEqual(expected);
  });
});
