import { ConfigurationError, input, inputName, words } from '@flow-actions/action-kit';
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import {
  formatImageReference,
  type ImageTarget,
  parseImageReference,
  sameImageName,
} from './image-reference';
import {
  applyTextEdits,
  deleteMapKey,
  findPair,
  getPath,
  type ParsedDocument,
  parseYamlDocuments,
  replaceScalar,
  scalarString,
  setMapValue,
  type TextEdit,
} from './yaml-edit';

export const FORMATS = ['auto', 'kustomize', 'helm', 'kubernetes'] as const;
export type FormatInput = (typeof FORMATS)[number];
export type ManifestFormat = Exclude<FormatInput, 'auto'>;

/** One value that moved. `from` undefined: the key was added; `to` undefined: it was removed. */
export interface FieldChange {
  file: string;
  /** Where in the file: `images[app].newTag`, `Deployment/api containers[api].image`, `image.tag`. */
  field: string;
  from?: string;
  to?: string;
}

export interface FileUpdate {
  file: string;
  /** How the file was read; undefined when it is none of the formats (it is left alone). */
  format?: ManifestFormat;
  /** The image was found in the file, whether or not its value changes. */
  matched: boolean;
  changes: FieldChange[];
  /** The Helm keys that exist in the file. */
  foundKeys: string[];
  /** The file's new text (the old one when nothing changes). */
  content: string;
}

export interface EditOptions {
  target: ImageTarget;
  /** `auto` reads kustomization files as kustomize, files of Kubernetes objects as Kubernetes, others as Helm values when helmKeys is set. */
  format: FormatInput;
  /** Helm value key paths such as `image.tag`; empty when there is no Helm file. */
  helmKeys: readonly string[];
}

const KUSTOMIZATION_NAMES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

// Where each workload keeps its pod spec.
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
const CONTAINER_LISTS = ['initContainers', 'containers'] as const;

const HELM_KEY_PATTERN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+|\[\d+\])*$/;

/** Splits `image.tag` or `containers[0].image` into path segments; a bad key is the user's to fix. */
export function parseHelmKey(key: string): string[] {
  if (!HELM_KEY_PATTERN.test(key)) {
    throw new ConfigurationError(
      words`${input('helm-key')} "${key}" is not a key path: use names joined by dots, with [N] for list items (e.g. image.tag).`,
    );
  }
  return key.replace(/\[(\d+)\]/g, '.$1').split('.');
}

type HelmRole = 'tag' | 'digest' | 'repository' | 'reference';

/**
 * What a Helm key holds, from its last segment: `tag`/`version` a tag, `digest` a digest,
 * `repository`/`repo` the image name (checked, never written), anything else a whole reference.
 */
export function helmKeyRole(key: string): HelmRole {
  const last = (parseHelmKey(key).at(-1) ?? '').toLowerCase();
  if (last === 'tag' || last === 'version' || last === 'imagetag') return 'tag';
  if (last === 'digest' || last === 'imagedigest') return 'digest';
  if (last === 'repository' || last === 'repo') return 'repository';
  return 'reference';
}

/** Edits one file's text. Pure: the caller reads and writes files. */
export function editManifest(file: string, source: string, options: EditOptions): FileUpdate {
  const documents = parseYamlDocuments(source, file);
  const format = detectFormat(file, documents, options);
  const unchanged: FileUpdate = { file, matched: false, changes: [], foundKeys: [], content: source };
  if (!format) return unchanged;
  const context: EditContext = {
    file,
    source,
    target: options.target,
    edits: [],
    changes: [],
    matched: false,
  };
  let foundKeys: string[] = [];
  for (const document of documents) {
    if (format === 'kustomize') editKustomization(document, context);
    else if (format === 'kubernetes') editKubernetes(document, context);
    else foundKeys = [...new Set([...foundKeys, ...editHelmValues(document, context, options.helmKeys)])];
  }
  const content = applyTextEdits(source, context.edits);
  // The result must still parse: a broken manifest would be worse than no deploy.
  parseYamlDocuments(content, file);
  return { file, format, matched: context.matched, changes: context.changes, foundKeys, content };
}

function detectFormat(
  file: string,
  documents: readonly ParsedDocument[],
  options: EditOptions,
): ManifestFormat | undefined {
  const base = file.split('/').at(-1) ?? file;
  if (options.format !== 'auto') return options.format;
  if (KUSTOMIZATION_NAMES.has(base)) return 'kustomize';
  const objects = documents.filter((d) => isMap(d.contents) && d.get('kind') && d.get('apiVersion'));
  if (objects.some((d) => d.get('kind') === 'Kustomization')) return 'kustomize';
  if (objects.length > 0) return 'kubernetes';
  if (options.helmKeys.length > 0) return 'helm';
  return undefined;
}

interface EditContext {
  file: string;
  source: string;
  target: ImageTarget;
  edits: TextEdit[];
  changes: FieldChange[];
  matched: boolean;
}

function record(
  context: EditContext,
  edit: TextEdit | undefined,
  field: string,
  from?: string,
  to?: string,
): void {
  if (!edit) return;
  context.edits.push(edit);
  context.changes.push({
    file: context.file,
    field,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  });
}

/**
 * Kustomize `images:` entries whose `name` or `newName` is the image: `newTag` takes the tag and
 * `digest` the digest. A digest left from an older deploy would override a new tag, and a tag
 * left beside a new digest would misreport what runs, so each is removed when not given.
 */
function editKustomization(document: ParsedDocument, context: EditContext): void {
  const images = getPath(document.contents, ['images']);
  if (!isSeq(images)) return;
  for (const entry of images.items) {
    if (!isMap(entry)) continue;
    const name = scalarString(findPair(entry, 'name')?.value);
    const newName = scalarString(findPair(entry, 'newName')?.value);
    const matches = [name, newName].some(
      (value) => value !== undefined && sameImageName(value, context.target.name),
    );
    if (!matches) continue;
    context.matched = true;
    const label = `images[${name ?? newName}]`;
    applyKustomizeField(context, entry, label, 'newTag', context.target.tag);
    applyKustomizeField(context, entry, label, 'digest', context.target.digest);
  }
}

function applyKustomizeField(
  context: EditContext,
  entry: YAMLMap,
  label: string,
  key: string,
  value: string | undefined,
): void {
  const before = scalarString(findPair(entry, key)?.value);
  const edit =
    value === undefined
      ? deleteMapKey(context.source, entry, key)
      : setMapValue(context.source, entry, key, value);
  record(context, edit, `${label}.${key}`, before, value);
}

/** The `image` of every container and init container of the workloads Kubernetes runs pods from. */
function editKubernetes(document: ParsedDocument, context: EditContext): void {
  const root = document.contents;
  if (!isMap(root)) return;
  const kind = scalarString(findPair(root, 'kind')?.value);
  const specPath = kind ? POD_SPEC_PATHS[kind] : undefined;
  if (!kind || !specPath) return;
  const objectName = scalarString(getPath(root, ['metadata', 'name'])) ?? '?';
  const podSpec = getPath(root, specPath);
  for (const list of CONTAINER_LISTS) {
    const containers = getPath(podSpec, [list]);
    if (!isSeq(containers)) continue;
    for (const container of containers.items) {
      if (!isMap(container)) continue;
      const imageNode = findPair(container, 'image')?.value;
      const current = scalarString(imageNode);
      if (!isScalar(imageNode) || current === undefined) continue;
      const reference = parseImageReference(current);
      if (!sameImageName(reference.name, context.target.name)) continue;
      context.matched = true;
      const next = formatImageReference(reference.name, context.target);
      if (next === current) continue;
      const containerName = scalarString(findPair(container, 'name')?.value) ?? '?';
      record(
        context,
        replaceScalar(context.source, imageNode, next),
        `${kind}/${objectName} ${list}[${containerName}].image`,
        current,
        next,
      );
    }
  }
}

/** Returns the keys found in this document. */
function editHelmValues(document: ParsedDocument, context: EditContext, keys: readonly string[]): string[] {
  const found = keys
    .map((key) => ({ key, path: parseHelmKey(key), role: helmKeyRole(key) }))
    .map((entry) => ({ ...entry, node: getPathIncludingNull(document.contents, entry.path) }))
    .filter((entry) => entry.node !== undefined);
  if (found.length === 0) return [];
  const { target } = context;
  for (const entry of found) {
    if (!isScalar(entry.node)) {
      throw new ConfigurationError(
        `${context.file}: Helm key ${entry.key} holds a ${isMap(entry.node) ? 'map' : 'list'}, not a value; name the key of the value itself (e.g. ${entry.key}.tag).`,
      );
    }
  }
  if (!found.every((entry) => helmEntryMatches(document, entry.path, entry.role, target))) {
    return found.map((entry) => entry.key);
  }
  context.matched = true;
  const hasDigestKey = found.some((entry) => entry.role === 'digest');
  for (const { key, role, node } of found) {
    if (!isScalar(node)) continue;
    const current = scalarString(node);
    const next = helmValue(context.file, key, role, current, target, hasDigestKey);
    if (next === undefined || next === current || (next === '' && current === undefined)) continue;
    record(context, replaceScalar(context.source, node, next), key, current, next);
  }
  return found.map((entry) => entry.key);
}

function helmValue(
  file: string,
  key: string,
  role: HelmRole,
  current: string | undefined,
  target: ImageTarget,
  hasDigestKey: boolean,
): string | undefined {
  if (role === 'repository') return undefined;
  if (role === 'digest') return target.digest ?? '';
  if (role === 'reference') {
    const name = current ? parseImageReference(current).name : target.name;
    return formatImageReference(name, target);
  }
  if (target.tag === undefined) {
    // Only a digest, and the chart has nowhere to put it but the tag.
    if (hasDigestKey) return undefined;
    throw new ConfigurationError(
      words`${file}: Helm key ${key} holds a tag but only ${inputName('digest')} was given: give ${inputName('tag')} too (written as tag@digest), or add the chart's digest key (e.g. image.digest) to ${inputName('helm-key')}.`,
    );
  }
  return target.digest && !hasDigestKey ? `${target.tag}@${target.digest}` : target.tag;
}

/**
 * Whether a Helm key is about the image: a `repository` key (or the `repository` beside a tag or
 * digest key, with a `registry` beside it if there is one) must name it; a whole reference must
 * name it too. A key with nothing to compare matches on its own.
 */
function helmEntryMatches(
  document: ParsedDocument,
  path: readonly string[],
  role: HelmRole,
  target: ImageTarget,
): boolean {
  const value = scalarString(getPath(document.contents, path));
  if (role === 'reference')
    return value === undefined || sameImageName(parseImageReference(value).name, target.name);
  const parent = getPath(document.contents, path.slice(0, -1));
  const repository =
    role === 'repository'
      ? value
      : scalarString(isMap(parent) ? findPair(parent, 'repository')?.value : undefined);
  if (repository === undefined) return true;
  const registry = isMap(parent) ? scalarString(findPair(parent, 'registry')?.value) : undefined;
  const name = registry ? `${registry}/${repository}` : repository;
  return sameImageName(name, target.name) || sameImageName(repository, target.name);
}

/** Like getPath, but an explicit null (`digest:`) counts as present. */
function getPathIncludingNull(root: unknown, path: readonly string[]): unknown {
  const parent = getPath(root, path.slice(0, -1));
  const last = path.at(-1);
  if (last === undefined) return undefined;
  if (path.length > 1 && parent === undefined) return undefined;
  const container = path.length > 1 ? parent : root;
  if (isMap(container)) return findPair(container, last)?.value ?? undefined;
  if (isSeq(container) && /^\d+$/.test(last)) return container.items[Number(last)] ?? undefined;
  return undefined;
}
