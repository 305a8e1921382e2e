import { createTagPatternMatcher } from '@flow-actions/artifact-protocol';
import { TAG_PATTERN } from '@flow-actions/commit-identity';
import { closestWord } from '@flow-actions/merge-gate/did-you-mean';
import { YamlValues } from '@flow-actions/merge-gate/yaml-values';
import type { Source } from './command';

// The environments' policy, `.github/flow-environments.yml` on the default branch: which
// environments a comment may deploy to, what each accepts, who besides the repository's writers
// must agree (teams), and each environment's folder in the manifest repository.

export const DEFAULT_POLICY_FILE = '.github/flow-environments.yml';

/** Source keywords; every other entry of `sources` is a tag pattern (`rc-*`, `v*`). */
export const SOURCE_KEYWORDS = ['pull-request', 'commit'] as const;

export const POLICY_EXAMPLE = `environments:
  appdev:
    manifest-path: envs/appdev
    sources: [pull-request, commit]
  demo:
    manifest-path: envs/demo
    sources: ['rc-*']
  prod:
    manifest-path: envs/prod
    sources: ['v*']
    teams: [release-managers]`;

export interface EnvironmentPolicy {
  /** As the file spells it: also the tag that promote moves. */
  name: string;
  manifestPath: string;
  /** As written: pull-request, commit, or tag patterns. */
  sources: string[];
  /** `org/slug`; empty: every writer of the repository may. */
  teams: string[];
  /** Whether a tag is one this environment accepts (its tag patterns). */
  acceptsTag: (tag: string) => boolean;
}

export interface Policy {
  /** By lower-cased name: `/deploy pr-1 to AppDev` finds appdev. */
  environments: Map<string, EnvironmentPolicy>;
}

const TEAM = /^(?:[A-Za-z0-9][A-Za-z0-9-]{0,38}\/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const PATTERN = /^[A-Za-z0-9_.*?-]+$/;

/**
 * Reads the policy; every refusal is one line naming the file, the key and how to write it.
 * `owner` is the repository's owner: a team written without `org/` is one of its teams.
 */
export function parsePolicy(text: string, file: string, owner: string): Policy {
  const yaml = new YamlValues(file);
  const top = yaml.mapping(yaml.parse(text), '', ['environments']);
  if (!top.has('environments'))
    yaml.fail('the file', 'has no environments', `write them under environments:, e.g. ${oneLineExample()}`);
  const named = yaml.namedMapping(top.get('environments'), 'environments', oneLineExample());
  if (named.size === 0) yaml.fail('environments', 'is empty', `name at least one, e.g. ${oneLineExample()}`);
  const environments = new Map<string, EnvironmentPolicy>();
  for (const [name, value] of named) {
    const key = `environments.${name}`;
    if (!TAG_PATTERN.test(name) || name.length > 63)
      yaml.fail(
        key,
        'is no environment name',
        'use letters, digits, "_", "." and "-" (it is also the tag promote moves)',
      );
    if (environments.has(name.toLowerCase()))
      yaml.fail(key, `is written twice (names are compared without case)`, 'keep one of them');
    const entry = yaml.mapping(value, key, ['manifest-path', 'sources', 'teams']);
    const manifestPath = yaml.string(entry.get('manifest-path'), `${key}.manifest-path`, 'envs/appdev');
    if (manifestPath.startsWith('/') || manifestPath.split('/').includes('..'))
      yaml.fail(
        `${key}.manifest-path`,
        `must be a folder inside the manifest repository, got "${manifestPath}"`,
        'write e.g. envs/appdev',
      );
    const sources = yaml.strings(entry.get('sources'), `${key}.sources`, "[pull-request] or ['v*']");
    if (sources.length === 0)
      yaml.fail(`${key}.sources`, 'is empty', "write what it accepts, e.g. [pull-request] or ['v*']");
    const patterns = sources.filter((source) => !(SOURCE_KEYWORDS as readonly string[]).includes(source));
    for (const pattern of patterns) {
      // `pull-requests` is a valid tag, but surely a typo: a tag named so would never be built.
      const meant = closestWord(pattern, SOURCE_KEYWORDS);
      if (meant)
        yaml.fail(
          `${key}.sources`,
          `has "${pattern}"`,
          `did you mean ${meant}? (tag patterns are like 'rc-*')`,
        );
      if (!PATTERN.test(pattern))
        yaml.fail(
          `${key}.sources`,
          `has "${pattern}", which is neither ${SOURCE_KEYWORDS.join(' nor ')} nor a tag pattern`,
          "write pull-request, commit, or a tag pattern with * and ? such as 'rc-*'",
        );
    }
    const teams = entry.has('teams')
      ? yaml.strings(entry.get('teams'), `${key}.teams`, '[release-managers]')
      : [];
    for (const team of teams)
      if (!TEAM.test(team))
        yaml.fail(
          `${key}.teams`,
          `has "${team}", which is no team`,
          'write its slug (release-managers) or org/slug',
        );
    environments.set(name.toLowerCase(), {
      name,
      manifestPath: manifestPath.replace(/\/+$/, ''),
      sources,
      teams: teams.map((team) => (team.includes('/') ? team : `${owner}/${team}`)),
      acceptsTag: createTagPatternMatcher(patterns, {}, 'sources'),
    });
  }
  return { environments };
}

/** Whether an environment accepts what a command names: a keyword for pulls and commits, a pattern for tags. */
export function acceptsSource(environment: EnvironmentPolicy, source: Source): boolean {
  switch (source.kind) {
    case 'pull-request':
    case 'this-pull-request':
      return environment.sources.includes('pull-request');
    case 'commit':
      return environment.sources.includes('commit');
    case 'tag':
      return environment.acceptsTag(source.tag);
  }
}

/** What an environment accepts, in words: "pull requests, commits and tags rc-*". */
export function describeSources(environment: EnvironmentPolicy): string {
  const parts = environment.sources.map((source) =>
    source === 'pull-request' ? 'pull requests' : source === 'commit' ? 'commits' : `tags ${source}`,
  );
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? '');
}

function oneLineExample(): string {
  return 'environments: { appdev: { manifest-path: envs/appdev, sources: [pull-request] } }';
}
