import { describe, expect, it } from 'vitest';
import { byteLength, CHECK_OUTPUT_LIMIT, fitMarkdown, link, plainText } from './markdown';

/** What a reader sees: character references decoded back. */
const rendered = (markdown: string) =>
  markdown.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '</table><script>alert(1)</script>',
  'build | test',
  'a \\| b',
  '**bold** _it_ ~~gone~~ `code`',
  '[click](javascript:alert(1))',
  '![x](https://evil.example/x.png)',
  ':shipit: #123 https://evil.example',
  'line\nbreak | --- |',
  'tab\there\u0000nul\u2028sep',
  '&amp; &#124; &lt;',
];

describe('plainText', () => {
  it.each(HOSTILE)('%j renders as written and carries no markup', (text) => {
    const markdown = plainText(text);
    expect(markdown.replace(/&#\d+;/g, '')).not.toMatch(/[&<>|`*_[\]\\~!:#]/);
    expect(markdown).not.toContain('\n');
    expect(rendered(markdown)).toBe(text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' '));
  });

  it('keeps letters, digits, spaces and other scripts as they are', () => {
    expect(plainText('build (node 24) — café ✓')).toBe('build (node 24) — café ✓');
  });

  it('cuts a name longer than 200 characters, by characters, never inside a pair', () => {
    const cut = plainText('😀'.repeat(300));
    expect([...cut]).toHaveLength(200);
    expect(cut.endsWith('😀…')).toBe(true);
  });
});

describe('link', () => {
  it.each([
    ['https://github.com/acme/shop/actions/runs/7', '[x](https://github.com/acme/shop/actions/runs/7)'],
    ['https://ci.example.com/a(b)|c d', '[x](https://ci.example.com/a%28b%29%7Cc%20d)'],
    ['javascript:alert(1)', 'x'],
    ['data:text/html,<b>x</b>', 'x'],
    ['/relative/path', 'x'],
    ['not a url', 'x'],
    [undefined, 'x'],
  ])('%j → %j', (url, markdown) => {
    expect(link('x', url)).toBe(markdown);
  });
});

describe('fitMarkdown', () => {
  it('returns text that fits as it is', () => {
    expect(fitMarkdown('| a |\n| b |\n')).toBe('| a |\n| b |\n');
  });

  it('cuts at a line boundary within the limit and says how much it left out', () => {
    const rows = Array.from({ length: 5000 }, (_, index) => `| check-${index} | ✅ | check run success |`);
    const text = `| name | | found |\n| --- | --- | --- |\n${rows.join('\n')}`;
    const fitted = fitMarkdown(text);
    expect(byteLength(fitted)).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    const kept = fitted.split('\n').filter((line) => line.startsWith('| check-')).length;
    expect(kept).toBeGreaterThan(1000);
    expect(fitted).toContain(
      `_… ${5002 - kept - 2} more lines not shown: GitHub keeps at most 65535 characters of a check run's output._`,
    );
    for (const line of fitted.split('\n').filter((line) => line.startsWith('| check-')))
      expect(line).toMatch(/^\| check-\d+ \| ✅ \| check run success \|$/);
  });

  it('counts bytes, not characters: multi-byte text still fits', () => {
    const line = '€'.repeat(10_000);
    const fitted = fitMarkdown([line, line, line].join('\n'));
    expect(byteLength(fitted)).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    expect(fitted.split('\n').filter((kept) => kept === line)).toHaveLength(2);
    expect(fitted).toContain('1 more line not shown');
  });

  it('cuts one overlong line without splitting a character reference or a character', () => {
    const fitted = fitMarkdown(plainText('<'.repeat(150)).repeat(500), 1000);
    expect(byteLength(fitted)).toBeLessThanOrEqual(1000);
    expect(fitted).toMatch(/^(&#60;)+…/);
    const emoji = fitMarkdown('😀'.repeat(1000), 101);
    expect(byteLength(emoji)).toBeLessThanOrEqual(101);
    expect(emoji).not.toContain('\uFFFD');
  });
});
