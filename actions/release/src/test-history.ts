import { createHistory, type History, type HistoryCommit } from './history';

/** A commit for tests and the benchmark: `message` is the subject, a blank line, then the body. */
export function testCommit(
  sha: string,
  parents: readonly string[],
  message: string,
  options: { paths?: readonly string[]; login?: string; name?: string } = {},
): HistoryCommit {
  const [subject = '', ...rest] = message.split('\n');
  return {
    sha,
    parents,
    subject,
    body: rest.join('\n').trim(),
    author: { name: options.name ?? 'Dev', ...(options.login ? { login: options.login } : {}) },
    paths: options.paths ?? ['src/index.ts'],
  };
}

/** A first-parent line of commits `c1`… from the messages given, oldest first, with tags by commit number. */
export function linearHistory(messages: readonly string[], tags: Record<string, number> = {}): History {
  const commits = messages.map((message, index) =>
    testCommit(`c${index + 1}`, index === 0 ? [] : [`c${index}`], message),
  );
  return createHistory(
    commits,
    Object.entries(tags).map(([tag, number]) => [tag, `c${number}`] as const),
  );
}
