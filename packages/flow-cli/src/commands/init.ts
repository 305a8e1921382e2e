import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError, exec, resolveInside } from '@flow-actions/action-kit';
import { isMap, isScalar, parseDocument } from 'yaml';
import type { Command, CommandContext, CommandOutput, OptionSpec, ParsedArguments } from '../command';
import { UsageError } from '../command';
import { unifiedDiff } from '../init/diff';
import {
  defaultSecrets,
  describeLogin,
  ecrRegion,
  LOGIN_KINDS,
  type LoginKind,
  loginKindFor,
  type RegistryLogin,
  secretExpression,
} from '../init/login';
import {
  chooseRelease,
  locateFlowActions,
  parseVersionFlag,
  readRelease,
  readReleases,
} from '../init/release';
import { LOGIN_FLAGS, parseSetFlags, registryOf, VALUES } from '../init/values';
import {
  changeValueNames,
  type FlowActionsRelease,
  flowActionPaths,
  hasChangeBranches,
  headerRepository,
  readWorkflow,
  renderWorkflow,
  updateWorkflow,
  type WorkflowState,
} from '../init/workflow';

/** Where the workflows go, relative to the checkout's top. */
const WORKFLOWS = '.github/workflows';

const valueOptions: Record<string, OptionSpec> = Object.fromEntries(
  VALUES.map((spec) => [
    spec.flag,
    {
      type: 'string',
      description: `${spec.name}: ${spec.description}`,
      ...(spec.derive
        ? { defaultText: spec.name === 'REGISTRY' ? "--image's registry" : '--image with -develop' }
        : {}),
    } satisfies OptionSpec,
  ]),
);

export const initCommand: Command = {
  name: 'init',
  summary:
    'Adopt the protocol: write the workflow templates into .github/workflows/, pinned to a flow-actions release.',
  usage: '--image <repo> --manifest-repository <owner/name> [options]',
  details: [
    "Run it in your product repository's checkout. It reads your flow-actions repository's release line",
    '(git ls-remote), takes the templates of the release it pins from that release commit, and writes',
    'them with every flow-actions step pinned to the release commit (uses: <owner>/flow-actions/<path>@<sha> # vX.Y.Z),',
    'your values set where the templates mark CHANGE, your default branch, and the registry login your',
    "registry takes: ghcr.io the job's GITHUB_TOKEN; ECR an AWS role through OIDC; Artifact Registry",
    'workload identity federation; any other registry (Docker Hub too) a user and a password secret.',
    'On a terminal it asks for what is missing; elsewhere a missing value is a usage error naming its flag.',
    'Run it again after a flow-actions release: it moves the pins (and changes the values, branch and login',
    'you pass) in the files it wrote and leaves every other line as you left it. A file it did not write',
    'is never replaced without --force.',
  ],
  options: {
    template: {
      type: 'string',
      multiple: true,
      description: 'A template of the release to write (repeatable, or comma-separated), e.g. main,promote.',
      defaultText: 'every template of the release; on a re-run, the ones flow init wrote',
    },
    'flow-actions': {
      type: 'string',
      description:
        'Your flow-actions repository: owner/name (on the host of origin) or a URL or path git can read.',
      defaultText: "the one the files name, else <origin's owner>/flow-actions",
    },
    version: {
      type: 'string',
      description: 'The release to pin: vX.Y.Z, or vN for the newest release of that major.',
      defaultText: 'the newest release',
    },
    ...valueOptions,
    set: {
      type: 'string',
      multiple: true,
      description: 'NAME=VALUE for a value marked CHANGE that has no flag of its own.',
    },
    'default-branch': {
      type: 'string',
      description: 'The branch main.yml runs on.',
      defaultText: 'origin/HEAD, else the current branch',
    },
    'registry-login': {
      type: 'string',
      description: `How the workflows log in to the registry: ${LOGIN_KINDS.join(', ')}.`,
      defaultText: 'github-token for ghcr.io, ecr for ECR, gar for Artifact Registry, else password',
    },
    'registry-username': {
      type: 'string',
      description: 'password login: the user name, written into the workflows as it is.',
    },
    'registry-username-secret': {
      type: 'string',
      description: 'password login: the secret that holds the user name.',
      defaultText: 'REGISTRY_USERNAME (DOCKERHUB_USERNAME for Docker Hub)',
    },
    'registry-password-secret': {
      type: 'string',
      description: 'password login: the secret that holds the password or token.',
      defaultText: 'REGISTRY_PASSWORD (DOCKERHUB_TOKEN for Docker Hub)',
    },
    'aws-role': {
      type: 'string',
      description: 'ecr login: the ARN of the IAM role the workflows assume through OIDC.',
    },
    'aws-region': {
      type: 'string',
      description: 'ecr login: the AWS region.',
      defaultText: "the ECR registry's",
    },
    'gcp-workload-identity-provider': {
      type: 'string',
      description:
        'gar login: the provider, projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>.',
    },
    'gcp-service-account': { type: 'string', description: 'gar login: the service account to act as.' },
    'dry-run': {
      type: 'boolean',
      description: 'Show the files (a diff against the ones there) and write nothing.',
    },
    force: {
      type: 'boolean',
      description:
        'Write the templates afresh over what is there: files flow init did not write, and your edits.',
    },
  },
  run: runInit,
};

/** One workflow file: what is there, and what flow init writes. */
interface FilePlan {
  template: string;
  /** `.github/workflows/<template>.yml`. */
  path: string;
  /** The release's template. */
  source: string;
  existing?: string;
  /** flow init's lines of the existing file, when flow init wrote it. */
  state?: WorkflowState;
  /** Written from the template (new, or --force), rather than updated in place. */
  fresh: boolean;
}

type Change = 'create' | 'replace' | 'update' | 'unchanged';

interface FileResult {
  plan: FilePlan;
  text: string;
  change: Change;
  diff: string;
}

async function runInit(args: ParsedArguments, context: CommandContext): Promise<CommandOutput> {
  const flags = readFlags(args);
  const top = await checkoutTop(context);
  const git = async (gitArgs: string[]) => {
    const result = await exec('git', gitArgs, { cwd: top, env: context.env, allowFailure: true });
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  };
  if (!resolveInside(top, WORKFLOWS))
    throw new ConfigurationError(
      `${WORKFLOWS} of ${top} leads out of the checkout through a link: flow init writes only inside it; make it a folder of the repository.`,
    );
  const existing = await readExisting(join(top, WORKFLOWS));
  const written = [...existing.values()].flatMap((file) => (file.state ? [file.state] : []));

  const origin = await git(['remote', 'get-url', 'origin']);
  let source = locateFlowActions(flags.string('flow-actions'), origin, written[0]?.repository);
  if (!source) {
    const answer = await ask(context, 'flow-actions', 'Your flow-actions repository (owner/name or URL)');
    source = locateFlowActions(answer, origin, undefined);
  }
  if (!source) throw new UsageError('--flow-actions is required: name your flow-actions repository');
  const chosen = chooseRelease(
    await readReleases(source, context.env, context.logger),
    flags.string('version'),
    source,
  );
  const release: FlowActionsRelease = {
    repository: source.repository,
    version: chosen.version.tag,
    commit: chosen.commit,
  };
  context.logger.info(`Reading ${release.version} of ${source.repository} (${source.url})…`);
  const contents = await readRelease(source, chosen, context.env, context.logger);
  const warnings: string[] = [];
  if (contents.templatesFrom === 'flow')
    warnings.push(
      `${release.version} of ${source.repository} carries no workflows-templates/ (pnpm release puts them in every release): the templates come from this flow instead, so check them against that release's actions`,
    );
  const plans = planFiles(
    selectTemplates(flags.list('template'), [...contents.templates.keys()], existing),
    contents.templates,
    existing,
    flags.boolean('force'),
  );

  const label = (plan: FilePlan) => `workflows-templates/${plan.template}.yml of ${release.version}`;
  const fresh = plans.filter((plan) => plan.fresh);
  const needed = new Set(fresh.flatMap((plan) => changeValueNames(plan.source, label(plan))));
  const present = new Set(plans.flatMap((plan) => changeValueNames(plan.source, label(plan))));
  for (const name of Object.keys(flags.set))
    if (!present.has(name))
      throw new UsageError(
        `--set ${name}: no template written here marks ${name} CHANGE (${[...present].join(', ')})`,
      );
  const values = await resolveValues(flags, written, needed, present, context);
  const defaultBranch = await resolveDefaultBranch(
    flags,
    written,
    fresh.some((plan) => hasChangeBranches(plan.source, label(plan))),
    git,
    context,
  );
  const registry =
    values.effective.REGISTRY ?? written.find((state) => state.values.REGISTRY)?.values.REGISTRY;
  const loginGiven = flags.loginGiven || values.given.REGISTRY !== undefined;
  const loginNeeded = fresh.some((plan) => plan.source.includes('docker/login-action@')) || loginGiven;
  const login =
    loginNeeded && registry
      ? await resolveLogin(flags, registry, values.given.REGISTRY !== undefined, written, context)
      : undefined;

  const files = plans.map((plan): FileResult => {
    const text = plan.fresh
      ? renderWorkflow(
          plan.source,
          {
            release,
            values: values.effective,
            defaultBranch: defaultBranch?.branch,
            ...(login ? { login } : {}),
          },
          plan.path,
        )
      : updateWorkflow(
          plan.existing as string,
          plan.source,
          {
            release,
            values: values.given,
            ...(flags.string('default-branch') ? { defaultBranch: defaultBranch?.branch } : {}),
            ...(loginGiven && login ? { login } : {}),
          },
          plan.path,
        );
    // Only templates that did not come with the release can name an action it lacks.
    const missing = flowActionPaths(text, release.repository).filter((path) => !contents.actions.has(path));
    if (missing.length > 0)
      warnings.push(
        `${plan.path} uses ${missing.map((path) => `${release.repository}/${path}`).join(', ')}, which ${release.version} does not carry (no action.yml there): those steps fail on GitHub until a release has them`,
      );
    const change: Change =
      plan.existing === undefined
        ? 'create'
        : plan.existing === text
          ? 'unchanged'
          : plan.fresh
            ? 'replace'
            : 'update';
    return { plan, text, change, diff: unifiedDiff(plan.existing, text, plan.path) };
  });

  const dryRun = flags.boolean('dry-run');
  for (const warning of warnings) context.logger.warning(warning);
  if (!dryRun) await writeFiles(top, files);
  const next = nextSteps(files);
  const lines = [
    `${dryRun ? 'Would pin' : 'Pinned'} ${release.repository} ${release.version} (commit ${release.commit.slice(0, 12)}) in ${WORKFLOWS}/.`,
    ...(login && registry ? [`Registry login: ${describeLogin(login, registry)}.`] : []),
    ...(defaultBranch && (fresh.length > 0 || flags.string('default-branch'))
      ? [`Default branch: ${defaultBranch.branch} (${defaultBranch.from}).`]
      : []),
    ...values.kept.map((note) => `${note}.`),
    ...(dryRun ? files.flatMap((file) => (file.change === 'unchanged' ? [] : ['', file.diff])) : []),
    ...(dryRun
      ? ['', 'Dry run: nothing written.']
      : files.some((file) => file.change !== 'unchanged')
        ? ['', next.text]
        : []),
  ];
  return {
    json: {
      ok: true,
      dryRun,
      flowActions: { ...release, url: source.url },
      ...(defaultBranch ? { defaultBranch: defaultBranch.branch } : {}),
      ...(login ? { login } : {}),
      files: files.map((file) => ({
        path: file.plan.path,
        template: file.plan.template,
        change: file.change,
        diff: file.diff,
        content: file.text,
      })),
      secrets: next.secrets,
      environments: next.environments,
      warnings,
    },
    lines,
    table: {
      columns: ['file', 'change', 'note'],
      rows: files.map((file) => [file.plan.path, describeChange(file.change, dryRun), note(file, release)]),
    },
  };
}

/** The files the templates go to; one flow init did not write is refused (unless --force) before anything is read further. */
function planFiles(
  names: readonly string[],
  templates: ReadonlyMap<string, string>,
  existing: ReadonlyMap<string, { existing: string; state?: WorkflowState }>,
  force: boolean,
): FilePlan[] {
  const plans = names.map((template): FilePlan => {
    const file = existing.get(`${template}.yml`);
    return {
      template,
      path: `${WORKFLOWS}/${template}.yml`,
      source: templates.get(template) as string,
      ...file,
      fresh: force || !file?.state,
    };
  });
  const foreign = plans.filter((plan) => plan.existing !== undefined && !plan.state && !force);
  if (foreign.length > 0) {
    const [them, were] = foreign.length > 1 ? ['them', 'were'] : ['it', 'was'];
    throw new ConfigurationError(
      `${foreign.map((plan) => plan.path).join(', ')} ${were} not written by flow init, so nothing was written: move ${them} away, leave ${them} out (--template), or pass --force to replace ${them}.`,
    );
  }
  return plans;
}

/**
 * Each file is written beside its place and renamed over it: never left half-written, and a link
 * in its place is replaced, never written through ('wx' refuses one planted at the temporary name).
 */
async function writeFiles(top: string, files: readonly FileResult[]): Promise<void> {
  await mkdir(join(top, WORKFLOWS), { recursive: true });
  for (const file of files.filter((entry) => entry.change !== 'unchanged')) {
    const target = join(top, file.plan.path);
    const temporary = `${target}.flow-init`;
    await rm(temporary, { force: true });
    await writeFile(temporary, file.text, { flag: 'wx' });
    await rename(temporary, target);
  }
}

/** What is left to do by hand: the secrets the workflows read, the environments they deploy to, the steps to replace. */
function nextSteps(files: readonly FileResult[]) {
  const texts = files.map((file) => file.text);
  const secrets = [
    ...new Set(
      texts.flatMap((text) =>
        [...text.matchAll(/\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string),
      ),
    ),
  ]
    .filter((name) => name !== 'GITHUB_TOKEN')
    .sort();
  const deployTo = texts.flatMap(environmentsOf);
  const environments = [...new Set(deployTo.map((environment) => environment.name))].sort();
  const notes = [...new Set(deployTo.flatMap(({ name, note }) => (note ? [`${name} ${note}`] : [])))].sort();
  const aside = ['approvals go there', ...notes].join('; ');
  const replaceMe = files.flatMap((file) =>
    [...file.text.matchAll(/name: (.*\(replace me\))/g)].map((m) => `"${m[1]}" of ${file.plan.template}.yml`),
  );
  const text = [
    `Next: review and commit ${WORKFLOWS}/`,
    ...(secrets.length ? [`create the secrets ${secrets.join(', ')}`] : []),
    ...(environments.length ? [`create the environments ${environments.join(', ')} (${aside})`] : []),
    ...(replaceMe.length ? [`replace ${replaceMe.join(', ')} with your checks`] : []),
  ].join('; ');
  return { secrets, environments, text: `${text}.` };
}

function describeChange(change: Change, dryRun: boolean): string {
  if (change === 'unchanged') return change;
  const past = { create: 'created', replace: 'replaced', update: 'updated' }[change];
  return dryRun ? `would ${change}` : past;
}

/** What a row of the table adds: the release the pins moved from, or that edits were replaced. */
function note(file: FileResult, release: FlowActionsRelease): string {
  const state = file.plan.state;
  if (file.change === 'replace' && state) return 'your edits are replaced';
  if (!state || state.versions.length === 0 || state.versions.includes(release.version)) return '';
  return `pins ${state.versions.join(', ')} → ${release.version}`;
}

/** The flags, read once; `set` already parsed; the login flags' values checked. */
function readFlags(args: ParsedArguments) {
  const string = (name: string) => {
    const value = args.values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const list = (name: string) => {
    const value = args.values[name];
    return Array.isArray(value)
      ? value
          .flatMap((entry) => String(entry).split(','))
          .map((entry) => entry.trim())
          .filter(Boolean)
      : undefined;
  };
  const kind = string('registry-login');
  if (kind !== undefined && !(LOGIN_KINDS as readonly string[]).includes(kind))
    throw new UsageError(`--registry-login must be one of ${LOGIN_KINDS.join(', ')}, got "${kind}"`);
  if (string('registry-username') !== undefined && string('registry-username-secret') !== undefined)
    throw new UsageError('--registry-username and --registry-username-secret both name the user: keep one');
  // Every value given is checked now, before anything is read or written.
  const version = string('version');
  if (version !== undefined) parseVersionFlag(version);
  const values: Record<string, string> = {};
  for (const spec of VALUES) {
    const value = string(spec.flag);
    if (value !== undefined) values[spec.name] = spec.check(value);
  }
  const login: Record<string, string> = {};
  for (const [flag, check] of Object.entries(LOGIN_FLAGS)) {
    const value = string(flag);
    if (value !== undefined) login[flag] = check(value);
  }
  return {
    string,
    list,
    boolean: (name: string) => args.values[name] === true,
    set: parseSetFlags(list('set') ?? []),
    values,
    kind: kind as LoginKind | undefined,
    login,
    loginGiven: kind !== undefined || Object.keys(login).length > 0,
  };
}
type Flags = ReturnType<typeof readFlags>;

/** The top of the git checkout the command runs in: the workflows go there. */
async function checkoutTop(context: CommandContext): Promise<string> {
  const result = await exec('git', ['rev-parse', '--show-toplevel'], {
    cwd: context.cwd,
    env: context.env,
    allowFailure: true,
  }).catch(() => undefined);
  if (result?.exitCode !== 0)
    throw new UsageError(
      `${context.cwd} is not in a git checkout: run flow init in your product repository's checkout`,
    );
  return result.stdout.trim();
}

/** The `.yml` files of the workflows folder, with flow init's lines of those it wrote. */
async function readExisting(dir: string): Promise<Map<string, { existing: string; state?: WorkflowState }>> {
  const files = new Map<string, { existing: string; state?: WorkflowState }>();
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const name of entries.filter((entry) => entry.endsWith('.yml')).sort()) {
    // A link (or anything but a file) is never flow init's and never read: a checkout that links
    // main.yml to ~/.docker/config.json must not have it shown in a --dry-run diff.
    if (!(await lstat(join(dir, name))).isFile()) {
      files.set(name, { existing: '' });
      continue;
    }
    const text = await readFile(join(dir, name), 'utf8');
    const path = `${WORKFLOWS}/${name}`;
    const state = headerRepository(text) ? readWorkflow(text, path) : undefined;
    files.set(name, { existing: text, ...(state ? { state } : {}) });
  }
  return files;
}

/** `--template`, else the templates flow init wrote here before, else every template of the release. */
function selectTemplates(
  requested: string[] | undefined,
  available: string[],
  existing: Map<string, { state?: WorkflowState }>,
): string[] {
  if (requested) {
    const unknown = requested.filter((name) => !available.includes(name.replace(/\.ya?ml$/, '')));
    if (unknown.length > 0)
      throw new UsageError(
        `--template ${unknown.join(', ')}: the release has ${available.sort().join(', ')}`,
      );
    return [...new Set(requested.map((name) => name.replace(/\.ya?ml$/, '')))];
  }
  const ours = available.filter((name) => existing.get(`${name}.yml`)?.state);
  return (ours.length > 0 ? ours : available).sort();
}

/** Asks on a terminal; without one, or with an empty answer, the flag is missing: a usage error. */
async function ask(context: CommandContext, flag: string, question: string): Promise<string> {
  const answer = context.ask ? (await context.ask(`${question} (--${flag}): `)).trim() : '';
  if (!answer)
    throw new UsageError(`--${flag} is required: ${question.charAt(0).toLowerCase()}${question.slice(1)}`);
  return answer;
}

/**
 * The CHANGE values. `given`: the flags (and REGISTRY when --image changes it) — what a re-run
 * changes in the files it wrote. `effective`: given, else the files written before, else worked
 * out, else asked when a template written afresh needs it — what a new file gets.
 */
async function resolveValues(
  flags: Flags,
  written: readonly WorkflowState[],
  needed: ReadonlySet<string>,
  present: ReadonlySet<string>,
  context: CommandContext,
) {
  const given: Record<string, string> = { ...flags.set };
  const effective: Record<string, string> = { ...flags.set };
  const writtenValue = (name: string) =>
    written.find((state) => state.values[name] !== undefined)?.values[name];
  for (const spec of VALUES) {
    const flag = flags.values[spec.name];
    if (flag !== undefined) {
      given[spec.name] = effective[spec.name] = flag;
      continue;
    }
    if (!present.has(spec.name)) continue;
    // A new --image moves REGISTRY with it, in the files written before as in new ones.
    if (spec.name === 'REGISTRY' && given.IMAGE) {
      given.REGISTRY = effective.REGISTRY = registryOf(given.IMAGE);
      continue;
    }
    const value = writtenValue(spec.name) ?? spec.derive?.(effective);
    if (value !== undefined) effective[spec.name] = value;
    else if (spec.question && needed.has(spec.name))
      effective[spec.name] = spec.check(await ask(context, spec.flag, spec.question));
  }
  for (const name of ['IMAGE', 'DEVELOP_IMAGE'] as const) {
    const image = effective[name];
    if (image && effective.REGISTRY && registryOf(image) !== effective.REGISTRY)
      throw new UsageError(
        `--${name === 'IMAGE' ? 'image' : 'develop-image'} ${image} is not on the registry ${effective.REGISTRY} (--registry): each job logs in to one registry, so put both images on it`,
      );
  }
  const kept = [...needed]
    .filter((name) => effective[name] === undefined && !VALUES.some((spec) => spec.name === name))
    .map((name) => `${name} keeps the template's value (set it with --set ${name}=…)`);
  return { given, effective, kept };
}

/** The default branch: --default-branch, the files written before, origin/HEAD, the current branch, or asked. */
async function resolveDefaultBranch(
  flags: Flags,
  written: readonly WorkflowState[],
  needed: boolean,
  git: (args: string[]) => Promise<string | undefined>,
  context: CommandContext,
): Promise<{ branch: string; from: string } | undefined> {
  const given = flags.string('default-branch');
  const found = async (): Promise<{ branch: string; from: string } | undefined> => {
    if (given !== undefined) return { branch: given.trim(), from: '--default-branch' };
    const before = written.find((state) => state.defaultBranch)?.defaultBranch;
    if (before) return { branch: before, from: 'as the files written before say' };
    const head = await git(['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']);
    if (head?.startsWith('refs/remotes/origin/'))
      return { branch: head.slice('refs/remotes/origin/'.length), from: 'origin/HEAD' };
    const current = await git(['symbolic-ref', '--quiet', '--short', 'HEAD']);
    if (current)
      return { branch: current, from: 'the current branch; pass --default-branch if it is another' };
    return undefined;
  };
  if (given === undefined && !needed) return undefined;
  const branch =
    (await found()) ??
    ({
      branch: await ask(context, 'default-branch', 'The default branch of this repository'),
      from: 'asked',
    } as const);
  if ((await git(['check-ref-format', '--branch', branch.branch])) === undefined)
    throw new UsageError(`--default-branch "${branch.branch}" is not a branch name git accepts`);
  return branch;
}

/** The registry login: the flags, else the files written before (same kind), else the registry's defaults, or asked. */
async function resolveLogin(
  flags: Flags,
  registry: string,
  registryChanged: boolean,
  written: readonly WorkflowState[],
  context: CommandContext,
): Promise<RegistryLogin> {
  const before = written.find((state) => state.login)?.login;
  const kind: LoginKind = flags.kind ?? (registryChanged || !before ? loginKindFor(registry) : before.kind);
  const previous = before?.kind === kind ? before : undefined;
  const value = async (flag: string, from: string | undefined, question: string) => {
    const check = LOGIN_FLAGS[flag] as (value: string) => string;
    return flags.login[flag] ?? from ?? check(await ask(context, flag, question));
  };
  switch (kind) {
    case 'github-token':
      return { kind };
    case 'password': {
      const secrets = defaultSecrets(registry);
      const userSecret = flags.login['registry-username-secret'];
      const username =
        flags.login['registry-username'] ??
        (userSecret !== undefined
          ? secretExpression(userSecret)
          : previous?.kind === 'password'
            ? previous.username
            : secretExpression(secrets.username));
      const passwordSecret =
        flags.login['registry-password-secret'] ??
        (previous?.kind === 'password' ? previous.passwordSecret : secrets.password);
      return { kind, username, passwordSecret };
    }
    case 'ecr': {
      const role = await value(
        'aws-role',
        previous?.kind === 'ecr' ? previous.role : undefined,
        'The IAM role to assume (its ARN)',
      );
      const region = await value(
        'aws-region',
        previous?.kind === 'ecr' ? previous.region : ecrRegion(registry),
        'The AWS region of the registry',
      );
      return { kind, role, region };
    }
    case 'gar': {
      const workloadIdentityProvider = await value(
        'gcp-workload-identity-provider',
        previous?.kind === 'gar' ? previous.workloadIdentityProvider : undefined,
        'The workload identity provider (projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>)',
      );
      const serviceAccount = await value(
        'gcp-service-account',
        previous?.kind === 'gar' ? previous.serviceAccount : undefined,
        'The service account to act as (its e-mail address)',
      );
      return { kind, workloadIdentityProvider, serviceAccount };
    }
  }
}

/**
 * What a template says to do with an environment beyond "approvals go there", on its own
 * `environment:` line — `environment: merge-gate # flow init: gets no reviewers, …` — so that each
 * template declares its note and flow init names no template.
 */
const ENVIRONMENT_NOTE = /^\s*flow init: (.+)$/;

/** The environments a workflow's jobs deploy to (`environment:`), each with its line's note. */
function environmentsOf(text: string): { name: string; note?: string }[] {
  const jobs = parseDocument(text).get('jobs');
  if (!isMap(jobs)) return [];
  return jobs.items.flatMap(({ value: job }) => {
    const environment = isMap(job) ? job.get('environment', true) : undefined;
    const name = isMap(environment) ? environment.get('name', true) : environment;
    if (!isScalar(name) || typeof name.value !== 'string' || name.value.includes('${{')) return [];
    const note = ENVIRONMENT_NOTE.exec(name.comment ?? '')?.[1];
    return [{ name: name.value, ...(note ? { note } : {}) }];
  });
}
