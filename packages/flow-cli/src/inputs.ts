import { exec, type InputSource, isConfigurationError, type SecretMasker } from '@flow-actions/action-kit';
import type { RegistryInputs } from '@flow-actions/artifact-protocol';
import { type OpenStoreOptions, openStore } from '@flow-actions/oci-store';
import type { CommandContext, OptionSpec, ParsedArguments } from './command';
import { UsageError } from './command';

/** The flags every registry-facing command takes, named like the actions' inputs. */
export const REGISTRY_OPTIONS: Record<string, OptionSpec> = {
  username: {
    type: 'string',
    description:
      "Registry user for one registry (--registry, else the first image's); every other registry uses the Docker config. Needs --password.",
    defaultText: 'from $DOCKER_CONFIG/config.json or ~/.docker/config.json',
  },
  password: {
    type: 'string',
    description: 'Registry password or token (masked in every message). Needs --username.',
  },
  registry: {
    type: 'string',
    description: 'The registry (host[:port]) --username and --password log in to.',
    defaultText: "the first image's registry",
  },
  'insecure-registries': {
    type: 'string',
    multiple: true,
    description: 'A registry spoken to over plain HTTP besides loopback ones (repeatable).',
  },
};

/** The settle interval of every command that creates immutable tags, named like the actions' input. */
export const SETTLE_OPTION: Record<string, OptionSpec> = {
  'settle-seconds': {
    type: 'string',
    description:
      'After creating an immutable tag, wait this long and read it again, so that a concurrent run that wrote it too is caught (0 turns that off).',
    default: '2',
  },
};

export const SHA_OPTIONS: Record<string, OptionSpec> = {
  'sha-length': {
    type: 'string',
    description: 'Hex characters of the sha in a sha tag (4-40).',
    default: '7',
  },
  'tag-prefix': {
    type: 'string',
    description: 'Put before the short sha in a sha tag.',
  },
};

/**
 * The parsed flags as an action input source: a repeated flag becomes a multi-line input, a
 * boolean flag `true`, an absent flag its action.yml default. The actions' own `getInputs` then reads and checks them, so the command
 * line accepts exactly what the action accepts.
 */
export function createFlagInputSource(
  args: ParsedArguments,
  options: Record<string, OptionSpec>,
): InputSource {
  return (name) => {
    const value = args.values[name];
    if (value === undefined) return options[name]?.default;
    if (Array.isArray(value)) return value.join('\n');
    return String(value);
  };
}

/**
 * Runs an action's input reader; its refusals are usage errors, in the flags' words (`--to`)
 * since the wording is kept.
 */
export function readInputs<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isConfigurationError(error)) throw new UsageError(error.wording, { cause: error });
    throw error;
  }
}

/**
 * The commit the command is about: the flag's value, else `git rev-parse HEAD` in the working
 * directory. `flag` names the flag in the error. Default: `sha`.
 */
export async function currentCommit(
  explicit: string | undefined,
  context: CommandContext,
  flag = 'sha',
): Promise<string> {
  if (explicit) return explicit;
  const result = await exec('git', ['rev-parse', '--verify', 'HEAD'], {
    cwd: context.cwd,
    allowFailure: true,
  }).catch(() => undefined);
  const sha = result?.exitCode === 0 ? result.stdout.trim() : '';
  if (!/^[0-9a-f]{40}$/.test(sha)) {
    throw new UsageError(
      `no commit given and ${context.cwd} is not a git checkout with a HEAD: pass --${flag} <commit>`,
    );
  }
  return sha;
}

/** The repository URL for lineage: git's `origin` as a clean https URL, else undefined. */
export async function repositoryUrl(context: CommandContext): Promise<string | undefined> {
  const result = await exec('git', ['remote', 'get-url', 'origin'], {
    cwd: context.cwd,
    allowFailure: true,
  }).catch(() => undefined);
  return result?.exitCode === 0 ? sourceUrlFromRemote(result.stdout.trim()) : undefined;
}

/**
 * The GitHub repository (`owner/name`) of git's `origin` in the working directory, for commands
 * that call the GitHub API; `flag` names the flag that overrides it, in the error when origin
 * names none.
 */
export async function githubRepository(context: CommandContext, flag: string): Promise<string> {
  const url = await repositoryUrl(context);
  const path = url ? new URL(url).pathname.replace(/^\//, '') : '';
  if (!/^[\w.-]+\/[\w.-]+$/.test(path)) {
    throw new UsageError(
      `no GitHub repository: ${context.cwd} has no origin remote of the form owner/name: pass --${flag} owner/name`,
    );
  }
  return path;
}

/**
 * A git remote as the https URL a lineage label may carry: `git@host:org/repo.git`,
 * `ssh://git@host:2222/org/repo.git` and `git://host/org/repo` become `https://host/org/repo`;
 * an http(s) remote keeps its host and port. User info (a token, a password) is dropped, never
 * passed on: labels are public. A local path or any other form gives undefined.
 */
export function sourceUrlFromRemote(remote: string): string | undefined {
  const scp = /^(?:[^@/:]+@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(?!\/\/)([^@]+)$/.exec(remote);
  if (scp && !remote.includes('://')) return httpsUrl(`https://${scp[1]}`, scp[2] as string);
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    return undefined;
  }
  if (url.protocol === 'https:' || url.protocol === 'http:')
    return httpsUrl(`${url.protocol}//${url.host}`, url.pathname);
  if (['ssh:', 'git+ssh:', 'ssh+git:', 'git:'].includes(url.protocol)) {
    return httpsUrl(`https://${url.hostname}`, url.pathname);
  }
  return undefined;
}

function httpsUrl(origin: string, path: string): string | undefined {
  const clean = path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  return clean ? `${origin}/${clean}` : undefined;
}

/** Opens stores the way the actions do: --username/--password for their one registry, else the Docker config. */
export function createStoreOpener(registry: RegistryInputs, context: CommandContext, masker: SecretMasker) {
  return (reference: string, options: OpenStoreOptions = {}) =>
    openStore(reference, {
      ...registry,
      ...options,
      masker,
      logger: context.logger,
      env: context.env,
      ...(context.onUploadProgress ? { onUploadProgress: context.onUploadProgress } : {}),
    });
}
