import { describe, expect, it } from 'vitest';
import { expandCheckNames, readTogglesFile, toggleMatrix, touchedToggles } from './toggles';

const noLabels = { toggles: [], ignored: [] };
const PATH = 'config/toggles.yml';

describe('toggleMatrix', () => {
  it('no toggle: one leg named default, so the checks keep one stable name', () => {
    expect(toggleMatrix([])).toEqual({ toggle: ['default'] });
  });

  it('each toggle on and off, in name order', () => {
    const matrix = toggleMatrix(
      touchedToggles({
        toggles: [
          { name: 'new-cart', label: 'toggle:new-cart', addedBy: 'lead' },
          { name: 'dark.mode', label: 'toggle:dark.mode', addedBy: 'lead' },
          { name: 'new-cart', label: 'toggle:new-cart', addedBy: 'other' },
        ],
        ignored: [],
      }),
    );
    expect(matrix).toEqual({ toggle: ['dark.mode-on', 'dark.mode-off', 'new-cart-on', 'new-cart-off'] });
    expect(JSON.stringify(matrix)).toBe(
      '{"toggle":["dark.mode-on","dark.mode-off","new-cart-on","new-cart-off"]}',
    );
  });
});

describe('touchedToggles from the toggles file', () => {
  it.each([
    ['an added entry', 'a: { default: on }\n', 'a: { default: on }\nb: { default: off }\n', [['b', 'adds']]],
    ['a changed entry', 'a: { default: on }\n', 'a: { default: off }\n', [['a', 'changes']]],
    ['reordered settings are no change', 'a: { x: 1, y: 2 }\n', 'a: { y: 2, x: 1 }\n', []],
    ['a removed entry has nothing to test', 'a: {}\nb: {}\n', 'a: {}\n', []],
    ['a new file', undefined, 'a: {}\n', [['a', 'adds']]],
    ['a list of names', '[a]\n', '[a, b]\n', [['b', 'adds']]],
    ['JSON is YAML', '{"a": {"on": true}}', '{"a": {"on": false}}', [['a', 'changes']]],
  ])('%s', (_, base, head, expected) => {
    const touched = touchedToggles(noLabels, { path: PATH, ...(base === undefined ? {} : { base }), head });
    expect(touched).toEqual(expected.map(([name, verb]) => ({ name, source: `${PATH} ${verb} it` })));
  });

  it('a deleted file touches nothing', () => {
    expect(touchedToggles(noLabels, { path: PATH, base: 'a: {}\n' })).toEqual([]);
  });

  it('a trusted label and the file name the same toggle once, the label first', () => {
    const labels = { toggles: [{ name: 'a', label: 'toggle:a', addedBy: 'lead' }], ignored: [] };
    expect(touchedToggles(labels, { path: PATH, head: 'a: {}\n' })).toEqual([
      { name: 'a', source: 'label toggle:a by @lead' },
    ]);
  });

  it.each([
    [
      'new checkout: {}\n',
      `${PATH}: toggle "new checkout" is not a name a job can carry: use letters, digits, ".", "_" and "-" (at most 63), starting with a letter or digit.`,
    ],
    [
      '"<script>": {}\n',
      `${PATH}: toggle "<script>" is not a name a job can carry: use letters, digits, ".", "_" and "-" (at most 63), starting with a letter or digit.`,
    ],
    ['5\n', `${PATH}: the file must be a mapping, got 5: write e.g. new-checkout: { default: off }.`],
    [
      'a: [\n',
      `${PATH}: line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]: fix the YAML there.`,
    ],
  ])('refuses %j in one line', (text, message) => {
    expect(() => readTogglesFile(PATH, text)).toThrow(message);
  });
});

describe('expandCheckNames', () => {
  it('{toggle} requires every leg; {number} is the PR; other names stay', () => {
    const names = expandCheckNames(
      ['build', 'test ({toggle})', 'smoke pr-{number} ({toggle})', 'build'],
      { toggle: ['new-cart-on', 'new-cart-off'] },
      12,
    );
    expect(names).toEqual([
      'build',
      'test (new-cart-on)',
      'test (new-cart-off)',
      'smoke pr-12 (new-cart-on)',
      'smoke pr-12 (new-cart-off)',
    ]);
  });

  it('without toggles the one default leg', () => {
    expect(expandCheckNames(['test ({toggle})'], { toggle: ['default'] }, 1)).toEqual(['test (default)']);
  });
});
