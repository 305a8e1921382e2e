import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * `path` (absolute, or relative to `root`) as an absolute path, or undefined when it leads
 * outside `root`: by `..`, by an absolute path elsewhere, or through a symbolic link whose target
 * is elsewhere. A path that does not exist is judged by its words alone, so the caller can say
 * it is missing. This is how a workflow input is kept from reaching the runner's other files
 * (its credentials, another checkout) through a crafted path or a committed symlink.
 */
export function resolveInside(root: string, path: string): string | undefined {
  const absolute = resolve(root, path);
  if (!contains(resolve(root), absolute)) return undefined;
  const real = realPath(absolute);
  if (real !== undefined && !contains(realPath(root) ?? resolve(root), real)) return undefined;
  return absolute;
}

function contains(root: string, path: string): boolean {
  const rest = relative(root, path);
  return rest === '' || (rest !== '..' && !rest.startsWith(`..${sep}`) && !isAbsolute(rest));
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
