import { describe, expect, it } from 'vitest';
import { digestsIn, inlineCode, SummaryBuilder, shortDigest, shortenDigests } from './summary';

describe('SummaryBuilder', () => {
  it('builds headings, tables, lists and diagrams as Markdown', () => {
    const text = new SummaryBuilder()
      .heading('Promoted')
      .paragraph(`commit ${inlineCode('abc1234')}`)
      .table(['tag', 'from', 'to'], [['prod', 'sha256:aa', 'sha256:bb']])
      .list(['one'])
      .mermaid('flowchart LR\n  a --> b')
      .toString();
    expect(text).toBe(
      [
        '## Promoted',
        'commit `abc1234`',
        '| tag | from | to |\n| --- | --- | --- |\n| prod | sha256:aa | sha256:bb |',
        '- one',
        '```mermaid\nflowchart LR\n  a --> b\n```\n',
      ].join('\n\n'),
    );
  });

  it('escapes table cells so a pipe or a newline cannot break the table', () => {
    const text = new SummaryBuilder().table(['a'], [['x | y\nz']]).toString();
    expect(text).toContain('| x \\| y<br>z |');
  });
});

describe('short digests', () => {
  const digest = `sha256:5391cda2b02e${'0'.repeat(52)}`;
  const integrity = `sha512-${'A'.repeat(86)}==`;

  it('keeps the algorithm and 12 characters, for OCI digests and npm integrities alike', () => {
    expect(shortDigest(digest)).toBe('sha256:5391cda2b02e…');
    expect(shortDigest(integrity)).toBe('sha512-AAAAAAAAAAAA…');
  });

  it('leaves what is no digest, or already short, as it is', () => {
    for (const text of [
      'latest',
      'sha256:abc',
      'release-candidate-branch-name',
      'ghcr.io/acme/api',
      '127.0.0.1:5000/acme/some-long-name',
    ])
      expect(shortDigest(text)).toBe(text);
  });

  it('shortens every digest inside a reference or value, and lists the full ones', () => {
    const text = `ghcr.io/acme/api:v1@${digest} and ${integrity}`;
    expect(shortenDigests(text)).toBe('ghcr.io/acme/api:v1@sha256:5391cda2b02e… and sha512-AAAAAAAAAAAA…');
    expect(digestsIn(`${text} ${digest}`)).toEqual([digest, integrity]);
  });

  it('folds the full digests below a table, once each and copyable', () => {
    const text = new SummaryBuilder()
      .fullDigests([
        ['`prod` before', `ghcr.io/acme/api@${digest}`],
        ['`prod` before', `ghcr.io/acme/api@${digest}`],
      ])
      .toString();
    expect(text).toBe(
      `<details><summary>Full digests</summary>\n\n- \`prod\` before: \`ghcr.io/acme/api@${digest}\`\n\n</details>\n`,
    );
    expect(new SummaryBuilder().fullDigests([]).isEmpty).toBe(true);
  });
});
