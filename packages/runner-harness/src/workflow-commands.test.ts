import { describe, expect, it } from 'vitest';
import { parseCommandFile, parseWorkflowCommands } from './workflow-commands';

describe('parseWorkflowCommands', () => {
  it('reads commands, their properties and escaped data; plain lines are not commands', () => {
    const log = [
      'plain output',
      '::add-mask::s3cret',
      '::group::Build',
      '::error file=src/a.ts,line=3,title=Bad%3A input%2C really::first%0Asecond 100%25',
      '::endgroup::',
      '::warning::careful',
    ].join('\n');
    expect(parseWorkflowCommands(log)).toEqual([
      { command: 'add-mask', properties: {}, message: 's3cret' },
      { command: 'group', properties: {}, message: 'Build' },
      {
        command: 'error',
        properties: { file: 'src/a.ts', line: '3', title: 'Bad: input, really' },
        message: 'first\nsecond 100%',
      },
      { command: 'endgroup', properties: {}, message: '' },
      { command: 'warning', properties: {}, message: 'careful' },
    ]);
  });
});

describe('parseCommandFile', () => {
  it('reads name=value lines and the heredoc form', () => {
    const content = [
      'simple=value=with=equals',
      'multi<<ghadelimiter_1',
      'line one',
      '',
      'line three',
      'ghadelimiter_1',
      'empty<<EOF',
      'EOF',
      '',
    ].join('\n');
    expect(parseCommandFile(content)).toEqual({
      simple: 'value=with=equals',
      multi: 'line one\n\nline three',
      empty: '',
    });
  });

  it('refuses a heredoc that never closes', () => {
    expect(() => parseCommandFile('x<<END\nvalue\n')).toThrow(
      'Unterminated value for "x": no closing END line.',
    );
  });
});
