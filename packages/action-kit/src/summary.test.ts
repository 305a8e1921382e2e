import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inlineCode, SummaryBuilder, writeSummary } from './summary';

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

  it('appends to the summary file, and does nothing outside Actions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'summary-'));
    const file = join(dir, 'summary.md');
    await writeFile(file, 'before\n');
    expect(await writeSummary(new SummaryBuilder().paragraph('after'), file)).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('before\nafter\n');
    expect(await writeSummary('x', undefined)).toBe(false);
  });
});
