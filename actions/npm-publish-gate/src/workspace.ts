import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import {
  ConfigurationError,
  input,
  inputName,
  resolveInside,
  type WordingPart,
  words,
} from '@flow-actions/action-kit';
import { checkNpmPackageName } from '@flow-actions/npm-runner';

/** The fields of package.json the gate reads; everything else is carried over untouched. */
export interface PackageManifest {
  name?: string;
  version?: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [field: string]: unknown;
}

export interface WorkspacePackage {
  name: string;
  version: string;
  /** Absolute directory. */
  dir: string;
  /** Directory relative to the workspace root, `.` for the root, for messages. */
  path: string;
  private: boolean;
  manifest: PackageManifest;
}

/** Dependency fields a consumer installs: an internal dependency there must be published first. */
export const RUNTIME_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;
/** Every field whose `workspace:` ranges are rewritten in the published package.json. */
export const DEPENDENCY_FIELDS = [...RUNTIME_FIELDS, 'devDependencies'] as const;

export interface DiscoverOptions {
  /** The repository checkout. */
  root: string;
  /** Directories or globs (`*` within a folder, `**` any depth) relative to root. Empty: the workspace's packages. */
  patterns: readonly string[];
}

export interface Discovery {
  /** The packages to publish, in the order found. */
  selected: WorkspacePackage[];
  /** Every package of the workspace (and the selected ones), by name: internal dependencies resolve here. */
  byName: Map<string, WorkspacePackage>;
}

/**
 * Finds the packages to publish: the `packages` input, else the workspace's public packages
 * (`workspaces` of the root package.json, or `pnpm-workspace.yaml`), else the root package.
 */
export async function discoverPackages(options: DiscoverOptions): Promise<Discovery> {
  const root = resolve(options.root);
  const workspacePatterns = await readWorkspacePatterns(root);
  const workspaceDirs = await expandPatterns(root, workspacePatterns, WORKSPACES);
  const byName = new Map<string, WorkspacePackage>();
  for (const dir of workspaceDirs) {
    const found = await readPackage(root, dir, WORKSPACES_FIELD);
    if (found) byName.set(found.name, found);
  }

  let selected: WorkspacePackage[];
  if (options.patterns.length > 0) {
    const dirs = await expandPatterns(root, options.patterns, PACKAGES_INPUT);
    if (dirs.length === 0)
      throw new ConfigurationError(
        words`${input('packages')} matched no folder with a package.json: ${options.patterns.join(', ')} (relative to ${root}); give package folders or globs relative to the repository root, e.g. packages/client or packages/*.`,
      );
    selected = [];
    for (const dir of dirs) {
      const found = await readPackage(root, dir, inputName('packages'));
      if (!found) continue;
      if (found.private)
        throw new ConfigurationError(
          words`${input('packages')} names ${found.name} (${found.path}), which is "private": true: npm refuses to publish it; drop it from ${inputName('packages')}.`,
        );
      selected.push(found);
      byName.set(found.name, found);
    }
  } else if (workspacePatterns.length > 0) {
    selected = [...byName.values()].filter((pkg) => !pkg.private);
  } else {
    const rootPackage = await readPackage(root, root, inputName('packages'));
    selected = rootPackage && !rootPackage.private ? [rootPackage] : [];
    if (rootPackage) byName.set(rootPackage.name, rootPackage);
  }
  if (selected.length === 0)
    throw new ConfigurationError(
      words`No public package to publish in ${root}: give ${inputName('packages')} the package folders, or check "private" and the workspace configuration.`,
    );
  const names = new Set<string>();
  for (const pkg of selected) {
    if (names.has(pkg.name))
      throw new ConfigurationError(`Two selected folders are both ${pkg.name}: name each package once.`);
    names.add(pkg.name);
  }
  return { selected, byName };
}

/** `workspaces` of the root package.json (array or `{ packages }`), else `packages:` of pnpm-workspace.yaml. */
async function readWorkspacePatterns(root: string): Promise<string[]> {
  const manifest = await readJson(join(root, 'package.json'));
  const workspaces = manifest?.workspaces;
  if (Array.isArray(workspaces)) return workspaces.filter((item) => typeof item === 'string');
  if (workspaces && typeof workspaces === 'object' && 'packages' in workspaces) {
    const packages = (workspaces as { packages?: unknown }).packages;
    if (Array.isArray(packages)) return packages.filter((item) => typeof item === 'string');
  }
  const yaml = await readFile(join(root, 'pnpm-workspace.yaml'), 'utf8').catch(() => undefined);
  return yaml ? parsePnpmWorkspacePackages(yaml) : [];
}

/** The `packages:` list of pnpm-workspace.yaml: block items only, which is what pnpm documents. */
export function parsePnpmWorkspacePackages(yaml: string): string[] {
  const patterns: string[] = [];
  let inPackages = false;
  for (const raw of yaml.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '');
    if (/^packages\s*:/.test(line)) {
      inPackages = true;
      continue;
    }
    if (!inPackages || line.trim() === '' || line.trim().startsWith('#')) continue;
    const item = /^\s+-\s*(.+?)\s*$/.exec(line);
    if (!item?.[1]) {
      if (/^\S/.test(line)) inPackages = false;
      continue;
    }
    patterns.push(item[1].replace(/^(['"])(.*)\1$/, '$2'));
  }
  return patterns;
}

/** Where package patterns come from, for messages. */
const PACKAGES_INPUT = input('packages');
const WORKSPACES = 'The workspaces of package.json or pnpm-workspace.yaml';
const WORKSPACES_FIELD = '"workspaces"';

/**
 * Folders matching the patterns, in a stable order. `*` matches within one folder name, `**`
 * any depth; `!pattern` excludes. Folders named node_modules or starting with `.` are never
 * entered. Patterns may not leave the root; `from` names where they came from in errors.
 */
export async function expandPatterns(
  root: string,
  patterns: readonly string[],
  from: WordingPart,
): Promise<string[]> {
  const included = new Set<string>();
  const excluded = new Set<string>();
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\.\//, '').replace(/\/+$/, '') || '.';
    const segments = pattern.split('/');
    if (segments.includes('..') || pattern.startsWith('/'))
      throw new ConfigurationError(
        words`${from}: pattern "${raw}" leaves the repository: give folders or globs relative to the repository root, e.g. packages/client or packages/*.`,
      );
    const matches = await matchSegments(
      root,
      segments.filter((s) => s !== '.'),
    );
    for (const dir of matches) (negated ? excluded : included).add(dir);
  }
  return [...included].filter((dir) => !excluded.has(dir)).sort();
}

async function matchSegments(dir: string, segments: readonly string[]): Promise<string[]> {
  const [head, ...rest] = segments;
  if (head === undefined) return (await isDirectory(dir)) ? [dir] : [];
  if (head === '**') {
    const deeper = await Promise.all((await subdirectories(dir)).map((sub) => matchSegments(sub, segments)));
    return [...(await matchSegments(dir, rest)), ...deeper.flat()];
  }
  if (!head.includes('*')) return matchSegments(join(dir, head), rest);
  const regex = new RegExp(`^${head.split('*').map(escapeRegExp).join('[^/]*')}$`);
  const subs = (await subdirectories(dir)).filter((sub) => regex.test(sub.slice(dir.length + 1)));
  return (await Promise.all(subs.map((sub) => matchSegments(sub, rest)))).flat();
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.'))
    .map((entry) => join(dir, entry.name));
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

async function readPackage(
  root: string,
  dir: string,
  from: WordingPart,
): Promise<WorkspacePackage | undefined> {
  const path = relative(root, dir).split(sep).join('/') || '.';
  const manifestPath = join(dir, 'package.json');
  // The folder or its package.json may be a link: followed out of the checkout, npm would pack
  // and publish files from anywhere on the runner.
  if (resolveInside(root, manifestPath) === undefined)
    throw new ConfigurationError(
      words`${path}/package.json (from ${from}) leads outside the workspace through a symbolic link: publish only packages inside the repository checkout, and drop the link or the folder from ${from}.`,
    );
  const manifest = (await readJson(manifestPath)) as PackageManifest | undefined;
  if (!manifest) return undefined;
  if (typeof manifest.name !== 'string' || typeof manifest.version !== 'string')
    throw new ConfigurationError(
      words`${path}/package.json (from ${from}) has no name or no version: give it both, or leave the folder out.`,
    );
  checkNpmPackageName(manifest.name, words`${path}/package.json (from ${from}): its name`);
  return {
    name: manifest.name,
    version: manifest.version,
    dir,
    path,
    private: manifest.private === true,
    manifest,
  };
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigurationError(`${path} is not valid JSON: ${(error as Error).message}.`);
  }
}

/** An internal dependency as the package declares it and as it will be published. */
export interface InternalDependency {
  name: string;
  field: (typeof DEPENDENCY_FIELDS)[number];
  /** As written, e.g. `workspace:^`. */
  declared: string;
  /** As published, e.g. `^1.2.0`. */
  published: string;
  /** The workspace package's version it points at. */
  version: string;
}

export interface RewriteResult {
  manifest: PackageManifest;
  changed: boolean;
  internal: InternalDependency[];
  /** `workspace:` ranges that name no package of the workspace: they cannot be published. */
  unresolved: { name: string; declared: string }[];
}

/**
 * The package.json as it will be published: `workspace:` ranges replaced the way pnpm does
 * (`workspace:*` → the exact version, `workspace:^` → `^version`, `workspace:~` → `~version`,
 * `workspace:<range>` → the range). Other dependencies on workspace packages are kept but
 * recorded, so the gate can check they are published first.
 */
export function rewriteWorkspaceRanges(
  manifest: PackageManifest,
  byName: ReadonlyMap<string, { version: string }>,
): RewriteResult {
  const copy: PackageManifest = { ...manifest };
  const internal: InternalDependency[] = [];
  const unresolved: RewriteResult['unresolved'] = [];
  let changed = false;
  for (const field of DEPENDENCY_FIELDS) {
    const deps = manifest[field];
    if (!deps || typeof deps !== 'object') continue;
    const out: Record<string, string> = {};
    for (const [name, declared] of Object.entries(deps)) {
      const alias = /^workspace:(?:(@?[^@]+)@)?(.*)$/.exec(declared);
      const target = byName.get(alias?.[1] ?? name);
      if (alias && !target) {
        unresolved.push({ name, declared });
        out[name] = declared;
        continue;
      }
      if (!target) {
        out[name] = declared;
        continue;
      }
      const range = alias?.[2];
      const published =
        range === undefined
          ? declared
          : range === '*' || range === ''
            ? target.version
            : range === '^' || range === '~'
              ? `${range}${target.version}`
              : range;
      if (published !== declared) changed = true;
      out[name] = published;
      internal.push({ name: alias?.[1] ?? name, field, declared, published, version: target.version });
    }
    copy[field] = out;
  }
  return { manifest: changed ? copy : manifest, changed, internal, unresolved };
}

/**
 * The selected packages in publish order: each after the internal packages it depends on at
 * runtime. A cycle is a configuration error naming it.
 */
export function orderForPublish<T extends { name: string }>(
  packages: readonly T[],
  runtimeDependencies: (pkg: T) => readonly string[],
): T[] {
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const ordered: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (pkg: T, path: string[]) => {
    const current = state.get(pkg.name);
    if (current === 'done') return;
    if (current === 'visiting')
      throw new ConfigurationError(
        `Internal dependency cycle: ${[...path, pkg.name].join(' → ')}: no publish order exists; break the cycle (a devDependency does not count).`,
      );
    state.set(pkg.name, 'visiting');
    for (const dep of runtimeDependencies(pkg)) {
      const target = byName.get(dep);
      if (target && target !== pkg) visit(target, [...path, pkg.name]);
    }
    state.set(pkg.name, 'done');
    ordered.push(pkg);
  };
  for (const pkg of packages) visit(pkg, []);
  return ordered;
}
