import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigurationError,
  type ExecOptions,
  type ExecResult,
  exec,
  inputName,
  inputValue,
  type Logger,
  nullLogger,
  type SecretMasker,
  setInput,
  words,
} from '@flow-actions/action-kit';
import { isDigest } from '@flow-actions/oci-store';
import type { BuilderChoice } from './inputs';

/** The exec wrapper's shape, so tests can pass a recording one. */
export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/** What to build: one Dockerfile build, with the lineage as labels and manifest annotations. */
export interface BuildSpec {
  context: string;
  file: string;
  target?: string;
  buildArgs: readonly string[];
  platforms: readonly string[];
  /** Image config labels. */
  labels: Record<string, string>;
  /** Manifest annotations: the skip path reads the revision from these without fetching the config. */
  annotations: Record<string, string>;
  /** `registry/repository` the image is for: buildx pushes it there by digest, the caller tags it. */
  repository: string;
  /** The registry host of the destination, for credentials. */
  registry: string;
  /** A private directory for this build (storage, layout, metadata); the caller removes it. */
  workDir: string;
}

/** Where a build left its image. */
export type BuiltImage =
  /** In a local OCI layout: the caller pushes it through the store, so every push is verified. */
  | { kind: 'layout'; layout: string; tag: string }
  /** Already pushed by the builder to `repository`, by digest only: no tag is written. */
  | { kind: 'pushed'; digest: string };

export interface Builder {
  readonly name: 'buildx' | 'buildah';
  build(spec: BuildSpec): Promise<BuiltImage>;
}

export interface BuilderOptions {
  /** Default: the action kit's exec (argument arrays, never a shell). */
  exec?: Exec;
  /** Default: nullLogger. */
  logger?: Logger;
  /** Redacts secrets from logged command lines. Default: none. */
  masker?: SecretMasker;
  /** Explicit registry credentials; default: the builder's own (the Docker config). */
  username?: string;
  password?: string;
  /** The one registry `username` and `password` log in to. Default: the destination's. */
  credentialsRegistry?: string;
  /** Environment of the builder processes. Default: this process's. */
  env?: NodeJS.ProcessEnv;
}

export const BUILDAH_INSTALL = 'sudo apt-get install -y buildah';
export const BUILDX_INSTALL = 'docker/setup-buildx-action (or the docker-buildx-plugin package)';

/**
 * Picks the builder: `auto` is buildx when `docker buildx version` works, else buildah, else a
 * clear error naming both installs. An explicit choice must be installed.
 */
export async function selectBuilder(choice: BuilderChoice, options: BuilderOptions = {}): Promise<Builder> {
  const run = options.exec ?? exec;
  const works = async (command: string, args: string[]) => {
    try {
      return (await run(command, args, { allowFailure: true, env: options.env })).exitCode === 0;
    } catch {
      return false;
    }
  };
  if (choice !== 'buildah' && (await works('docker', ['buildx', 'version'])))
    return new BuildxBuilder(options);
  if (choice === 'buildx') {
    throw new ConfigurationError(
      words`${inputValue('builder', 'buildx')} was asked for, but "docker buildx version" fails: install it with ${BUILDX_INSTALL}, or ${setInput('builder', 'buildah')}.`,
    );
  }
  if (await works('buildah', ['--version'])) return new BuildahBuilder(options);
  throw new ConfigurationError(
    choice === 'buildah'
      ? words`${inputValue('builder', 'buildah')} was asked for, but buildah is not installed: run "${BUILDAH_INSTALL}".`
      : words`No image builder found: install Docker buildx (${BUILDX_INSTALL}) or buildah ("${BUILDAH_INSTALL}"), or push a ready image with ${inputName('from-oci-layout')}.`,
  );
}

function keyValues(flag: string, values: Record<string, string>): string[] {
  return Object.entries(values).flatMap(([key, value]) => [flag, `${key}=${value}`]);
}

function commonBuildArgs(spec: BuildSpec): string[] {
  return [
    '--file',
    spec.file,
    ...(spec.target ? ['--target', spec.target] : []),
    ...spec.buildArgs.flatMap((arg) => ['--build-arg', arg]),
    ...(spec.platforms.length > 0 ? ['--platform', spec.platforms.join(',')] : []),
    ...keyValues('--label', spec.labels),
    ...keyValues('--annotation', spec.annotations),
  ];
}

/**
 * `docker buildx build` pushing by digest: buildx pushes itself (its builders cannot write into our
 * store), but no tag — the sha tag is the caller's to write, checked against a racing build just
 * before, as every immutable tag is. The digest comes from `--metadata-file`. Credentials given as
 * inputs reach docker through `docker login --password-stdin`, as docker/login-action does: never
 * on a command line.
 */
export class BuildxBuilder implements Builder {
  readonly name = 'buildx';
  readonly #options: BuilderOptions;

  constructor(options: BuilderOptions = {}) {
    this.#options = options;
  }

  /** The argument array of the build, for a given metadata file. */
  static buildArgs(spec: BuildSpec, metadataFile: string): string[] {
    return [
      'buildx',
      'build',
      ...commonBuildArgs(spec),
      '--output',
      `type=image,name=${spec.repository},push-by-digest=true,name-canonical=true,push=true`,
      '--metadata-file',
      metadataFile,
      spec.context,
    ];
  }

  async build(spec: BuildSpec): Promise<BuiltImage> {
    const run = this.#options.exec ?? exec;
    const common = { env: this.#options.env, logger: this.#options.logger, masker: this.#options.masker };
    if (this.#options.username && this.#options.password) {
      await run(
        'docker',
        [
          'login',
          '--username',
          this.#options.username,
          '--password-stdin',
          this.#options.credentialsRegistry ?? spec.registry,
        ],
        {
          ...common,
          input: this.#options.password,
        },
      );
    }
    const metadataFile = join(spec.workDir, 'buildx-metadata.json');
    await run('docker', BuildxBuilder.buildArgs(spec, metadataFile), {
      ...common,
      onOutput: (chunk) => (this.#options.logger ?? nullLogger).info(chunk.trimEnd()),
    });
    return {
      kind: 'pushed',
      digest: parseBuildxMetadata(await readFile(metadataFile, 'utf8'), metadataFile),
    };
  }
}

/** The pushed digest from buildx's `--metadata-file` (`containerimage.digest`). */
export function parseBuildxMetadata(text: string, file = 'the buildx metadata file'): string {
  let digest: unknown;
  try {
    digest = (JSON.parse(text) as Record<string, unknown>)['containerimage.digest'];
  } catch {
    digest = undefined;
  }
  if (!isDigest(digest)) {
    throw new Error(`docker buildx wrote no containerimage.digest to ${file}: is this buildx 0.9 or later?`);
  }
  return digest;
}

/**
 * buildah without a daemon: `buildah build` into a private vfs storage under the work directory
 * (chroot isolation, so it runs unprivileged and in containers), then `buildah push` into an OCI
 * layout there. The caller pushes that layout through the store: one verified push path for every
 * builder, and registry credentials never reach buildah's push. They reach its base-image pulls
 * through an `--authfile` written with mode 0600 in the work directory.
 */
export class BuildahBuilder implements Builder {
  readonly name = 'buildah';
  readonly #options: BuilderOptions;

  constructor(options: BuilderOptions = {}) {
    this.#options = options;
  }

  /** Global flags: the private storage of this build. */
  static storageArgs(workDir: string): string[] {
    return ['--storage-driver', 'vfs', '--root', join(workDir, 'storage'), '--runroot', join(workDir, 'run')];
  }

  async build(spec: BuildSpec): Promise<BuiltImage> {
    const run = this.#options.exec ?? exec;
    const common = { env: this.#options.env, logger: this.#options.logger, masker: this.#options.masker };
    const storage = BuildahBuilder.storageArgs(spec.workDir);
    const authfile = await this.#writeAuthfile(spec);
    const name = 'localhost/flow-build-by-sha:build';
    const multiPlatform = spec.platforms.length > 1;
    await run(
      'buildah',
      [
        ...storage,
        'build',
        '--isolation',
        'chroot',
        '--authfile',
        authfile,
        ...commonBuildArgs(spec),
        ...(multiPlatform ? ['--manifest', name] : ['--tag', name]),
        spec.context,
      ],
      { ...common, onOutput: (chunk) => (this.#options.logger ?? nullLogger).info(chunk.trimEnd()) },
    );
    const layout = join(spec.workDir, 'layout');
    const destination = `oci:${layout}:build`;
    await run(
      'buildah',
      multiPlatform
        ? [...storage, 'manifest', 'push', '--all', '--authfile', authfile, name, destination]
        : [...storage, 'push', '--quiet', '--authfile', authfile, name, destination],
      common,
    );
    return { kind: 'layout', layout, tag: 'build' };
  }

  /**
   * Always an explicit authfile: buildah otherwise reads $DOCKER_CONFIG/config.json and fails when
   * that file does not exist. Explicit credentials go under their one registry, beside what the
   * Docker config holds for every other registry.
   */
  async #writeAuthfile(spec: BuildSpec): Promise<string> {
    const { username, password } = this.#options;
    const env = this.#options.env ?? process.env;
    const configDir = env.DOCKER_CONFIG ?? (env.HOME ? join(env.HOME, '.docker') : undefined);
    const dockerConfig = configDir ? join(configDir, 'config.json') : undefined;
    const hasDockerConfig = dockerConfig !== undefined && existsSync(dockerConfig);
    if ((!username || !password) && hasDockerConfig) return dockerConfig;
    const config = hasDockerConfig
      ? (JSON.parse(await readFile(dockerConfig, 'utf8')) as { auths?: Record<string, unknown> })
      : {};
    const auths = { ...config.auths };
    if (username && password) {
      auths[this.#options.credentialsRegistry ?? spec.registry] = {
        auth: Buffer.from(`${username}:${password}`).toString('base64'),
      };
    }
    const dir = join(spec.workDir, 'auth');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, 'auth.json');
    await writeFile(file, JSON.stringify({ ...config, auths }), { mode: 0o600 });
    await chmod(file, 0o600);
    return file;
  }
}
