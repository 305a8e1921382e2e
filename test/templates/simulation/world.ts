import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { parse } from 'yaml';
import { type GitHubFake, startGitHubFake } from '../../github-fake';
import {
  type BareRepository,
  type RunningGitServer,
  type RunningRegistry,
  type RunningVerdaccio,
  startGitServer,
  startRegistry,
  startVerdaccio,
} from '../../services';
import { listTemplates, readTemplate, type Workflow } from '../templates';
import { adoptCopy } from './adopt';
import { Scheduler } from './concurrency';
import { type JobRun, runWorkflow, type StandIns, type WorkflowRun } from './runner';
import { DEFAULT_BRANCH, type WorkflowEvent } from './triggers';

// The world a template runs in, all of it real and on loopback: the registry (htpasswd, deletes
// on), the GitOps manifest repository behind git's smart HTTP with a token, verdaccio, the
// OpenAPI-checked GitHub fake for check runs and deployments, and the app repository itself, into
// whose .github/workflows/ every template is copied as an adopter copies it.

/** Where an adopter puts the templates, and where GitHub reads them from a commit. */
export const WORKFLOWS_DIR = '.github/workflows';

export const REPOSITORY = 'acme/api';
export const MANIFEST_REPOSITORY = 'acme/manifests';
export const ACTOR = 'release-bot';
/** Random per run: tests grep every log and output for them. */
export const SECRETS = {
  GITHUB_TOKEN: `ghs_${random(36)}`,
  MANIFEST_TOKEN: `github_pat_${random(40)}`,
  /** The merge App's client ID and private key, secrets of merge-gate.yml's environment. */
  MERGE_APP_CLIENT_ID: `Iv23li${random(14)}`,
  MERGE_APP_PRIVATE_KEY: `-----BEGIN RSA PRIVATE KEY-----\n${random(64)}\n-----END RSA PRIVATE KEY-----`,
  /** The installation token actions/create-github-app-token makes from them (its stand-in). */
  MERGE_APP_TOKEN: `ghs_${random(36)}`,
  /** chatops.yml's token that may read the organization's teams (GITHUB_TOKEN cannot). */
  TEAMS_TOKEN: `ghs_${random(36)}`,
  /** The release App's client ID and private key, secrets of release.yml's environment, and its token. */
  RELEASE_APP_CLIENT_ID: `Iv23li${random(14)}`,
  RELEASE_APP_PRIVATE_KEY: `-----BEGIN RSA PRIVATE KEY-----\n${random(64)}\n-----END RSA PRIVATE KEY-----`,
  RELEASE_APP_TOKEN: `ghs_${random(36)}`,
};
/** Where the merge gate's policy lives: merge-gate.yml and pull-request.yml's risk job read it from main. */
export const POLICY_FILE = '.github/flow-merge-gate.yml';
/**
 * The adopter's merge gate policy: CI is the test job's legs (each toggle state) and another app's
 * dependency audit, CD the pull request's preview environment, a review one approval; low risk
 * merges by itself, medium waits for a person, high for the release managers. Only `lead`'s labels
 * count.
 */
export const GATE_POLICY = [
  'ci:',
  "  checks: ['test ({toggle}, node 22)', audit]",
  'cd:',
  "  environments: ['pr-{number}']",
  'review:',
  '  approvals: 1',
  'risk:',
  '  low: { auto-merge: true }',
  '  medium: { auto-merge: false }',
  '  high: { team: acme/release-managers, approvals: 1 }',
  'trusted-label-actors: [lead]',
  'components:',
  "  payments: { paths: ['payments/**'], size: XL }",
  'default-component-size: M',
  "non-functional-paths: ['*.md', 'docs/**']",
  'toggles:',
  '  file: config/toggles.yml',
  '',
].join('\n');
/** pull-request.yml's test job for a change behind no toggle: the one leg the policy's `test ({toggle}, node 22)` names. */
export const TEST_LEG = 'test (default, node 22)';
/** Who the merge App's token acts as: GitHub merges as it, and main's push workflow runs. */
export const MERGE_APP_LOGIN = 'flow-merger[bot]';
/** Who chatops.yml's teams token acts as: an App with the organization's members: read. */
export const TEAMS_APP_LOGIN = 'flow-teams[bot]';
/** Who the release App's token acts as: a tag it creates starts workflows, unlike one of GITHUB_TOKEN. */
export const RELEASE_APP_LOGIN = 'flow-releaser[bot]';
/** Who opens the pull requests and pushes to them, unless a story says otherwise. */
export const PR_AUTHOR = 'dev';

function random(length: number): string {
  let text = '';
  while (text.length < length) text += Math.random().toString(36).slice(2);
  return text.slice(0, length);
}

export interface Commit {
  sha: string;
  subject: string;
  changedFiles: string[];
}

export interface PullRequestOptions {
  number: number;
  branch: string;
  /** Its commits, oldest first, each on the one before, the first on main's head. */
  commits: { files: Record<string, string>; subject: string }[];
  /** Default: PR_AUTHOR. */
  author?: string;
  /** Default: false. */
  draft?: boolean;
  /** A fork's owner: the head lives in `<owner>/api`. Default: a branch of this repository. */
  forkOwner?: string;
}

/** A pull request as the app repository and GitHub (the fake) both have it. */
export interface OpenedPullRequest {
  number: number;
  branch: string;
  author: string;
  /** Its head commit. */
  head: Commit;
  /** GitHub's merge commit of the head into main: GITHUB_SHA of its pull_request runs. */
  merge: string;
  /** main's head when it was opened. */
  base: string;
  draft: boolean;
  headRepository?: string;
}

export interface World {
  registry: RunningRegistry;
  git: RunningGitServer;
  verdaccio: RunningVerdaccio;
  github: GitHubFake;
  manifests: BareRepository;
  /** The app's working repository: what actions/checkout fetches from. */
  app: string;
  /** The adopter's values, set once at the top of each template. */
  values: Record<string, string>;
  /** The runner and concurrency groups every run shares, with what happened in each group. */
  scheduler: Scheduler;
  /** A commit on the app's main branch (or on `branch`). */
  commit(files: Record<string, string>, subject: string, branch?: string): Promise<Commit>;
  /** A tag in the app repository; annotated ones get their own object, as `git tag -a` makes. */
  tag(name: string, sha: string, annotated?: boolean): Promise<string>;
  /** Merges a branch into main the way a fast-forward merge of its pull request does. */
  fastForward(branch: string): Promise<void>;
  /** GitHub's merge commit for a pull request head: `refs/pull/<n>/merge`. */
  mergeCommit(number: number, head: string): Promise<string>;
  /**
   * Opens a pull request: its commits on its branch in the app repository, and the pull request
   * as GitHub has it (the fake) — the same head sha, commits, authors and changed files, as
   * `git diff --numstat` counts them.
   */
  openPullRequest(options: PullRequestOptions): Promise<OpenedPullRequest>;
  /** Pushes a commit to a pull request's branch, in the app repository and on GitHub. */
  pushToPullRequest(
    pull: OpenedPullRequest,
    files: Record<string, string>,
    subject: string,
  ): Promise<OpenedPullRequest>;
  /**
   * Runs the copy of a template that the event's commit holds in .github/workflows/, as GitHub
   * reads it (GITHUB_SHA: the pushed commit, a pull request's merge commit, the head of the branch
   * a dispatch or workflow_run runs on); each job is recorded as a check run. `edit` changes that
   * copy first, as a careless adopter would: for proving that a broken copy fails. Runs started
   * one after another without waiting run at the same time, sharing the runner and its groups;
   * `slowJobs` take longer than the jobs queued with them (RunnerSettings.slowJobs). `apiUrl`
   * points the run's GITHUB_API_URL at another fake: one serving another repository (propose's
   * product), since a fake serves one.
   */
  run(
    template: string,
    event: WorkflowEvent,
    standIns: StandIns,
    edit?: (text: string) => string,
    options?: { slowJobs?: readonly string[]; apiUrl?: string },
  ): Promise<WorkflowRun>;
  /** An environment's kustomization.yaml as the manifest repository's main has it now. */
  manifestAt(environment: string): Promise<string>;
  /** The tags the app repository (GitHub's copy) holds now. */
  tagNames(): Promise<Set<string>>;
  /**
   * The tags created since `before` (tagNames), each with who created it (an annotated tag's
   * tagger, the token's user when made through the API) and whether GitHub starts workflows for
   * its push: not for a tag a workflow's GITHUB_TOKEN created.
   */
  createdTags(before: ReadonlySet<string>): Promise<CreatedTag[]>;
  /** Every run so far, for the leak check. */
  runs: WorkflowRun[];
  stop(): Promise<void>;
}

/** A tag that appeared in the app repository, and what GitHub does about it. */
export interface CreatedTag {
  name: string;
  /** Who created it: the tagger of an annotated tag. */
  creator: string;
  commit: Commit;
  /** The tag object (an annotated tag) or the commit: the push event's `after`. */
  object: string;
  /** False for a tag GITHUB_TOKEN created: GitHub starts no workflow for its push. */
  startsWorkflows: boolean;
}

/** Who a workflow's GITHUB_TOKEN acts as. */
export const GITHUB_ACTIONS_LOGIN = 'github-actions[bot]';

/** How the app repository adopts the templates, and what its runs get. */
export interface WorldOptions {
  /**
   * Writes the workflows into the app's checkout (`.github/workflows/`) before its first commit,
   * given the adopter's values. Default: each template copied as the README says (adoptCopy).
   */
  adopt?(app: string, values: Readonly<Record<string, string>>): Promise<void>;
  /** The registry's one user. Default: ACTOR with the GITHUB_TOKEN, as ghcr.io takes the job's token. */
  registryUser?: { username: string; password: string };
  /** Repository secrets besides MANIFEST_TOKEN and NPM_TOKEN, e.g. a registry password. Default: none. */
  secrets?: Readonly<Record<string, string>>;
  /** How a step names one of our actions (RunnerSettings.ourAction). Default: the templates' form. */
  ourAction?: RegExp;
}

export async function startWorld(
  actionDir: (uses: string, ref?: string) => string,
  options: WorldOptions = {},
): Promise<World> {
  const temp = await mkdtemp(join(tmpdir(), 'flow-templates-'));
  const user = options.registryUser ?? { username: ACTOR, password: SECRETS.GITHUB_TOKEN };
  // GitHub's copy of the app repository is the app repository itself: a tag created through the
  // API (release) is a real tag object there, which actions/checkout then fetches.
  const app = join(temp, 'app');
  await mkdir(app);
  const [registry, git, verdaccio, github] = await Promise.all([
    startRegistry({ auth: 'htpasswd', deleteEnabled: true, ...user }),
    startGitServer({ token: SECRETS.MANIFEST_TOKEN }),
    startVerdaccio(),
    startGitHubFake({
      token: SECRETS.GITHUB_TOKEN,
      repository: REPOSITORY,
      gitDir: app,
      otherTokens: {
        [SECRETS.MERGE_APP_TOKEN]: MERGE_APP_LOGIN,
        [SECRETS.TEAMS_TOKEN]: TEAMS_APP_LOGIN,
        [SECRETS.RELEASE_APP_TOKEN]: RELEASE_APP_LOGIN,
      },
    }),
  ]);
  const values = {
    REGISTRY: registry.host,
    IMAGE: `${registry.host}/acme/api`,
    DEVELOP_IMAGE: `${registry.host}/acme/api-develop`,
    MANIFEST_REPOSITORY,
    TEST_RUNNER_PACKAGE: '@acme/test-runner',
    NPM_REGISTRY: `${verdaccio.url}/`,
  };
  const manifests = await git.createBareRepository(MANIFEST_REPOSITORY, {
    files: {
      ...Object.fromEntries(
        ['stage', 'demo', 'prod'].map((environment) => [
          `envs/${environment}/kustomization.yaml`,
          kustomization(environment, values.IMAGE),
        ]),
      ),
      // Where chatops.yml deploys pull requests' builds: it runs the develop image.
      'envs/appdev/kustomization.yaml': kustomization('appdev', values.DEVELOP_IMAGE),
    },
  });
  const git_ = (...args: string[]) =>
    exec('git', ['-C', app, '-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args]);
  await git_('init', '-q', '-b', DEFAULT_BRANCH);
  // actions/checkout fetches single commits by sha, as GitHub allows.
  await git_('config', 'uploadpack.allowAnySHA1InWant', 'true');
  // Adopted as the README says (or as options.adopt does it); committed with the repository's first commit.
  if (options.adopt) await options.adopt(app, values);
  else {
    await mkdir(join(app, WORKFLOWS_DIR), { recursive: true });
    for (const name of await listTemplates()) {
      const { text } = await readTemplate(name);
      await writeFile(join(app, WORKFLOWS_DIR, `${name}.yml`), adoptCopy(text, values));
    }
  }
  const runs: WorkflowRun[] = [];
  const scheduler = new Scheduler();
  let runCount = 0;
  /**
   * GitHub's view of a commit: its message, author and files (those a gate reads: the policy,
   * CODEOWNERS, the toggles file), mirrored into the fake; a commit of main also moves its main.
   */
  const mirror = async (commit: Commit, files: Record<string, string>, author: string, branch: string) => {
    const parents = (await git_('rev-list', '--parents', '-n', '1', commit.sha)).stdout
      .trim()
      .split(' ')
      .slice(1);
    github.seed.commit({
      sha: commit.sha,
      message: commit.subject,
      author,
      parents,
      files,
      ...(branch === DEFAULT_BRANCH ? { branch } : {}),
    });
  };
  /**
   * The changes of `head` against where it left main, as GitHub lists a pull request's files: the
   * counts, the status and the patch (its hunks), so that a changed diff is seen as one.
   */
  const changedFiles = async (base: string, head: string) => {
    const range = `${base}...${head}`;
    const [numstat, nameStatus, diff] = await Promise.all([
      git_('diff', '--numstat', '--no-renames', range),
      git_('diff', '--name-status', '--no-renames', range),
      git_('diff', '--no-color', '--no-renames', range),
    ]);
    const statuses = new Map(
      nameStatus.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [code = 'M', path = ''] = line.split('\t');
          return [path, code === 'A' ? 'added' : code === 'D' ? 'removed' : 'modified'] as const;
        }),
    );
    const patches = new Map<string, string>();
    for (const section of diff.stdout.split(/^diff --git /m).slice(1)) {
      const path = /^a\/(\S+) b\//.exec(section)?.[1] ?? '';
      const hunks = section.indexOf('\n@@');
      if (hunks >= 0) patches.set(path, section.slice(hunks + 1).trimEnd());
    }
    return numstat.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [additions = '0', deletions = '0', path = ''] = line.split('\t');
        const patch = patches.get(path);
        return {
          path,
          additions: Number(additions),
          deletions: Number(deletions),
          status: statuses.get(path) ?? 'modified',
          ...(patch === undefined ? {} : { patch }),
        } as const;
      });
  };
  /** The copy of a template in a commit's tree, as GitHub reads it for a run. */
  const copyAt = async (name: string, sha: string, edit?: (text: string) => string) => {
    const { stdout } = await git_('show', `${sha}:${WORKFLOWS_DIR}/${name}.yml`);
    return parse(edit ? edit(stdout) : stdout) as Workflow;
  };

  const world: World = {
    registry,
    git,
    verdaccio,
    github,
    manifests,
    app,
    values,
    scheduler,
    runs,
    async commit(files, subject, branch = DEFAULT_BRANCH) {
      const current = (await git_('symbolic-ref', '--short', 'HEAD')).stdout.trim();
      if (current !== branch) await git_('checkout', '-q', '-B', branch);
      for (const [file, content] of Object.entries(files)) {
        await mkdir(join(app, file, '..'), { recursive: true });
        await writeFile(join(app, file), content);
      }
      await git_('add', '.');
      await git_('commit', '-qm', subject);
      const sha = (await git_('rev-parse', 'HEAD')).stdout.trim();
      if (branch !== DEFAULT_BRANCH) await git_('checkout', '-q', DEFAULT_BRANCH);
      const commit = { sha, subject, changedFiles: Object.keys(files) };
      await mirror(commit, files, PR_AUTHOR, branch);
      return commit;
    },
    async openPullRequest(options) {
      const author = options.author ?? PR_AUTHOR;
      const base = (await git_('rev-parse', DEFAULT_BRANCH)).stdout.trim();
      const made: { commit: Commit; files: Record<string, string> }[] = [];
      for (const { files, subject } of options.commits)
        made.push({ commit: await world.commit(files, subject, options.branch), files });
      const head = made.at(-1)?.commit;
      if (!head) throw new Error(`pull request #${options.number} needs a commit`);
      github.seed.pullRequest({
        number: options.number,
        title: options.commits[0]?.subject ?? '',
        body: null,
        head: options.branch,
        base: DEFAULT_BRANCH,
        baseSha: base,
        headSha: head.sha,
        author,
        draft: options.draft ?? false,
        ...(options.forkOwner ? { forkOwner: options.forkOwner } : {}),
        files: await changedFiles(base, head.sha),
        commits: made.map(({ commit }) => ({ message: commit.subject, author, sha: commit.sha })),
      });
      // The fake made its own entries for the commits: give them their files back.
      for (const { commit, files } of made) await mirror(commit, files, author, options.branch);
      return {
        number: options.number,
        branch: options.branch,
        author,
        head,
        merge: await world.mergeCommit(options.number, head.sha),
        base,
        draft: options.draft ?? false,
        ...(options.forkOwner ? { headRepository: `${options.forkOwner}/api` } : {}),
      };
    },
    async pushToPullRequest(pull, files, subject) {
      const head = await world.commit(files, subject, pull.branch);
      github.seed.push(pull.number, {
        message: subject,
        sha: head.sha,
        author: pull.author,
        files: await changedFiles(pull.base, head.sha),
      });
      await mirror(head, files, pull.author, pull.branch);
      return { ...pull, head, merge: await world.mergeCommit(pull.number, head.sha) };
    },
    async manifestAt(environment) {
      const file = `main:envs/${environment}/kustomization.yaml`;
      return (await exec('git', ['--git-dir', manifests.path, 'show', file])).stdout;
    },
    async tag(name, sha, annotated = false) {
      await git_('tag', ...(annotated ? ['-a', '-m', name] : []), name, sha);
      return (await git_('rev-parse', `refs/tags/${name}`)).stdout.trim();
    },
    async tagNames() {
      const { stdout } = await git_('tag', '--list');
      return new Set(stdout.split('\n').filter(Boolean));
    },
    async createdTags(before) {
      const created: CreatedTag[] = [];
      for (const name of await world.tagNames()) {
        if (before.has(name)) continue;
        const [object = '', creator = '', sha = '', subject = ''] = (
          await git_(
            'for-each-ref',
            '--format=%(objectname)%00%(taggername)%00%(*objectname)%00%(*subject)',
            `refs/tags/${name}`,
          )
        ).stdout
          .trim()
          .split('\0');
        const commit = { sha, subject, changedFiles: [] };
        created.push({ name, creator, commit, object, startsWorkflows: creator !== GITHUB_ACTIONS_LOGIN });
      }
      return created;
    },
    async fastForward(branch) {
      await git_('merge', '-q', '--ff-only', branch);
      github.seed.ref(DEFAULT_BRANCH, (await git_('rev-parse', DEFAULT_BRANCH)).stdout.trim());
    },
    async mergeCommit(number, head) {
      const tree = (await git_('rev-parse', `${head}^{tree}`)).stdout.trim();
      const base = (await git_('rev-parse', DEFAULT_BRANCH)).stdout.trim();
      const merge = (
        await git_('commit-tree', tree, '-p', base, '-p', head, '-m', `Merge ${head} into ${base}`)
      ).stdout.trim();
      await git_('update-ref', `refs/pull/${number}/merge`, merge);
      return merge;
    },
    // Not async: the run takes its place on the runner now, in the order runs are started.
    run(name, event, standIns, edit, runOptions = {}) {
      /** The deployments GitHub records for this run's jobs that name an environment, by job id, oldest leg first. */
      const jobDeployments = new Map<string, number[]>();
      const started = runWorkflow(copyAt(name, event.sha, edit), event, {
        ...(runOptions.slowJobs ? { slowJobs: runOptions.slowJobs } : {}),
        repository: REPOSITORY,
        serverUrl: git.url,
        apiUrl: runOptions.apiUrl ?? github.url,
        token: SECRETS.GITHUB_TOKEN,
        actor: ACTOR,
        runId: 1000 + runCount++,
        secrets: {
          MANIFEST_TOKEN: SECRETS.MANIFEST_TOKEN,
          NPM_TOKEN: verdaccio.token,
          MERGE_APP_CLIENT_ID: SECRETS.MERGE_APP_CLIENT_ID,
          MERGE_APP_PRIVATE_KEY: SECRETS.MERGE_APP_PRIVATE_KEY,
          TEAMS_TOKEN: SECRETS.TEAMS_TOKEN,
          RELEASE_APP_CLIENT_ID: SECRETS.RELEASE_APP_CLIENT_ID,
          RELEASE_APP_PRIVATE_KEY: SECRETS.RELEASE_APP_PRIVATE_KEY,
          ...options.secrets,
        },
        actionDir,
        ...(options.ourAction ? { ourAction: options.ourAction } : {}),
        standIns,
        temp,
        scheduler,
        // The fake grants the running job's GITHUB_TOKEN exactly what its permissions: say; jobs
        // run one at a time, so the grant is always the running job's.
        onJobStarted: (id, permissions, environment) => {
          github.permissions = permissions;
          if (environment)
            jobDeployments.set(id, [
              ...(jobDeployments.get(id) ?? []),
              startJobDeployment(github, environment, event),
            ]);
        },
        onJobConcluded: async (job, concluded) => {
          await recordCheckRun(github, job, concluded);
          const deployment = jobDeployments.get(job.id)?.shift();
          if (deployment !== undefined)
            github.seed.deploymentStatus(deployment, {
              state: job.result === 'success' ? 'success' : job.result === 'failure' ? 'failure' : 'error',
            });
        },
      });
      return started.then((run) => {
        runs.push(run);
        return run;
      });
    },
    async stop() {
      await Promise.all([registry.stop(), git.stop(), verdaccio.stop(), github.stop()]);
      await rm(temp, { recursive: true, force: true });
    },
  };
  return world;
}

/** GitHub shows every job as a check run on the commit it ran for (a pull request's head). */
async function recordCheckRun(github: GitHubFake, job: JobRun, event: WorkflowEvent): Promise<void> {
  const pull = event.payload.pull_request as { head?: { sha?: string } } | undefined;
  github.seed.checkRun({
    name: job.name,
    head_sha: pull?.head?.sha ?? event.sha,
    status: 'completed',
    conclusion: job.result,
  });
}

/**
 * GitHub records a deployment for each job that names an environment, of the run's commit and ref
 * (GITHUB_SHA, GITHUB_REF: for a comment, the default branch's head), in progress while the job
 * runs; the job's result concludes it (onJobConcluded). Returns its id.
 */
function startJobDeployment(github: GitHubFake, environment: string, event: WorkflowEvent): number {
  const deployment = github.seed.deployment({
    ref: event.ref.replace(/^refs\/(heads|tags)\//, ''),
    sha: event.sha,
    environment,
  });
  github.seed.deploymentStatus(Number(deployment.id), { state: 'in_progress' });
  return Number(deployment.id);
}

function kustomization(environment: string, image: string): string {
  return [
    `# ${environment}: pinned by CI (flow-actions/update-manifest).`,
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    `namespace: api-${environment}`,
    'resources:',
    '  - ../../base',
    'images:',
    `  - name: ${image}`,
    '    newTag: "0000000"',
    '',
  ].join('\n');
}
