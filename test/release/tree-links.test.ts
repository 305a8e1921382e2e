import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { discoverActions, repositoryRoot } from '../../scripts/release/actions';
import { listTree, writeTreeFiles } from '../../scripts/release/assemble';
import { CLI_FOLDER } from '../../scripts/release/cli-package';
import { markdownAnchors, markdownLinks, rewriteLinks } from '../../scripts/release/markdown';
import { buildUsersReadme, relinkMarkdown, sectionOf, treePaths } from '../../scripts/release/tree-docs';

// The release tree is what adopters read, on GitHub at `org/flow-actions@v1`: every Markdown link
// in it must lead to a file of the tree (and a heading of it), never to a developer file of the
// sources, which are not there.

const scratch: string[] = [];
afterAll(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

/** This repository on GitHub, under any owner: links there lead out of the tree, to the sources. */
const SOURCES_ON_GITHUB = /^https?:\/\/(?:www\.)?github\.com\/[^/]+\/flow-actions(?:\.git)?(?:[/#?]|$)/i;

/** What is wrong with the links of every Markdown file in `tree`, one line each. */
async function brokenLinks(tree: string): Promise<string[]> {
  const problems: string[] = [];
  for (const file of (await listTree(tree)).filter((path) => path.endsWith('.md'))) {
    const text = readFileSync(join(tree, file), 'utf8');
    for (const { destination, line } of markdownLinks(text)) {
      const where = `${file}:${line}: ${destination}`;
      if (/^[a-z][a-z0-9+.-]*:/i.test(destination)) {
        if (!/^https?:|^mailto:/i.test(destination)) problems.push(`${where}: not a web link`);
        else if (SOURCES_ON_GITHUB.test(destination))
          problems.push(`${where}: leads to the flow-actions sources, not into the tree`);
        continue;
      }
      const [path = '', anchor] = destination.split('#');
      const target = path ? resolve(tree, dirname(file), decodeURIComponent(path)) : join(tree, file);
      if (relative(tree, target).startsWith('..') || target === tree) {
        problems.push(`${where}: leads out of the tree`);
        continue;
      }
      if (!existsSync(target)) {
        problems.push(`${where}: ${relative(tree, target).split(sep).join('/')} is not in the tree`);
        continue;
      }
      if (anchor && (!target.endsWith('.md') || !markdownAnchors(readFileSync(target, 'utf8')).has(anchor)))
        problems.push(`${where}: no heading #${anchor} there`);
    }
  }
  return problems;
}

describe('the release tree as users read it', () => {
  it('every Markdown link of the tree this run tests resolves inside it, to a file and a heading', async () => {
    const tree = inject('releaseTree');
    expect((await listTree(tree)).filter((file) => file.endsWith('.md')).length).toBeGreaterThan(2);
    expect(await brokenLinks(tree)).toEqual([]);
  });

  it('with every action, as a release has them: the README links each action’s README, and every link resolves', async () => {
    const out = await mkdtemp(join(tmpdir(), 'flow-tree-docs-'));
    scratch.push(out);
    const actions = await discoverActions();
    await writeTreeFiles(out, repositoryRoot, actions);
    expect(await brokenLinks(out)).toEqual([]);
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    const linked = new Set(markdownLinks(readme).map((link) => link.destination));
    for (const action of actions) expect(linked, action.uses).toContain(`${action.uses}/README.md`);
    expect(linked).toContain('workflows-templates');
    expect(linked).toContain('docs/DESIGN.md');
    expect(linked).toContain(`${CLI_FOLDER}/README.md`);
  });

  it('the CLI package’s README links only inside the package, which npm shows on its own', async () => {
    const out = await mkdtemp(join(tmpdir(), 'flow-tree-cli-'));
    scratch.push(out);
    await writeTreeFiles(out, repositoryRoot, await discoverActions());
    expect(await listTree(join(out, CLI_FOLDER))).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(await brokenLinks(join(out, CLI_FOLDER))).toEqual([]);
  });

  it('its README is the users’ README: the adoption section of the repository README, no developer set-up', async () => {
    const paths = treePaths(
      (await discoverActions()).map((a) => ({ source: relative(repositoryRoot, a.dir), uses: a.uses })),
    );
    const readme = await buildUsersReadme(repositoryRoot, paths);
    const adopt = sectionOf(
      readFileSync(join(repositoryRoot, 'README.md'), 'utf8'),
      'adopt-the-protocol',
      'README.md',
    );
    expect(readme).toContain(relinkMarkdown(adopt, 'README.md', 'README.md', paths).trimEnd());
    expect(readme).toContain('## Versions and updates');
    // `npx @flow-actions/cli` is for users; `npx -y pnpm@…` is how developers run this repository.
    for (const developerOnly of ['pnpm', 'npx -y', 'scripts/install.sh', '.ci/run', 'vitest', 'include -->'])
      expect(readme, developerOnly).not.toContain(developerOnly);
  });

  it('the check can fail: a link to a source file, a missing heading, the sources on GitHub, a way out', async () => {
    const out = await mkdtemp(join(tmpdir(), 'flow-tree-broken-'));
    scratch.push(out);
    await writeTreeFiles(out, repositoryRoot, await discoverActions());
    const readme = join(out, 'README.md');
    const text = readFileSync(readme, 'utf8');
    const broken = `${text}
[npm runner](../packages/npm-runner/README.md) [dev](scripts/install.sh) [gone](docs/DESIGN.md#9-nothing)
[sources](https://github.com/acme/flow-actions/blob/main/packages/x.ts) [out](../../etc/passwd)
`;
    writeFileSync(readme, broken);
    expect(
      (await brokenLinks(out))
        .filter((problem) => problem.startsWith('README.md'))
        .map((p) => p.replace(/^README\.md:\d+: /, '')),
    ).toEqual([
      '../packages/npm-runner/README.md: leads out of the tree',
      'scripts/install.sh: scripts/install.sh is not in the tree',
      'docs/DESIGN.md#9-nothing: no heading #9-nothing there',
      'https://github.com/acme/flow-actions/blob/main/packages/x.ts: leads to the flow-actions sources, not into the tree',
      '../../etc/passwd: leads out of the tree',
    ]);
  });
});

describe('links written in the sources, pointed into the tree', () => {
  const paths = treePaths([{ source: 'actions/retag-promote', uses: 'promote' }]);

  it('follow each file to its place: action folders by their released path, the users’ README to the top', () => {
    const text = [
      'See [promote](../retag-promote/README.md#two-promotions-at-once), [its inputs](../retag-promote/action.yml),',
      '[the templates](../../workflows-templates/main.yml), [design](../../docs/DESIGN.md#2-artifacts-and-their-identity)',
      '[here](#inputs), [web](https://example.com/a(b)), `[code](../../packages/x.md)`, [dev](../../packages/x.md)',
      '',
      '```md',
      '[fenced](../../scripts/demo.ts)',
      '```',
      '[ref]: ../../LICENSE',
    ].join('\n');
    expect(
      relinkMarkdown(text, 'actions/update-manifest/README.md', 'update-manifest/README.md', paths),
    ).toBe(
      [
        'See [promote](../promote/README.md#two-promotions-at-once), [its inputs](../promote/action.yml),',
        '[the templates](../workflows-templates/main.yml), [design](../docs/DESIGN.md#2-artifacts-and-their-identity)',
        '[here](#inputs), [web](https://example.com/a(b)), `[code](../../packages/x.md)`, [dev](../../packages/x.md)',
        '',
        '```md',
        '[fenced](../../scripts/demo.ts)',
        '```',
        '[ref]: ../LICENSE',
      ].join('\n'),
    );
    expect(
      relinkMarkdown('[README](README.md#adopt-the-protocol)', 'docs/README.release.md', 'README.md', paths),
    ).toBe('[README](README.md#adopt-the-protocol)');
  });

  it('finds destinations in inline links, images, references and HTML, never in code', () => {
    const text = '![logo](img/a.png "t") [a](<b c.md>) <a href="x.md">x</a>\n`[no](n.md)`\n[r]: <ref.md>\n';
    expect(markdownLinks(text).map((link) => [link.destination, link.line])).toEqual([
      ['img/a.png', 1],
      ['b c.md', 1],
      ['x.md', 1],
      ['ref.md', 3],
    ]);
    expect(rewriteLinks(text, (destination) => destination.toUpperCase())).toBe(
      '![logo](IMG/A.PNG "t") [a](<B C.MD>) <a href="X.MD">x</a>\n`[no](n.md)`\n[r]: <REF.MD>\n',
    );
  });

  it('gives headings GitHub’s anchors', () => {
    const anchors = markdownAnchors(
      '# flow-actions\n## 8. Rules that hold everywhere\n## The `flow` CLI: build, promote\n## FAQ\n## FAQ\n```\n# not a heading\n```\n<a id="custom"></a>\n',
    );
    expect([...anchors]).toEqual([
      'flow-actions',
      '8-rules-that-hold-everywhere',
      'the-flow-cli-build-promote',
      'faq',
      'faq-1',
      'custom',
    ]);
  });
});
