import { ConfigurationError, input, words } from '@flow-actions/action-kit';

/**
 * Why `name` cannot be a branch, or undefined when it can: the rules of `git check-ref-format
 * --branch`, checked before git sees the name — a leading `-` would read as an option on git's
 * command line. The single `@` is refused too: git's own check expands it to HEAD.
 */
export function branchNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.startsWith('-')) return 'it starts with "-", which git would read as an option';
  if (name === 'HEAD' || name === '@') return `"${name}" names the current commit, not a branch`;
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//'))
    return 'it starts or ends with "/", or has "//"';
  if (name.endsWith('.')) return 'it ends with "."';
  if (name.includes('..')) return 'it contains ".."';
  if (name.includes('@{')) return 'it contains "@{"';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what git refuses.
  const forbidden = /[\u0000-\u0020\u007f~^:?*[\\]/.exec(name);
  if (forbidden) return `it contains ${JSON.stringify(forbidden[0])}`;
  for (const component of name.split('/')) {
    if (component.startsWith('.')) return `its part "${component}" starts with "."`;
    if (component.endsWith('.lock')) return `its part "${component}" ends with ".lock"`;
  }
  return undefined;
}

/** Throws a ConfigurationError naming the input unless `name` is a valid branch name. */
export function checkBranchName(name: string, inputName: string): void {
  const problem = branchNameProblem(name);
  if (problem) {
    throw new ConfigurationError(
      words`${input(inputName)} ${JSON.stringify(name)} is not a valid branch name: ${problem}. Give a branch as git accepts it (git check-ref-format --branch), e.g. main or deploy/stage.`,
    );
  }
}
