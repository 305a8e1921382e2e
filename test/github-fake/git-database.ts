// release: GitHub's git database routes over a real git repository, so that git reads back what a
// client created through the API (an annotated tag is a real tag object, its ref a real ref).
import { execFileSync } from 'node:child_process';
import type { JsonRecord } from './factories';
import type { Answer, Route, RouteContext } from './github-fake';
import type { OpenApiOperation } from './openapi';

export interface GitDatabaseOptions {
  gitDir: string | undefined;
  repository: string;
  isOurRepository(params: Record<string, string>): boolean;
  notFound(operation: OpenApiOperation, message?: string): Answer;
  validationFailed(operation: OpenApiOperation, message: string, errors: JsonRecord[]): Answer;
  now(): Date;
  nextId(): number;
  /** A tag ref was created: its name and the commit it peels to, for the routes that resolve names. */
  onTagRef(name: string, commit: string): void;
}

const API = 'https://api.github.com';

/**
 * GitHub's merge of a pull request with a merge commit, in the git database: the merge of `head`
 * into the branch `base` as it is now (not as it was when the pull request was opened), committed
 * by GitHub as `actor` and moving the branch, so that git reads back what the API merged. Returns
 * the merge commit's sha, or undefined when the repository lacks the branch or the head, or the
 * two conflict (GitHub then refuses the merge; the caller falls back to its model).
 */
export function mergeInGitDatabase(
  gitDir: string,
  { base, head, message, actor }: { base: string; head: string; message: string; actor: string },
): string | undefined {
  const email = `${actor.replace(/\[bot\]$/, '')}@users.noreply.github.com`;
  const git = (args: string[]) =>
    execFileSync('git', ['-C', gitDir, ...args], {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: actor,
        GIT_AUTHOR_EMAIL: email,
        GIT_COMMITTER_NAME: 'GitHub',
        GIT_COMMITTER_EMAIL: 'noreply@github.com',
      },
    }).trim();
  try {
    const branch = `refs/heads/${base}`;
    const before = git(['rev-parse', '--verify', `${branch}^{commit}`]);
    git(['rev-parse', '--verify', `${head}^{commit}`]);
    const tree = git(['merge-tree', '--write-tree', before, head]).split('\n')[0] ?? '';
    const merge = git(['commit-tree', tree, '-p', before, '-p', head, '-m', message]);
    git(['update-ref', branch, merge, before]);
    return merge;
  } catch {
    return undefined;
  }
}
const SHA = /^[0-9a-f]{40}$/;

export function gitDatabaseRoutes(options: GitDatabaseOptions): Route[] {
  const repoUrl = `${API}/repos/${options.repository}`;
  const git = (args: string[], input?: string) =>
    execFileSync('git', ['-C', options.gitDir as string, ...args], {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(input === undefined ? {} : { input }),
    }).trim();
  const tryGit = (args: string[]) => {
    try {
      return git(args);
    } catch {
      return undefined;
    }
  };
  const typeOf = (sha: string) => (SHA.test(sha) ? tryGit(['cat-file', '-t', sha]) : undefined);
  const nodeId = (kind: string, id: string) => Buffer.from(`${kind}:${id}`).toString('base64');
  const objectUrl = (type: string, sha: string) => `${repoUrl}/git/${type}s/${sha}`;
  const refBody = (ref: string, type: string, sha: string): JsonRecord => ({
    ref,
    node_id: nodeId('Ref', ref),
    url: `${repoUrl}/git/${ref}`,
    object: { type, sha, url: objectUrl(type, sha) },
  });
  const tagBody = (sha: string): JsonRecord | undefined => {
    if (typeOf(sha) !== 'tag') return undefined;
    const raw = git(['cat-file', 'tag', sha]);
    const split = raw.indexOf('\n\n');
    const header = raw.slice(0, split < 0 ? raw.length : split);
    const field = (name: string) => new RegExp(`^${name} (.*)$`, 'm').exec(header)?.[1] ?? '';
    const tagger = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(field('tagger'));
    const type = field('type');
    return {
      node_id: nodeId('Tag', sha),
      tag: field('tag'),
      sha,
      url: objectUrl('tag', sha),
      message: split < 0 ? '' : `${raw.slice(split + 2)}\n`,
      tagger: {
        name: tagger?.[1] ?? '',
        email: tagger?.[2] ?? '',
        date: new Date(Number(tagger?.[3] ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      object: { sha: field('object'), type, url: objectUrl(type, field('object')) },
      verification: {
        verified: false,
        reason: 'unsigned',
        payload: null,
        signature: null,
        verified_at: null,
      },
    };
  };

  return [
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/git/tags',
      handle: (route: RouteContext): Answer => {
        if (!options.isOurRepository(route.params)) return options.notFound(route.operation);
        const object = String(route.body.object ?? '');
        const type = String(route.body.type ?? '');
        if (!options.gitDir || typeOf(object) !== type)
          return options.validationFailed(route.operation, 'Object does not exist', []);
        const tagger = route.body.tagger as JsonRecord | undefined;
        const name = String(tagger?.name ?? route.actor);
        const email = String(tagger?.email ?? `${options.nextId()}+${route.actor}@users.noreply.github.com`);
        const seconds = Math.floor(options.now().getTime() / 1000);
        const message = String(route.body.message ?? '');
        const sha = git(
          ['mktag'],
          `object ${object}\ntype ${type}\ntag ${String(route.body.tag)}\ntagger ${name} <${email}> ${seconds} +0000\n\n${message.endsWith('\n') ? message : `${message}\n`}`,
        );
        return {
          status: 201,
          body: tagBody(sha) as JsonRecord,
          headers: { location: objectUrl('tag', sha) },
        };
      },
    },
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/git/refs',
      handle: (route: RouteContext): Answer => {
        if (!options.isOurRepository(route.params)) return options.notFound(route.operation);
        const ref = String(route.body.ref ?? '');
        const sha = String(route.body.sha ?? '');
        if (
          !ref.startsWith('refs/') ||
          ref.split('/').length < 3 ||
          tryGit(['check-ref-format', ref]) === undefined
        )
          return options.validationFailed(route.operation, `${ref} is not a valid ref name.`, []);
        const type = options.gitDir ? typeOf(sha) : undefined;
        if (!type) return options.validationFailed(route.operation, 'Object does not exist', []);
        if (tryGit(['update-ref', ref, sha, '']) === undefined)
          return options.validationFailed(route.operation, 'Reference already exists', []);
        if (ref.startsWith('refs/tags/')) {
          const commit = tryGit(['rev-parse', '--verify', '--quiet', `${sha}^{commit}`]);
          if (commit) options.onTagRef(ref.slice('refs/tags/'.length), commit);
        }
        return { status: 201, body: refBody(ref, type, sha), headers: { location: `${repoUrl}/git/${ref}` } };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/git/ref/{ref}',
      handle: (route: RouteContext): Answer => {
        if (!options.isOurRepository(route.params) || !options.gitDir)
          return options.notFound(route.operation);
        const ref = `refs/${route.params.ref ?? ''}`;
        const sha = tryGit(['rev-parse', '--verify', '--quiet', ref]);
        const type = sha ? typeOf(sha) : undefined;
        if (!sha || !type) return options.notFound(route.operation);
        return { status: 200, body: refBody(ref, type, sha) };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/git/tags/{tag_sha}',
      handle: (route: RouteContext): Answer => {
        if (!options.isOurRepository(route.params) || !options.gitDir)
          return options.notFound(route.operation);
        const body = tagBody(route.params.tag_sha ?? '');
        return body ? { status: 200, body } : options.notFound(route.operation);
      },
    },
  ];
}
