// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { ConfigurationError } from '@flow-actions/action-kit';
import {
  applyTextEdits,
  deleteMapKey,
  findPair,
  formatScalar,
  parseYamlDocuments,
  replaceScalar,
  scalarString,
  setMapValue,
  type TextEdit,
} from '@flow-actions/update-manifest/yaml-edit';
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import {
  AUTH_ACTION_PINS,
  type AuthAction,
  authStep,
  DOCKER_LOGIN_ACTION,
  LOGIN_COMMENT_PREFIX,
  loginComment,
  loginInputs,
  needsIdToken,
  type RegistryLogin,
} from './login';

// A workflow written by `flow init` is a release's template with a few lines changed, and only
// those lines are flow init's: the header line that marks the file as its own, the `uses:` lines
// of flow-actions (pinned to a release commit, the version in a comment), the values marked CHANGE
// at the top, the default branch marked CHANGE, and the registry login steps with the permissions
// they need. Every change is a splice of the text (update-manifest's YAML editing), so comments,
// quoting and everything else stay byte for byte — in the template as in a file its owner edited.

/** How the templates name flow-actions: `uses: org/flow-actions/<path>@v1`. */
const TEMPLATE_REPOSITORY = 'org/flow-actions';

/** The release a workflow is pinned to. */
export interface FlowActionsRelease {
  /** `owner/name` of the flow-actions repository, as `uses:` names it. */
  repository: string;
  /** `v1.4.0`. */
  version: string;
  /** The release commit `v1.4.0` names, 40 hex. */
  commit: string;
}

/** What `flow init` sets in a workflow. */
export interface WorkflowSettings {
  release: FlowActionsRelease;
  /** Values marked CHANGE in the top-level `env:`, by name; a name not given keeps its value. */
  values: Readonly<Record<string, string>>;
  /** The branch a CHANGE-marked `branches:` list names; none keeps it. */
  defaultBranch?: string;
  /** The registry login; none keeps the login steps as they are (only their pins move). */
  login?: RegistryLogin;
}

/** What a workflow `flow init` wrote holds of flow init's lines. */
export interface WorkflowState {
  /** The flow-actions repository its header names. */
  repository: string;
  /** The versions its flow-actions pins name, e.g. ["v1.4.0"]. */
  versions: string[];
  values: Record<string, string>;
  defaultBranch?: string;
  /** The first login's settings, when it is one flow init writes. */
  login?: RegistryLogin;
}

const HEADER = /^# flow init \(([\w.-]+\/[\w.-]+)\) wrote this file\b[^\n]*\n/;

/** The first line of every file flow init writes: how a re-run knows its own files. */
function headerLine(repository: string): string {
  return `# flow init (${repository}) wrote this file: run flow init again to pin a newer release; your edits stay.\n`;
}

/** The flow-actions repository a file's header names, or undefined for a file flow init did not write. */
export function headerRepository(text: string): string | undefined {
  return HEADER.exec(text)?.[1];
}

/** A release's template as flow init writes it the first time. */
export function renderWorkflow(template: string, settings: WorkflowSettings, file: string): string {
  let text = pin(template, [TEMPLATE_REPOSITORY], settings.release);
  text = setValues(text, settings, file);
  if (settings.login) text = rewriteLogins(text, template, settings.login, file);
  return headerLine(settings.release.repository) + repinLogins(text, template);
}

/**
 * A file flow init wrote, brought to `settings`: the flow-actions pins move to the release, the
 * values and branch given are set, the login is rewritten only when it changes (else only its
 * pins move, so edits inside the login steps stay). Every other line stays as it is.
 */
export function updateWorkflow(
  existing: string,
  template: string,
  settings: WorkflowSettings,
  file: string,
): string {
  const repository = headerRepository(existing);
  if (!repository) throw new Error(`${file} has no flow init header`);
  let text = existing.replace(HEADER, headerLine(settings.release.repository));
  // A line copied in from a template (`org/flow-actions/…@v1`) is pinned too.
  text = pin(text, [repository, settings.release.repository, TEMPLATE_REPOSITORY], settings.release);
  text = setValues(text, settings, file);
  const current = readLogin(parse(text, file));
  if (settings.login && !sameLogin(current, settings.login))
    text = rewriteLogins(text, template, settings.login, file);
  return repinLogins(text, template);
}

/** Reads flow init's lines of a file it wrote. */
export function readWorkflow(text: string, file: string): WorkflowState | undefined {
  const repository = headerRepository(text);
  if (!repository) return undefined;
  const document = parse(text, file);
  const versions = new Set<string>();
  for (const use of usesLines(text)) {
    if (use.action.startsWith(`${repository}/`) && use.comment) versions.add(use.comment);
  }
  const values: Record<string, string> = {};
  for (const { name, pair } of changeEntries(document, text)) {
    const value = scalarString(pair.value);
    if (value !== undefined) values[name] = value;
  }
  const branch = changeBranches(document, text)[0];
  const defaultBranch = branch && isSeq(branch.value) ? scalarString(branch.value.items[0]) : undefined;
  const login = readLogin(document);
  return {
    repository,
    versions: [...versions],
    values,
    ...(defaultBranch ? { defaultBranch } : {}),
    ...(login ? { login } : {}),
  };
}

/** The names of the values marked CHANGE in the top-level `env:` of a workflow. */
export function changeValueNames(text: string, file: string): string[] {
  return changeEntries(parse(text, file), text).map((entry) => entry.name);
}

/** True when the workflow has a `branches:` list marked CHANGE (main.yml's default branch). */
export function hasChangeBranches(text: string, file: string): boolean {
  return changeBranches(parse(text, file), text).length > 0;
}

/** The released paths of flow-actions a workflow uses (`promote`, `update-manifest`…). */
export function flowActionPaths(text: string, repository: string): string[] {
  const paths = new Set<string>();
  for (const use of usesLines(text)) {
    if (use.action.startsWith(`${repository}/`)) paths.add(use.action.slice(repository.length + 1));
  }
  return [...paths].sort();
}

/** True when two logins write the same lines. */
function sameLogin(a: RegistryLogin | undefined, b: RegistryLogin | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function parse(text: string, file: string) {
  const [document] = parseYamlDocuments(text, file);
  if (!document || !isMap(document.contents))
    throw new ConfigurationError(`${file} is not a workflow (no mapping at its top): fix the file first.`);
  return document as typeof document & { contents: YAMLMap };
}

interface UsesLine {
  start: number;
  end: number;
  /** What the line says before the value: indentation, `- `, `uses: `. */
  prefix: string;
  /** The action without its ref: `docker/login-action`, `acme/flow-actions/promote`. */
  action: string;
  ref: string;
  /** The comment after it, without `# `: the version of a pin. */
  comment?: string;
}

const USES_LINE =
  /^([ \t]*(?:-[ \t]+)?uses:[ \t]*)(['"]?)([^\s'"@#]+)@([^\s'"#]+)\2[ \t]*(?:#[ \t]*([^\n]*?))?[ \t]*$/gm;

function usesLines(text: string): UsesLine[] {
  return [...text.matchAll(USES_LINE)].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
    prefix: match[1] as string,
    action: match[3] as string,
    ref: match[4] as string,
    ...(match[5] ? { comment: match[5] } : {}),
  }));
}

/** Rewrites each `uses:` line whose action `pinFor` names: `<action>@<sha> # <version>`. */
function repin(text: string, pinFor: (action: string) => string | undefined): string {
  const edits: TextEdit[] = [];
  for (const use of usesLines(text)) {
    const pinned = pinFor(use.action);
    if (pinned) edits.push({ start: use.start, end: use.end, text: `${use.prefix}${pinned}` });
  }
  return applyTextEdits(text, edits);
}

/** Pins flow-actions (named by any of `repositories`) to the release: `<repository>/<path>@<commit> # <version>`. */
function pin(text: string, repositories: readonly string[], release: FlowActionsRelease): string {
  return repin(text, (action) => {
    const owner = repositories.find((repository) => action.startsWith(`${repository}/`));
    const path = owner && action.slice(owner.length + 1);
    if (!path || !/^[a-z0-9][a-z0-9-]*$/.test(path)) return undefined;
    return `${release.repository}/${path}@${release.commit} # ${release.version}`;
  });
}

/** The login actions' pins: docker/login-action as the release's template pins it, the cloud ones as flow init does. */
function repinLogins(text: string, template: string): string {
  const docker = usesLines(template).find((use) => use.action === DOCKER_LOGIN_ACTION);
  return repin(text, (action) => {
    if (action === DOCKER_LOGIN_ACTION && docker?.comment)
      return `${DOCKER_LOGIN_ACTION}@${docker.ref} # ${docker.comment}`;
    const auth = AUTH_ACTION_PINS[action as AuthAction];
    return auth ? `${action}@${auth.sha} # ${auth.version}` : undefined;
  });
}

function setValues(text: string, settings: WorkflowSettings, file: string): string {
  const document = parse(text, file);
  const edits: TextEdit[] = [];
  for (const { name, pair } of changeEntries(document, text)) {
    const value = settings.values[name];
    if (value === undefined || !isScalar(pair.value) || scalarString(pair.value) === value) continue;
    edits.push(replaceScalar(text, pair.value, value));
  }
  const branch = settings.defaultBranch;
  if (branch !== undefined)
    for (const pair of changeBranches(document, text)) {
      const list = pair.value;
      if (!isSeq(list) || !list.range) continue;
      const [only] = list.items;
      if (list.flow)
        edits.push({ start: list.range[0], end: list.range[1], text: `[${flowScalar(branch)}]` });
      // A block list of several branches is the owner's own choice: left as it is.
      else if (list.items.length === 1 && isScalar(only) && scalarString(only) !== branch)
        edits.push(replaceScalar(text, only, branch));
    }
  return applyTextEdits(text, edits);
}

/** A branch name inside `[…]`: plain when it reads back as itself in a flow list, else double-quoted. */
function flowScalar(value: string): string {
  return /^[A-Za-z0-9][\w./-]*$/.test(value) && formatScalar(value, 'PLAIN') === value
    ? value
    : JSON.stringify(value);
}

/**
 * The pairs of the top-level `env:` marked CHANGE: a comment block starting `# CHANGE` opens a run
 * of values, and the next comment block that does not closes it (REQUIRED_CHECKS under its own
 * comment is the template's, not the adopter's).
 */
function changeEntries(document: { contents: YAMLMap }, text: string): { name: string; pair: Pair }[] {
  const env = findPair(document.contents, 'env')?.value;
  if (!isMap(env)) return [];
  const entries: { name: string; pair: Pair }[] = [];
  let marked = false;
  for (const pair of env.items) {
    if (!isScalar(pair.key) || !pair.key.range) continue;
    const above = commentAbove(text, pair.key.range[0]);
    if (above.lines.length > 0) marked = isChangeComment(above.lines);
    if (marked) entries.push({ name: String(pair.key.value), pair });
  }
  return entries;
}

/** `on.<event>.branches` lists under a CHANGE comment: where the default branch goes. */
function changeBranches(document: { contents: YAMLMap }, text: string): Pair[] {
  const on = findPair(document.contents, 'on')?.value;
  if (!isMap(on)) return [];
  const pairs: Pair[] = [];
  for (const event of on.items) {
    if (!isMap(event.value)) continue;
    const branches = findPair(event.value, 'branches');
    const key = branches?.key as Node | undefined;
    if (branches && key?.range && isChangeComment(commentAbove(text, key.range[0]).lines))
      pairs.push(branches);
  }
  return pairs;
}

const isChangeComment = (lines: readonly string[]) => lines[0]?.startsWith('# CHANGE') === true;

/**
 * The comment lines right above the line that holds `offset`, at its indentation (no blank line
 * between), and where they start. A deeper comment (the last lines of the step before) is not its.
 */
function commentAbove(text: string, offset: number): { start: number; lines: string[]; starts: number[] } {
  let start = lineStart(text, offset);
  const indent = /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
  const lines: string[] = [];
  const starts: number[] = [];
  while (start > 0) {
    const previous = lineStart(text, start - 1);
    const line = text.slice(previous, start - 1);
    if (!line.startsWith(`${indent}#`)) break;
    lines.unshift(line.trim());
    starts.unshift(previous);
    start = previous;
  }
  return { start, lines, starts };
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just past the newline that ends the line holding `offset` (the text's end on its last line). */
function nextLine(text: string, offset: number): number {
  const end = text.indexOf('\n', offset);
  return end < 0 ? text.length : end + 1;
}

interface LoginStep {
  jobId: string;
  job: YAMLMap;
  /** The docker/login-action step. */
  step: YAMLMap;
  /** The cloud authentication step right before it, if any. */
  auth?: { step: YAMLMap; action: AuthAction };
}

function stepAction(step: unknown): string | undefined {
  if (!isMap(step)) return undefined;
  return scalarString(findPair(step, 'uses')?.value)?.replace(/@.*$/, '');
}

/** Every docker/login-action step of every job, with the cloud authentication step before it. */
function findLogins(document: { contents: YAMLMap }): LoginStep[] {
  const jobs = findPair(document.contents, 'jobs')?.value;
  if (!isMap(jobs)) return [];
  const logins: LoginStep[] = [];
  for (const pair of jobs.items) {
    const steps = isMap(pair.value) ? findPair(pair.value, 'steps')?.value : undefined;
    if (!isMap(pair.value) || !isSeq(steps)) continue;
    for (const [index, step] of steps.items.entries()) {
      if (!isMap(step) || stepAction(step) !== DOCKER_LOGIN_ACTION) continue;
      const previous = steps.items[index - 1];
      const previousAction = stepAction(previous);
      const auth =
        isMap(previous) && previousAction && previousAction in AUTH_ACTION_PINS
          ? { step: previous, action: previousAction as AuthAction }
          : undefined;
      logins.push({
        jobId: String((pair.key as { value?: unknown }).value),
        job: pair.value,
        step,
        ...(auth ? { auth } : {}),
      });
    }
  }
  return logins;
}

const withValue = (step: YAMLMap, key: string): string | undefined => {
  const inputs = findPair(step, 'with')?.value;
  return isMap(inputs) ? scalarString(findPair(inputs, key)?.value) : undefined;
};

/** The login of the first login step, when it has a form flow init writes; else undefined. */
function readLogin(document: { contents: YAMLMap }): RegistryLogin | undefined {
  const [first] = findLogins(document);
  if (!first) return undefined;
  if (first.auth?.action === 'aws-actions/configure-aws-credentials') {
    const role = withValue(first.auth.step, 'role-to-assume');
    const region = withValue(first.auth.step, 'aws-region');
    return role && region ? { kind: 'ecr', role, region } : undefined;
  }
  if (first.auth?.action === 'google-github-actions/auth') {
    const workloadIdentityProvider = withValue(first.auth.step, 'workload_identity_provider');
    const serviceAccount = withValue(first.auth.step, 'service_account');
    return workloadIdentityProvider && serviceAccount
      ? { kind: 'gar', workloadIdentityProvider, serviceAccount }
      : undefined;
  }
  const password = withValue(first.step, 'password') ?? '';
  if (/^\$\{\{\s*(?:secrets\.GITHUB_TOKEN|github\.token)\s*\}\}$/.test(password))
    return { kind: 'github-token' };
  const secret = /^\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(password)?.[1];
  const username = withValue(first.step, 'username');
  return secret && username ? { kind: 'password', username, passwordSecret: secret } : undefined;
}

/** The line `flow init` adds for an OIDC login; a re-run that changes the login away from OIDC removes only a line like it. */
const ID_TOKEN_LINE = 'id-token: write # the registry login (OIDC), set by flow init';

/**
 * Rewrites every login: the comment above it (the template's CHANGE comment, or flow init's), the
 * cloud authentication step before it, docker/login-action's `username` and `password`, and the
 * `packages:` and `id-token:` permissions of each job that logs in.
 */
function rewriteLogins(text: string, template: string, login: RegistryLogin, file: string): string {
  const document = parse(text, file);
  const templateDocument = parse(template, 'the template');
  const edits: TextEdit[] = [];
  const jobs = new Map<string, YAMLMap>();
  for (const found of findLogins(document)) {
    const first = found.auth?.step ?? found.step;
    const stepLine = lineStart(text, requireStart(found.step));
    const dash = /^([ \t]*)-[ \t]+$/.exec(text.slice(stepLine, requireStart(found.step)));
    // A step written as `-` on a line of its own is the owner's layout: left as it is.
    if (!dash) continue;
    const groupLine = lineStart(text, requireStart(first));
    // The login's own comment is the template's CHANGE line or flow init's, with what follows it;
    // lines above it (why the job logs in at all) are the template's and stay.
    const above = commentAbove(text, groupLine);
    const owned = above.lines.findIndex(
      (line) => isChangeComment([line]) || line.startsWith(LOGIN_COMMENT_PREFIX),
    );
    edits.push({
      start: owned >= 0 ? (above.starts[owned] as number) : groupLine,
      end: stepLine,
      text: loginPrologue(login, dash[1] as string),
    });
    const inputs = findPair(found.step, 'with')?.value;
    if (isMap(inputs) && !inputs.flow && inputs.items.length > 0)
      edits.push(...inputEdits(text, inputs, login));
    jobs.set(found.jobId, found.job);
  }
  for (const [jobId, job] of jobs)
    edits.push(...permissionEdits(text, job, login, templatePackagesLine(templateDocument, template, jobId)));
  return applyTextEdits(text, edits);
}

/** docker/login-action's `username` and `password` for the login: replaced, removed, or added (in that order) after the last input. */
function inputEdits(text: string, inputs: YAMLMap, login: RegistryLogin): TextEdit[] {
  const edits: TextEdit[] = [];
  const added: string[] = [];
  for (const [key, value] of Object.entries(loginInputs(login))) {
    if (!findPair(inputs, key)) {
      if (value !== undefined) added.push(`${key}: ${formatScalar(value, 'PLAIN')}`);
      continue;
    }
    const edit =
      value === undefined ? deleteMapKey(text, inputs, key) : setMapValue(text, inputs, key, value);
    if (edit) edits.push(edit);
  }
  if (added.length > 0) edits.push(insertLines(text, inputs, added));
  return edits;
}

/**
 * New `key: value` lines in a block mapping at its indentation: after the pair named `after`, first
 * when `after` is null, else (or when that pair is not there) after the last pair.
 */
function insertLines(text: string, map: YAMLMap, lines: readonly string[], after?: string | null): TextEdit {
  const indent = ' '.repeat(column(text, requireStart(map.items[0]?.key as Node)));
  const previous = after ? findPair(map, after) : undefined;
  const last = previous ?? (map.items[map.items.length - 1] as Pair);
  const at =
    after === null
      ? lineStart(text, requireStart(map.items[0]?.key as Node))
      : nextLine(text, requireStart((last.value ?? last.key) as Node));
  const eol = text[at - 1] === '\n' || at === 0 ? '' : '\n';
  return { start: at, end: at, text: `${eol}${lines.map((line) => `${indent}${line}\n`).join('')}` };
}

function requireStart(node: Node): number {
  if (!node.range) throw new Error('A parsed YAML node has no source range');
  return node.range[0];
}

/** flow init's comment, then the cloud authentication step, at the login step's indentation. */
function loginPrologue(login: RegistryLogin, indent: string): string {
  const lines = [`# ${loginComment(login)}`];
  const step = authStep(login);
  if (step) {
    const pinned = AUTH_ACTION_PINS[step.action];
    const uses = `uses: ${step.action}@${pinned.sha} # ${pinned.version}`;
    lines.push(...(step.id ? [`- id: ${step.id}`, `  ${uses}`] : [`- ${uses}`]), '  with:');
    for (const [key, value] of step.with) lines.push(`    ${key}: ${formatScalar(value, 'PLAIN')}`);
  }
  return lines.map((line) => `${indent}${line}\n`).join('');
}

/** A job's `packages:` line in the template (from the key to the line's end) and the key before it (null: first). */
interface TemplateLine {
  line: string;
  after: string | null;
}

function templatePackagesLine(
  document: { contents: YAMLMap },
  text: string,
  jobId: string,
): TemplateLine | undefined {
  const jobs = findPair(document.contents, 'jobs')?.value;
  const job = isMap(jobs) ? findPair(jobs, jobId)?.value : undefined;
  const permissions = isMap(job) ? findPair(job, 'permissions')?.value : undefined;
  if (!isMap(permissions)) return undefined;
  const index = permissions.items.findIndex((item) => isScalar(item.key) && item.key.value === 'packages');
  const packages = permissions.items[index];
  if (!packages) return undefined;
  const previous = permissions.items[index - 1]?.key;
  return { line: pairLine(text, packages), after: isScalar(previous) ? String(previous.value) : null };
}

function pairLine(text: string, pair: Pair): string {
  const start = requireStart(pair.key as Node);
  return text.slice(start, nextLine(text, start)).trimEnd();
}

/**
 * The permission lines a login changes: GHCR's token needs `packages:` (the template's line), no
 * other registry does (least privilege: removed when it is the template's or `write`); an OIDC
 * login needs `id-token: write`, which is removed again only where flow init added it.
 */
function permissionEdits(
  text: string,
  job: YAMLMap,
  login: RegistryLogin,
  templatePackages: TemplateLine | undefined,
): TextEdit[] {
  const pair = findPair(job, 'permissions');
  const permissions = pair?.value;
  // `read-all` or no permissions at all: the owner's choice, left alone.
  if (!pair || !isMap(permissions)) return [];
  const packages = findPair(permissions, 'packages');
  const idToken = findPair(permissions, 'id-token');
  const removals: string[] = [];
  // Where the template has it (after the same key), else last.
  const additions: { line: string; after?: string | null }[] = [];
  if (login.kind === 'github-token') {
    if (!packages) additions.push(templatePackages ?? { line: 'packages: write' });
  } else if (
    packages &&
    (pairLine(text, packages) === templatePackages?.line || scalarString(packages.value) === 'write')
  ) {
    removals.push('packages');
  }
  if (needsIdToken(login)) {
    if (!idToken) additions.push({ line: ID_TOKEN_LINE });
  } else if (idToken && pairLine(text, idToken) === ID_TOKEN_LINE) {
    removals.push('id-token');
  }
  if (removals.length === 0 && additions.length === 0) return [];

  const key = pair.key as Node;
  const colon = text.indexOf(':', requireStart(key) + String((key as { value?: unknown }).value).length) + 1;
  const remaining = permissions.items.filter(
    (item) => !removals.includes(String((item.key as { value?: unknown }).value)),
  );
  const end = permissions.range?.[1] ?? colon;
  const lastLineEnd = text[end - 1] === '\n' ? end - 1 : end;
  if (permissions.flow && permissions.items.length > 0) {
    // `{ contents: read }`: edited as a flow mapping, without comments.
    return [
      ...removals.flatMap((name) => deleteMapKey(text, permissions, name) ?? []),
      ...additions.flatMap(
        ({ line }) => setMapValue(text, permissions, line.split(':')[0] as string, 'write') ?? [],
      ),
    ];
  }
  const indent = permissions.flow
    ? ' '.repeat(column(text, requireStart(job.items[0]?.key as Node)) + 2)
    : ' '.repeat(column(text, requireStart(permissions.items[0]?.key as Node)));
  if (remaining.length === 0 && (additions.length === 0 || permissions.flow)) {
    // Nothing left, or `{}` to fill: the whole value is written again.
    const value = additions.length === 0 ? ' {}' : additions.map(({ line }) => `\n${indent}${line}`).join('');
    return [{ start: colon, end: permissions.flow ? end : lastLineEnd, text: value }];
  }
  // Removals first: an insertion where a removed line started must land after the removal.
  const edits: TextEdit[] = removals.flatMap((name) => deleteMapKey(text, permissions, name) ?? []);
  for (const { line, after } of additions) {
    const known = after === null || (after !== undefined && findPair(permissions, after) !== undefined);
    edits.push(insertLines(text, permissions, [line], known ? after : undefined));
  }
  return edits;
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}
