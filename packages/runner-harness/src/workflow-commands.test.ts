import { describe, expect, it } from 'vitest';
import { maskedValues, parseCommandFile, parseWorkflowCommands } from './workflow-commands';

// Each case is how actions/runner reads the line (ActionCommand.cs, ActionCommandManager.cs,
// FileCommandManager.cs), so a test that passes against the harness passes on a runner.
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

  it('reads a command after leading white space, and after a bare \\r, as the runner does', () => {
    expect(
      parseWorkflowCommands('  \t::add-mask::a\nprogress 10%\r::add-mask::b\r\n\u0085::debug::c'),
    ).toEqual([
      { command: 'add-mask', properties: {}, message: 'a' },
      { command: 'add-mask', properties: {}, message: 'b' },
      { command: 'debug', properties: {}, message: 'c' },
    ]);
  });

  it('reads the older ##[name props]data form anywhere in a line', () => {
    expect(parseWorkflowCommands('registry said: ##[set-output name=a%3Bb;]x%5Dy')).toEqual([
      { command: 'set-output', properties: { name: 'a;b' }, message: 'x]y' },
    ]);
  });

  it('knows only the runner’s commands, in any case; an unknown ::name:: is plain output', () => {
    expect(
      parseWorkflowCommands('::ADD-MASK::x\n::frobnicate::y\nsee ##[\\add-mask]z\n: :add-mask::w'),
    ).toEqual([{ command: 'ADD-MASK', properties: {}, message: 'x' }]);
  });

  it('unescapes in the runner’s order and case: %250A stays %0A, a lower-case %0a stays', () => {
    expect(parseWorkflowCommands('::debug::%250A and %0a')[0]?.message).toBe('%0A and %0a');
  });

  it('reads no command between ::stop-commands::TOKEN and ::TOKEN::', () => {
    const log = [
      '::stop-commands::pause-123',
      '::add-mask::ignored',
      '::pause-123::',
      '::add-mask::read',
    ].join('\n');
    expect(parseWorkflowCommands(log).map((c) => [c.command, c.message])).toEqual([
      ['stop-commands', 'pause-123'],
      ['add-mask', 'read'],
    ]);
    // A token the runner refuses stops nothing.
    expect(parseWorkflowCommands('::stop-commands::add-mask\n::add-mask::x')).toHaveLength(2);
  });
});

describe('maskedValues', () => {
  it('is the value and each of its lines, trimmed, as the runner masks them', () => {
    expect(maskedValues('p@ss%w:rd,\n "x\r\nthird ')).toEqual([
      'p@ss%w:rd,\n "x\r\nthird ',
      'p@ss%w:rd,',
      '"x',
      'third',
    ]);
    expect(maskedValues(' \n ')).toEqual([]);
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

  it('decides by whichever of = and << comes first, and a later value wins', () => {
    expect(parseCommandFile('a=b<<c\nd<e<<X\n1=2\nX\na=again\n')).toEqual({ a: 'again', 'd<e': '1=2' });
  });

  it('refuses what the runner refuses: an unclosed heredoc, an empty delimiter, a bare word', () => {
    expect(() => parseCommandFile('x<<END\nvalue\n')).toThrow(
      'Unterminated value for "x": no closing END line.',
    );
    expect(() => parseCommandFile('x<<\nvalue\n')).toThrow('delimiter must not be empty');
    expect(() => parseCommandFile('word\n')).toThrow('Invalid format "word"');
  });
});
