import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import {
  ConfigurationError,
  forAudience,
  type InputReader,
  input,
  inputName,
  inputValue,
  resolveInside,
  type SecretMasker,
  type WordingPart,
  words,
} from '@flow-actions/action-kit';
import {
  getRegistryInputs,
  getSettleMs,
  getShaTagInputs,
  type RegistryInputs,
} from '@flow-actions/artifact-protocol';
import type { ShaTagOptions } from '@flow-actions/commit-identity';
import { assertValidTag, hasVersion, parseReference } from '@flow-actions/oci-store';

export const KINDS = ['image', 'archive'] as const;
export type Kind = (typeof KINDS)[number];
export const BUILDERS = ['auto', 'buildx', 'buildah'] as const;
export type BuilderChoice = (typeof BUILDERS)[number];

/** One artifact to ensure: where it goes, and how to make it when it is missing. */
export interface ImageTarget {
  /** The repository as written, without tag: `ghcr.io/acme/api` or `oci:<dir>`. */
  repository: string;
  /** Absolute build context directory. */
  context: string;
  /** Absolute Dockerfile path. */
  file: string;
  target?: string;
  /** `KEY=value`, in order. */
  buildArgs: string[];
  /** `os/arch[/variant]`; empty: the builder's own platform. */
  platforms: string[];
  /** `oci:<dir>[:tag]` of a ready image to push instead of building. */
  fromOciLayout?: string;
  /** Absolute path of the file to store (kind archive). */
  path?: string;
  /** The archive layer's media type (kind archive). */
  mediaType?: string;
}

export interface Inputs {
  kind: Kind;
  images: ImageTarget[];
  builder: BuilderChoice;
  extraTags: string[];
  latest: boolean;
  sha: Required<ShaTagOptions>;
  ifExists: 'skip' | 'fail';
  allowYanked: boolean;
  /** Build a tree with uncommitted changes under a `dirty-…` tag instead of refusing it. */
  allowDirty: boolean;
  /** How long to wait before reading a created sha tag again (see applyTagPlans). */
  settleMs: number;
  registry: RegistryInputs;
}

/** Settings a line of `image` may carry after its reference; each overrides the input of the same name. */
const LINE_SETTINGS = [
  'context',
  'file',
  'target',
  'build-arg',
  'platforms',
  'from-oci-layout',
  'path',
  'media-type',
] as const;
type LineSetting = (typeof LINE_SETTINGS)[number];

const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*=/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;

/**
 * Reads and checks every input before anything is looked up, built or written (DESIGN §8 rule 2):
 * references, tags, the kind, and that every path named exists in the workspace and stays inside
 * `root` (default: the workspace; `flow` passes the repository's top level).
 */
export function getInputs(
  reader: InputReader,
  masker: SecretMasker,
  workspace: string,
  root: string = workspace,
): Inputs {
  const registry = getRegistryInputs(
    reader,
    masker,
    reader.multiline('image').map((line) => line.split(/\s+/)[0] ?? ''),
  );
  const kind = reader.choice('kind', KINDS, 'image');
  const builder = reader.choice('builder', BUILDERS, 'auto');
  const ifExists = reader.choice('if-exists', ['skip', 'fail'] as const, 'skip');
  const extraTags = reader.list('extra-tags');
  for (const tag of extraTags) assertValidTag(tag, 'extra-tags');
  const sha = getShaTagInputs(reader);

  const defaults: Record<LineSetting, string[]> = {
    context: optionalList(reader.optional('context')),
    file: optionalList(reader.optional('file')),
    target: optionalList(reader.optional('target')),
    'build-arg': reader.multiline('build-args'),
    platforms: optionalList(reader.optional('platforms')),
    'from-oci-layout': optionalList(reader.optional('from-oci-layout')),
    path: optionalList(reader.optional('path')),
    'media-type': optionalList(reader.optional('media-type')),
  };

  const lines = reader.multiline('image');
  if (lines.length === 0) {
    throw new ConfigurationError(
      words`${input('image')} is required: name the repository to push to, e.g. ghcr.io/acme/api.`,
    );
  }
  const images = lines.map((line, index) =>
    readImageLine(line, index, lines.length, defaults, kind, { workspace, root }),
  );
  const repositories = images.map((image) => image.repository);
  const duplicate = repositories.find((repository, index) => repositories.indexOf(repository) !== index);
  if (duplicate)
    throw new ConfigurationError(
      words`${input('image')} names ${duplicate} twice: give each repository once.`,
    );

  return {
    kind,
    images,
    builder,
    extraTags,
    latest: reader.boolean('latest', false),
    sha,
    ifExists,
    allowYanked: reader.boolean('allow-yanked', false),
    allowDirty: reader.boolean('allow-dirty', false),
    settleMs: getSettleMs(reader),
    registry,
  };
}

function optionalList(value: string | undefined): string[] {
  return value === undefined ? [] : [value];
}

function readImageLine(
  line: string,
  index: number,
  count: number,
  defaults: Record<LineSetting, string[]>,
  kind: Kind,
  { workspace, root }: { workspace: string; root: string },
): ImageTarget {
  const where = count > 1 ? words`${input('image')} line ${index + 1}` : input('image');
  const [reference = '', ...settings] = line.split(/\s+/);
  if (hasVersion(parseReference(reference, { inputName: 'image' }))) {
    throw new ConfigurationError(
      words`${where} names a version: drop the tag or digest from "${reference}"; the sha tag is added for you.`,
    );
  }

  const values: Record<LineSetting, string[]> = { ...defaults, 'build-arg': [...defaults['build-arg']] };
  const seen = new Set<LineSetting>();
  for (const setting of settings) {
    const equals = setting.indexOf('=');
    const key = (equals === -1 ? setting : setting.slice(0, equals)) as LineSetting;
    if (equals === -1 || !LINE_SETTINGS.includes(key)) {
      throw new ConfigurationError(
        words`${where} has the unknown setting "${setting}": write key=value with one of ${LINE_SETTINGS.join(', ')}.`,
      );
    }
    const value = setting.slice(equals + 1);
    if (key === 'build-arg') {
      // A line's build args add to the input's; the first of a line replaces nothing.
      values['build-arg'].push(value);
    } else {
      if (seen.has(key)) throw new ConfigurationError(words`${where} sets "${key}" twice: keep one.`);
      values[key] = [value];
    }
    seen.add(key);
  }

  const first = (key: LineSetting) => values[key][0] || undefined;
  // Every path stays inside: a file or context from elsewhere on the runner (its Docker config, a
  // symlink committed to point there) would otherwise be packed and pushed to the registry.
  const fromWorkspace = (value: string, setting: LineSetting, fix: string) => {
    const path = isAbsolute(value) ? value : resolve(workspace, value);
    if (resolveInside(root, path) === undefined) {
      throw new ConfigurationError(
        words`${input(setting)} names ${value}, which leads outside the workspace (${root}): ${fix}.`,
      );
    }
    return path;
  };
  const target: ImageTarget = {
    repository: reference,
    context: fromWorkspace(first('context') ?? '.', 'context', 'name a directory inside it'),
    file: '',
    buildArgs: values['build-arg'],
    platforms: (first('platforms') ?? '')
      .split(',')
      .map((platform) => platform.trim())
      .filter(Boolean),
  };
  for (const arg of target.buildArgs) {
    if (!BUILD_ARG.test(arg)) {
      throw new ConfigurationError(
        words`Build argument "${arg}" is invalid: write KEY=value, one per line in ${inputName('build-args')}.`,
      );
    }
  }
  for (const platform of target.platforms) {
    if (!PLATFORM.test(platform)) {
      throw new ConfigurationError(
        words`${input('platforms')} has "${platform}", which is not a platform: write os/arch[/variant], comma-separated, e.g. linux/amd64,linux/arm64/v8.`,
      );
    }
  }
  const stage = first('target');
  if (stage !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(stage)) {
      throw new ConfigurationError(
        words`${input('target')} value "${stage}" is not a build stage name: give the name after AS in the Dockerfile's FROM line (letters, digits, ".", "_", "-"), e.g. runtime.`,
      );
    }
    target.target = stage;
  }

  if (kind === 'archive') {
    const path = first('path');
    if (path === undefined) {
      throw new ConfigurationError(
        words`${input('path')} is required with ${inputValue('kind', 'archive')}: name the file to store, e.g. .serverless/api.zip.`,
      );
    }
    target.path = fromWorkspace(path, 'path', 'name a file inside it, e.g. .serverless/api.zip');
    requireEntry(target.path, 'file', words`${input('path')} names ${path}`);
    target.mediaType = first('media-type') ?? mediaTypeOf(path);
    return target;
  }

  const layout = first('from-oci-layout');
  if (layout !== undefined) {
    const layoutReference = parseReference(layout.startsWith('oci:') ? layout : `oci:${layout}`, {
      inputName: 'from-oci-layout',
    });
    if (layoutReference.kind !== 'layout')
      throw new ConfigurationError(words`${input('from-oci-layout')} must name a directory.`);
    const dir = fromWorkspace(
      layoutReference.path,
      'from-oci-layout',
      'write the layout inside it, e.g. to a git-ignored .build/layout',
    );
    requireEntry(
      join(dir, 'index.json'),
      'file',
      words`${input('from-oci-layout')} names ${layoutReference.path}`,
      'an OCI layout (no index.json)',
    );
    target.fromOciLayout = `oci:${dir}${layoutReference.tag ? `:${layoutReference.tag}` : ''}`;
    return target;
  }

  requireEntry(target.context, 'directory', words`${input('context')} names ${first('context') ?? '.'}`);
  const file = first('file');
  target.file = fromWorkspace(
    file ?? join(target.context, 'Dockerfile'),
    'file',
    'name a Dockerfile inside it',
  );
  requireEntry(target.file, 'file', `The Dockerfile ${file ?? join(first('context') ?? '.', 'Dockerfile')}`);
  return target;
}

/** Checks a path exists with the right type; the message says what to do about it. */
function requireEntry(path: string, type: 'file' | 'directory', what: WordingPart, expected?: string): void {
  let ok = false;
  try {
    const info = statSync(path);
    ok = type === 'file' ? info.isFile() : info.isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new ConfigurationError(
      words`${what}, which is not ${expected ?? `a ${type}`} (looked at ${path}): check the path, ${forAudience(
        {
          action:
            'relative to the workspace, and that an earlier step created it (actions/checkout, the build)',
          cli: 'relative to the current directory, and that it was checked out or built',
        },
      )}.`,
    );
  }
}

/** The media type of an archive from its file name; anything unknown is a plain byte stream. */
export function mediaTypeOf(path: string): string {
  const name = path.toLowerCase();
  if (name.endsWith('.zip')) return 'application/zip';
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return 'application/gzip';
  if (name.endsWith('.tar')) return 'application/x-tar';
  if (name.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}
