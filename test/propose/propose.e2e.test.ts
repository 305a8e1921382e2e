import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@flow-actions/oci-store';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../actions/merge-gate/src/policy';
import { classifyRisk } from '../../actions/merge-gate/src/risk';
import { releasedAction } from '../e2e/release-tree';
import { type GitHubFake, type JsonRecord, startGitHubFake } from '../github-fake';
import { type BareRepository, type RunningGitServer, startGitServer } from '../services';
import { seedImage } from '../support/artifacts';
import { git } from '../support/git';
import { expectNoLeak } from '../support/leaks';
import { commitDiff, headOf, trailersOf } from '../update-manifest/manifest-repo';

// propose, bundled, run as the runner runs it: the product is a real git repository over smart
// HTTP (the App's token as Basic auth), its pull requests, labels and comments are the GitHub fake
// of that repository (every request and answer checked against GitHub's OpenAPI description), the
// component is a real checkout with release tags, and the digest is read from an OCI layout.

// The App's installation token, with characters a shell or a URL would choke on: never printed.
const TOKEN = `ghs_Pr0p0se$(id)\`x\`;|&"'<>%20+/=`;
const APP = 'propose-app[bot]';
const MARKER = (version: string) => `<!-- flow-actions/propose component=api version=${version} -->`;
const BRANCH = 'flow/propose/main/api';

const KUSTOMIZATION = `# Production: every component the product runs, pinned by release.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base # shared objects
images:
  # api: proposed by flow-actions/propose, merged by the merge gate
  - name: ghcr.io/acme/api
    newTag: v1.4.0 # the api release in prod
  - name: ghcr.io/acme/web # not ours
    newTag: v3.1.0
`;
const VERSIONS = `# The component versions the product bundles.
components:
  api:
    version: v1.4.0 # bumped by propose
  web:
    version: v3.1.0
`;
const POLICY = `# The product's merge gate.
expression: ci
ci: { checks: [test] }
trusted-label-actors: ['${APP}']
change-size: { lines: [10, 40, 200], files: [2, 5, 20] }
`;

let server: RunningGitServer;
let github: GitHubFake;
let product: BareRepository;
let work: string;
let workspace: string;
let component: string;
let layout: string;

beforeAll(async () => {
  server = await startGitServer({ token: TOKEN });
  github = await startGitHubFake({
    token: 'ghs_notTheAppToken0000000000',
    repository: 'acme/product',
    otherTokens: { [TOKEN]: APP },
  });
});
afterAll(async () => {
  await github.stop();
  await server.stop();
});
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'flow-propose-'));
  workspace = join(work, 'workspace');
  component = join(workspace, 'api');
  layout = join(work, 'artifacts');
  await mkdir(join(work, 'runner-temp'), { recursive: true });
  github.state.pullRequests.length = 0;
  github.state.issueComments.length = 0;
  github.state.issueEvents.clear();
  github.requests.length = 0;
  await rm(join(server.root, 'acme', 'product.git'), { recursive: true, force: true });
  product = await server.createBareRepository('acme/product', {
    files: {
      'README.md': 'The acme product: its components, pinned.\n',
      'deploy/prod/kustomization.yaml': KUSTOMIZATION,
      'versions.yaml': VERSIONS,
      '.github/flow-merge-gate.yml': POLICY,
    },
  });
  // The product's release branch of v1.4, cut from its v1.4.0.
  await git(['--git-dir', product.path, 'branch', 'release/v1.4', 'main'], work);
  await mkdir(component, { recursive: true });
  await git(['init', '--quiet', '--initial-branch=main'], component);
  await commitComponent('feat: first api', { 'src/api.ts': lines('route', 5) });
  await tagComponent('v1.4.0');
});
afterEach(async () => {
  expect(github.schemaViolations.splice(0)).toEqual([]);
  await rm(work, { recursive: true, force: true });
});

function lines(word: string, count: number): string {
  return Array.from({ length: count }, (_, index) => `export const ${word}${index} = ${index};`).join('\n');
}

async function commitComponent(message: string, files: Record<string, string>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(component, path, '..'), { recursive: true });
    await writeFile(join(component, path), `${text}\n`);
  }
  await git(['add', '-A'], component);
  await git(['commit', '--quiet', '-m', message], component);
  return (await git(['rev-parse', 'HEAD'], component)).stdout.trim();
}

/** Tags the component's HEAD as a release and promotes its artifact under that tag, as promote does. */
async function tagComponent(version: string): Promise<string> {
  await git(['tag', '-a', version, '-m', version], component);
  const revision = (await git(['rev-parse', 'HEAD'], component)).stdout.trim();
  const store = await openStore(`oci:${layout}`, { createLayout: true });
  return (await seedImage(store, { revision, tag: version })).digest;
}

async function release(version: string, message: string, files: Record<string, string>) {
  await commitComponent(message, files);
  return tagComponent(version);
}

function proposeRun(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('propose'),
    inputs: {
      repository: 'acme/product',
      token: TOKEN,
      component: 'api',
      image: 'ghcr.io/acme/api',
      artifact: `oci:${layout}`,
      path: 'deploy/prod',
      'component-path': 'api',
      ...inputs,
    },
    repository: 'acme/api',
    serverUrl: server.url,
    apiUrl: github.url,
    workspace,
    env: { RUNNER_TEMP: join(work, 'runner-temp') },
  });
}

function expectGreen(run: ActionRun): void {
  expect(run.errors).toEqual([]);
  expect(run.exitCode).toBe(0);
}

const labelsOf = (number: number) =>
  (
    (github.state.pullRequests.find((pull) => pull.number === number)?.labels ?? []) as { name: string }[]
  ).map((label) => label.name);

describe('propose', () => {
  it('opens one pull request, then the next release updates the same one in place', async () => {
    const digest = await release('v1.5.0', 'feat(orders): list orders', {
      'src/orders.ts': lines('order', 12),
    });
    const base = await headOf(product.path);
    const first = await proposeRun({ version: 'v1.5.0' });
    expectGreen(first);
    const pull = github.state.pullRequests[0];
    expect(first.outputs).toEqual({
      status: 'opened',
      'pull-request': String(pull?.html_url),
      number: '1',
      branch: BRANCH,
      base: 'main',
      previous: 'v1.4.0',
      impact: 'minor',
      labels: 'semver:minor\nchange-size:M\nfunctional',
      closed: '',
    });
    expect(pull).toMatchObject({
      state: 'open',
      title: 'feat(api): bump api to v1.5.0',
      head: { ref: BRANCH, label: `acme:${BRANCH}` },
      base: { ref: 'main' },
    });
    const body = String(pull?.body);
    expect(body.startsWith(MARKER('v1.5.0'))).toBe(true);
    expect(body).toContain(
      `| artifact | [\`ghcr.io/acme/api@${digest}\`](${server.url}/acme/api/releases/tag/v1.5.0) |`,
    );
    expect(body).toContain('### Features\n\n- **orders:** list orders by Alice');
    expect(body).toContain('| size | M: 12 lines in 1 files of api |');
    // The labels are the App's: the product's merge gate trusts them by who added them.
    expect(github.state.issueEvents.get(1)?.map((event) => [event.event, event.actor])).toEqual([
      ['labeled', expect.objectContaining({ login: APP })],
      ['labeled', expect.objectContaining({ login: APP })],
      ['labeled', expect.objectContaining({ login: APP })],
    ]);

    // The product's file, edited in place with every comment kept, as git shows the commit.
    const head = await headOf(product.path, BRANCH);
    expect(await commitDiff(product.path, head)).toEqual({
      'deploy/prod/kustomization.yaml': {
        removed: ['    newTag: v1.4.0 # the api release in prod'],
        added: ['    newTag: v1.5.0 # the api release in prod', `    digest: ${digest}`],
      },
    });
    expect(
      (await git(['--git-dir', product.path, 'log', '-1', '--format=%s', head], work)).stdout.trim(),
    ).toBe('feat(api): bump api to v1.5.0');
    expect(await trailersOf(product.path, head)).toMatchObject({
      'Flow-Image': 'ghcr.io/acme/api',
      'Flow-Artifact-Tag': 'v1.5.0',
      'Flow-Artifact-Digest': digest,
      'Flow-Source-Commit': (await git(['rev-parse', 'v1.5.0^{commit}'], component)).stdout.trim(),
    });
    expect(await headOf(product.path)).toBe(base);

    // A fix lands on the product's main meanwhile; then the component releases v1.5.1.
    const clone = join(work, 'product-clone');
    await git(['clone', '--quiet', product.path, clone], work);
    await writeFile(join(clone, 'README.md'), 'The acme product, moved on.\n');
    await git(['commit', '--quiet', '-am', 'docs: the product moved on'], clone);
    await git(['push', '--quiet', 'origin', 'main'], clone);
    const moved = await headOf(product.path);

    const next = await release('v1.5.1', 'fix: orders without a date', {
      'src/orders.ts': lines('order', 13),
    });
    const second = await proposeRun({ version: 'v1.5.1' });
    expectGreen(second);
    expect(github.state.pullRequests).toHaveLength(1);
    expect(second.outputs).toMatchObject({
      status: 'updated',
      number: '1',
      previous: 'v1.4.0',
      impact: 'minor',
    });
    // A fresh commit on the product's current main, force-pushed to the same branch.
    const newHead = await headOf(product.path, BRANCH);
    expect(newHead).not.toBe(head);
    expect((await git(['--git-dir', product.path, 'rev-parse', `${BRANCH}^`], work)).stdout.trim()).toBe(
      moved,
    );
    expect(await commitDiff(product.path, newHead)).toEqual({
      'deploy/prod/kustomization.yaml': {
        removed: ['    newTag: v1.4.0 # the api release in prod'],
        added: ['    newTag: v1.5.1 # the api release in prod', `    digest: ${next}`],
      },
    });
    expect(github.state.pullRequests[0]).toMatchObject({ title: 'feat(api): bump api to v1.5.1' });
    // The range is still the product's pin to the new version: both commits are listed.
    expect(String(github.state.pullRequests[0]?.body)).toContain('orders without a date');
    expect(String(github.state.pullRequests[0]?.body)).toContain('list orders');
    expect(labelsOf(1)).toEqual(['semver:minor', 'change-size:M', 'functional']);
  });

  it('labels a feat! major and a fix patch, replacing its own labels', async () => {
    await release('v1.4.1', 'fix: a crash on start', { 'src/api.ts': lines('route', 6) });
    const patch = await proposeRun({ version: 'v1.4.1' });
    expectGreen(patch);
    expect(patch.outputs).toMatchObject({
      impact: 'patch',
      labels: 'semver:patch\nchange-size:S\nfunctional',
    });
    expect(github.state.pullRequests[0]?.title).toBe('fix(api): bump api to v1.4.1');

    await release('v2.0.0', 'feat!: drop the v1 routes', {
      'src/api.ts': lines('route', 1),
      'src/v2.ts': lines('v2', 60),
      'docs/v2.md': 'The v2 routes.',
    });
    const major = await proposeRun({ version: 'v2.0.0' });
    expectGreen(major);
    expect(major.outputs).toMatchObject({
      status: 'updated',
      impact: 'major',
      labels: 'semver:major\nchange-size:L\nfunctional',
    });
    expect(github.state.pullRequests[0]?.title).toBe('feat(api)!: bump api to v2.0.0');
    expect(new Set(labelsOf(1))).toEqual(new Set(['semver:major', 'change-size:L', 'functional']));
    expect(String(github.state.pullRequests[0]?.body)).toContain(
      '### Breaking changes\n\n- drop the v1 routes',
    );
  });

  it('what the product’s merge gate makes of it: the App’s labels and the Conventional title decide the risk', async () => {
    const policy = parsePolicy({
      file: { path: '.github/flow-merge-gate.yml', text: POLICY },
      inputs: { checkName: 'Merge gate' },
    });
    // The proposal as the gate's risk step reads it: its one changed file, its commit (the title),
    // and each label with who added it (the newest labeled event).
    const riskOf = async () => {
      const pull = github.state.pullRequests[0];
      const events = github.state.issueEvents.get(Number(pull?.number)) ?? [];
      const labels = ((pull?.labels ?? []) as { name: string }[]).map(({ name }) => ({
        name,
        addedBy: String(
          (events.findLast((event) => (event.label as { name: string }).name === name)?.actor as JsonRecord)
            ?.login,
        ),
      }));
      const head = await headOf(product.path, BRANCH);
      const message = (await git(['--git-dir', product.path, 'log', '-1', '--format=%B', head], work)).stdout;
      return classifyRisk(
        {
          files: [{ path: 'deploy/prod/kustomization.yaml', additions: 2, deletions: 1 }],
          commits: [{ sha: head, message }],
          labels,
        },
        policy,
      );
    };
    await release('v1.4.1', 'fix: a crash on start', { 'src/api.ts': lines('route', 6) });
    expectGreen(await proposeRun({ version: 'v1.4.1' }));
    expect(await riskOf()).toMatchObject({ level: 'low', changeSize: 'S', semver: { impact: 'patch' } });

    await release('v1.4.2', 'fix: a crash on stop', { 'src/stop.ts': lines('stop', 150) });
    expectGreen(await proposeRun({ version: 'v1.4.2' }));
    const large = await riskOf();
    // The bump is three lines; the component's 150 lines in two files are what the gate weighs.
    expect(large).toMatchObject({ level: 'medium', changeSize: 'L' });
    expect(large.reasons.at(-1)).toContain(`label change-size:L by @${APP}; the diff is S`);

    await release('v2.0.0', 'feat!: drop the v1 routes', { 'src/api.ts': lines('route', 1) });
    expectGreen(await proposeRun({ version: 'v2.0.0' }));
    expect(await riskOf()).toMatchObject({ level: 'high', semver: { impact: 'major' } });
  });

  it('closes a superseded proposal with a comment, and every proposal once the product moved past', async () => {
    // An earlier proposal of api on another branch (say, before pull-request-branch changed), and
    // one in a fork carrying the same marker, which is none of propose's business.
    const old = github.seed.pullRequest({
      title: 'bump api',
      body: `${MARKER('v1.4.5')}\nold`,
      head: 'bump-api',
      base: 'main',
    });
    const fork = github.seed.pullRequest({
      title: 'bump api',
      body: MARKER('v1.4.5'),
      head: 'bump-api-2',
      base: 'main',
      forkOwner: 'mallory',
    });
    await release('v1.5.0', 'feat: orders', { 'src/orders.ts': lines('order', 3) });
    const run = await proposeRun({ version: 'v1.5.0' });
    expectGreen(run);
    const ours = github.state.pullRequests.find((pull) => (pull.head as { ref: string }).ref === BRANCH);
    expect(run.outputs.closed).toBe(String(old.number));
    expect(github.state.pullRequests.find((pull) => pull.number === old.number)?.state).toBe('closed');
    expect(github.state.pullRequests.find((pull) => pull.number === fork.number)?.state).toBe('open');
    expect(
      github.state.issueComments.map(({ issueNumber, comment }) => ({
        issueNumber,
        body: comment.body,
        actor: (comment.user as { login: string }).login,
      })),
    ).toEqual([
      {
        issueNumber: Number(old.number),
        body: `Superseded by #${String(ours?.number)}, which proposes api v1.5.0. Closed by flow-actions/propose.`,
        actor: APP,
      },
    ]);

    // Someone bumps the product to v1.6.0 by hand; the late run for v1.5.0 closes its proposal.
    await release('v1.6.0', 'feat: invoices', { 'src/invoices.ts': lines('invoice', 3) });
    const clone = join(work, 'product-clone');
    await git(['clone', '--quiet', product.path, clone], work);
    await writeFile(
      join(clone, 'deploy/prod/kustomization.yaml'),
      KUSTOMIZATION.replace('newTag: v1.4.0', 'newTag: v1.6.0'),
    );
    await git(['commit', '--quiet', '-am', 'feat: api v1.6.0 by hand'], clone);
    await git(['push', '--quiet', 'origin', 'main'], clone);
    const late = await proposeRun({ version: 'v1.5.0' });
    expectGreen(late);
    expect(late.outputs).toMatchObject({
      status: 'behind',
      previous: 'v1.6.0',
      'pull-request': '',
      closed: String(ours?.number),
    });
    expect(ours?.state).toBe('closed');
    expect(github.state.issueComments.at(-1)?.comment.body).toBe(
      'main pins api v1.6.0 now, past v1.5.0: this proposal is not needed any more. Closed by flow-actions/propose.',
    );
    expect(late.summary).toContain('newer than');
  });

  it('a re-run of an older release’s job leaves the newer proposal as it is', async () => {
    await release('v1.5.0', 'feat: orders', { 'src/orders.ts': lines('order', 3) });
    await release('v1.5.1', 'fix: orders again', { 'src/orders.ts': lines('order', 4) });
    expectGreen(await proposeRun({ version: 'v1.5.1' }));
    const head = await headOf(product.path, BRANCH);
    const late = await proposeRun({ version: 'v1.5.0' });
    expectGreen(late);
    expect(late.outputs).toMatchObject({ status: 'behind', 'pull-request': '', closed: '' });
    expect(late.summary).toContain('proposes `v1.5.1`, newer than `api` `v1.5.0`; it is left as it is');
    expect(await headOf(product.path, BRANCH)).toBe(head);
    expect(github.state.pullRequests).toHaveLength(1);
    expect(github.state.pullRequests[0]).toMatchObject({
      state: 'open',
      title: 'feat(api): bump api to v1.5.1',
    });
  });

  it('pull-request-branch names the proposal’s branch', async () => {
    await release('v1.5.0', 'feat: orders', { 'src/orders.ts': lines('order', 3) });
    const run = await proposeRun({ version: 'v1.5.0', 'pull-request-branch': 'bump/api' });
    expectGreen(run);
    expect(run.outputs).toMatchObject({ status: 'opened', branch: 'bump/api' });
    expect(github.state.pullRequests[0]).toMatchObject({ head: { ref: 'bump/api' } });
  });

  it('a hotfix goes to the product release branch cut from that version, labelled hotfix-to', async () => {
    await release('v1.4.1', 'fix: refunds rounding', { 'src/refunds.ts': lines('refund', 2) });
    const run = await proposeRun({ version: 'v1.4.1', 'hotfix-to': 'v1.4.0' });
    expectGreen(run);
    expect(run.outputs).toMatchObject({
      base: 'release/v1.4',
      branch: 'flow/propose/release-v1.4/api',
      impact: 'patch',
      labels: 'semver:patch\nchange-size:S\nfunctional\nhotfix-to/v1.4.0',
    });
    expect(github.state.pullRequests[0]).toMatchObject({
      title: 'fix(api): bump api to v1.4.1 (hotfix of v1.4.0)',
      base: { ref: 'release/v1.4' },
    });
    const head = await headOf(product.path, 'flow/propose/release-v1.4/api');
    expect((await git(['--git-dir', product.path, 'rev-parse', `${head}^`], work)).stdout.trim()).toBe(
      await headOf(product.path, 'release/v1.4'),
    );
  });

  it('a run again for the same release changes nothing: the same commit, one pull request, no label churn', async () => {
    await release('v1.5.0', 'feat: orders', { 'src/orders.ts': lines('order', 3) });
    expectGreen(await proposeRun({ version: 'v1.5.0' }));
    const head = await headOf(product.path, BRANCH);
    const labelRequests = () =>
      github.requests.filter((request) => request.operationId?.startsWith('issues/')).length;
    const before = labelRequests();
    const again = await proposeRun({ version: 'v1.5.0' });
    expectGreen(again);
    expect(again.outputs).toMatchObject({ status: 'updated', number: '1', closed: '' });
    expect(await headOf(product.path, BRANCH)).toBe(head);
    expect(github.state.pullRequests).toHaveLength(1);
    expect(labelRequests()).toBe(before);
  });

  it('a versions file: the version alone (pin-digest: false), its comments kept; the body still names the digest', async () => {
    const digest = await release('v1.4.1', 'fix: refunds rounding', { 'src/refunds.ts': lines('refund', 2) });
    const run = await proposeRun({
      version: 'v1.4.1',
      path: 'versions.yaml',
      format: 'helm',
      'helm-key': 'components.api.version',
      'pin-digest': 'false',
    });
    expectGreen(run);
    expect(run.outputs).toMatchObject({ status: 'opened', previous: 'v1.4.0', impact: 'patch' });
    expect(await commitDiff(product.path, await headOf(product.path, BRANCH))).toEqual({
      'versions.yaml': {
        removed: ['    version: v1.4.0 # bumped by propose'],
        added: ['    version: v1.4.1 # bumped by propose'],
      },
    });
    expect(String(github.state.pullRequests[0]?.body)).toContain(`ghcr.io/acme/api@${digest}`);
  });

  it('never prints the token, nor leaves it in a file', async () => {
    await release('v1.5.0', 'feat: orders', { 'src/orders.ts': lines('order', 3) });
    const run = await proposeRun({ version: 'v1.5.0' });
    expectGreen(run);
    await expectNoLeak(run, [TOKEN, `x-access-token:${TOKEN}`], [workspace, join(work, 'runner-temp')]);
  });

  it.each([
    [{ component: 'api/../../etc' }, 'Input "component"'],
    [{ component: 'api;touch pwned' }, 'Input "component"'],
    [{ version: 'v1.5.0/../../x' }, 'Input "version"'],
    [{ version: '$(touch pwned)' }, 'Input "version"'],
    [{ path: '../../outside' }, 'Input "path"'],
    [{ 'component-path': '../../..' }, 'Input "component-path"'],
  ])('refuses %o before anything is cloned or written', async (inputs, named) => {
    const gitRequests = server.requests.length;
    const run = await proposeRun({ version: 'v1.5.0', ...inputs });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(named);
    expect(github.requests).toEqual([]);
    expect(server.requests.length).toBe(gitRequests);
    await expectNoLeak(run, [TOKEN]);
  });

  it('refuses a product file path that leads out through a link, naming the input', async () => {
    const clone = join(work, 'product-clone');
    await git(['clone', '--quiet', product.path, clone], work);
    await symlink('/etc', join(clone, 'deploy', 'escape'));
    await git(['add', '-A'], clone);
    await git(['commit', '--quiet', '-m', 'chore: a link out'], clone);
    await git(['push', '--quiet', 'origin', 'main'], clone);
    await release('v1.5.0', 'feat: orders', { 'src/orders.ts': lines('order', 3) });
    const run = await proposeRun({ version: 'v1.5.0', path: 'deploy/escape' });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(
      /Path "deploy\/escape" leads outside the manifest repository: check input "path"/i,
    );
    expect(github.state.pullRequests).toEqual([]);
  });

  it('a shallow component checkout is refused with the fix', async () => {
    const shallow = join(workspace, 'shallow');
    await git(['clone', '--quiet', '--depth', '1', `file://${component}`, shallow], work);
    await release('v1.5.0', 'feat: orders', { 'src/orders.ts': lines('order', 3) });
    const run = await proposeRun({ version: 'v1.5.0', 'component-path': 'shallow' });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toContain('is shallow');
    expect(run.errors[0]).toContain('fetch-depth: 0');
    expect(github.state.pullRequests).toEqual([]);
  });
});
