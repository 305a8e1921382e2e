import { describe, expect, it } from 'vitest';
import { ownersOf, parseCodeowners } from './codeowners';

// The examples of GitHub's "About code owners" page, each with paths it should and should not own.
const CODEOWNERS = `
# These owners will be the default owners for everything in the repo.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
!negated @nobody
[Bb]uild @nobody
`;

describe('parseCodeowners and ownersOf: the last matching line wins', () => {
  const rules = parseCodeowners(CODEOWNERS);

  it.each([
    ['README.md', ['@global-owner1', '@global-owner2']],
    ['src/index.js', ['@js-owner']],
    ['cmd/main.go', ['docs@example.com']],
    ['notes/a.txt', ['@octo-org/octocats']],
    ['build/logs/out.log', ['@octocat']],
    ['docs/getting-started.md', ['@doctocat']],
    ['docs/build-app/troubleshooting.md', ['@doctocat']],
    // A slash inside a pattern anchors it at the root, as in .gitignore.
    ['web/docs/page.md', ['@global-owner1', '@global-owner2']],
    ['scripts/deploy.sh', ['@doctocat', '@octocat']],
    ['deeply/nested/logs/x.log', ['@octocat']],
    ['apps/web/index.ts', ['@octocat']],
    ['apps/github/index.ts', []],
    ['lib/apps/x.rb', ['@octocat']],
  ])('%s → %j', (path, owners) => {
    expect(ownersOf(rules, path).owners).toEqual(owners);
  });

  it('reads comments and skips what GitHub does not support', () => {
    expect(rules.map((rule) => rule.pattern)).not.toContain('!negated');
    expect(rules.map((rule) => rule.pattern)).not.toContain('[Bb]uild');
    expect(rules.find((rule) => rule.pattern === '*.js')?.owners).toEqual(['@js-owner']);
    expect(rules[0]?.line).toBe(3);
  });

  it('an empty file owns nothing', () => {
    expect(ownersOf(parseCodeowners(''), 'a.ts')).toEqual({ owners: [] });
  });
});
