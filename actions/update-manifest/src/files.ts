import { lstat, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ConfigurationError, input, inputs, resolveInside, words } from '@flow-actions/action-kit';
import { type EditOptions, editManifest, type FileUpdate } from './manifest-edit';

const YAML_FILE = /\.ya?ml$/i;

export interface CollectFilesOptions {
  /** For the error message: the repository and branch the paths were looked up in. */
  where: string;
}

/**
 * The YAML files under the given paths, relative to `root`, sorted. Folders are searched
 * recursively, skipping hidden folders and a chart's `templates/` (Go templates are not YAML).
 * Symbolic links are not followed out of the repository.
 */
export async function collectManifestFiles(
  root: string,
  paths: readonly string[],
  options: CollectFilesOptions,
): Promise<string[]> {
  const realRoot = await realpath(root);
  const found = new Set<string>();
  for (const path of paths) {
    const absolute = join(root, path);
    const stats = await lstat(absolute).catch(() => undefined);
    if (!stats) {
      throw new ConfigurationError(
        words`Path "${path}" does not exist in ${options.where}: check ${input('path')}.`,
      );
    }
    if (resolveInside(root, path) === undefined) {
      throw new ConfigurationError(
        words`Path "${path}" leads outside the manifest repository: check ${input('path')}.`,
      );
    }
    const real = await realpath(absolute);
    if ((await lstat(real)).isDirectory()) {
      for (const file of await walk(real)) found.add(relative(realRoot, file).split(sep).join('/'));
    } else {
      found.add(relative(realRoot, real).split(sep).join('/'));
    }
  }
  return [...found].sort();
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const isChart = entries.some((entry) => entry.isFile() && entry.name === 'Chart.yaml');
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) {
      if (isChart && entry.name === 'templates') continue;
      files.push(...(await walk(join(dir, entry.name))));
    } else if (entry.isFile() && YAML_FILE.test(entry.name) && !(isChart && entry.name === 'Chart.yaml')) {
      files.push(join(dir, entry.name));
    }
  }
  return files;
}

export interface PlanOptions extends EditOptions {
  /** The paths the user gave, for error messages. */
  paths: readonly string[];
}

/**
 * Edits every file in memory and checks the result as a whole before anything is written: the
 * image must be found somewhere, and every Helm key must exist in some file.
 */
export async function planFileUpdates(
  root: string,
  files: readonly string[],
  options: PlanOptions,
): Promise<FileUpdate[]> {
  const updates: FileUpdate[] = [];
  for (const file of files) {
    updates.push(editManifest(file, await readFile(join(root, file), 'utf8'), options));
  }
  const where = options.paths.join(', ');
  const foundKeys = new Set(updates.flatMap((update) => update.foundKeys));
  const unknown = options.helmKeys.filter((key) => !foundKeys.has(key));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      words`Helm key ${unknown.join(', ')} exists in no values file under ${where}: check ${input('helm-key')} (e.g. image.tag).`,
    );
  }
  if (!updates.some((update) => update.matched)) {
    const searched = files.length === 0 ? 'no YAML files' : `${files.length} YAML file(s)`;
    throw new ConfigurationError(
      words`Image ${options.target.name} was found in no file under ${where} (searched ${searched}): check ${inputs('image', 'path', 'format')}.`,
    );
  }
  return updates;
}

/** Writes the files whose content changed. */
export async function writeFileUpdates(root: string, updates: readonly FileUpdate[]): Promise<void> {
  for (const update of updates) {
    if (update.changes.length > 0) await writeFile(join(root, update.file), update.content, 'utf8');
  }
}
