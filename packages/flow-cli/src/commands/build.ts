import { realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { relative, resolve } from 'node:path';
import { InputReader, isConfigurationError } from '@flow-actions/action-kit';
import {
  checkSources,
  mapIntoTree,
  readCheckout,
  resolveCommitIn,
  withCommitTree,
} from '@flow-actions/build-by-sha/checkout';
import { buildBySha, readLayoutRevision } from '@flow-actions/build-by-sha/core';
import { createBuildDependencies } from '@flow-actions/build-by-sha/dependencies';
import { getInputs, type ImageTarget } from '@flow-actions/build-by-sha/inputs';
import { shortSha } from '@flow-actions/commit-identity';
import { type Command, type CommandContext, UsageError } from '../command';
import {
  createFlagInputSource,
  createStoreOpener,
  currentCommit,
  REGISTRY_OPTIONS,
  readInputs,
  repositoryUrl,
  SETTLE_OPTION,
  SHA_OPTIONS,
} from '../inputs';
import { describeMove } from '../output';

export const buildCommand: Command = {
  name: 'build',
  summary: "Ensure the commit's artifact exists exactly once: reuse it if built, else build and push <sha>.",
  usage: '--image <repo> [--sha <commit>] [options]',
  details: [
    'Builds with buildah or docker buildx from a Dockerfile, pushes a ready OCI layout (--from-oci-layout),',
    'or stores a file as an OCI artifact (--kind archive --path <file>). A yanked commit is refused.',
    'Without --sha, the commit checked out in the current directory (git rev-parse HEAD) is built; uncommitted',
    'or untracked changes (not git-ignored) that reach the build are refused, naming the files. --allow-dirty',
    'builds them anyway under dirty-<short sha>-<digest of the changes>, never the sha tag, with a warning.',
    "With --sha of another commit, that commit's own files are built from a temporary git worktree; an",
    "archive it does not track, or a layout without its revision label, is refused (made from HEAD's files).",
    'An image line may carry its own settings, as in the action: --image "oci:out context=./api file=./api/Dockerfile".',
  ],
  options: {
    image: {
      type: 'string',
      multiple: true,
      description:
        'Repository to push to: registry/repo or oci:<dir>, optionally followed by key=value settings.',
    },
    sha: {
      type: 'string',
      description:
        'The commit to build: a sha (abbreviated too), branch or tag; another than HEAD is built from its own files in a temporary worktree.',
      defaultText: 'git rev-parse HEAD',
    },
    source: {
      type: 'string',
      description:
        'Repository URL for the lineage; without it and without an origin remote, no source label.',
      defaultText: "git's origin remote as https, without user info",
    },
    kind: { type: 'string', description: 'image or archive.', default: 'image' },
    context: { type: 'string', description: 'Build context directory.', default: '.' },
    file: { type: 'string', description: 'Dockerfile.', defaultText: '<context>/Dockerfile' },
    'build-args': { type: 'string', multiple: true, description: 'KEY=value build argument.' },
    platforms: {
      type: 'string',
      description: 'os/arch list, comma-separated.',
      defaultText: "the builder's own",
    },
    target: { type: 'string', description: 'Dockerfile stage to build.' },
    builder: { type: 'string', description: 'auto, buildx or buildah.', default: 'auto' },
    'from-oci-layout': {
      type: 'string',
      description: 'oci:<dir>[:tag] of a ready image to push instead of building.',
    },
    path: { type: 'string', description: 'The file to store (--kind archive).' },
    'media-type': {
      type: 'string',
      description: "The archive layer's media type.",
      defaultText: 'from the file name',
    },
    'extra-tags': { type: 'string', multiple: true, description: 'Moving tags to set as well, e.g. pr-42.' },
    latest: { type: 'boolean', description: 'Also tag latest.' },
    'if-exists': { type: 'string', description: 'skip (reuse the artifact) or fail.', default: 'skip' },
    'allow-yanked': { type: 'boolean', description: 'Build a yanked commit anyway.' },
    'allow-dirty': {
      type: 'boolean',
      description: 'Build uncommitted changes anyway, tagged dirty-<short sha>-<digest>, never the sha tag.',
    },
    ...SETTLE_OPTION,
    ...SHA_OPTIONS,
    ...REGISTRY_OPTIONS,
  },
  async run(args, context) {
    const checkout = await readCheckout(context.cwd);
    // Paths may not leave the repository (the directory, outside one); given in the cwd's spelling.
    const root = checkout
      ? resolve(context.cwd, relative(await realpath(context.cwd), checkout.root))
      : context.cwd;
    const inputs = readInputs(() =>
      getInputs(
        new InputReader(createFlagInputSource(args, buildCommand.options)),
        context.masker,
        context.cwd,
        root,
      ),
    );
    const explicit = typeof args.values.sha === 'string' ? args.values.sha : undefined;
    const sha = explicit
      ? await resolveCommitIn(explicit, checkout).catch((error: unknown) => {
          throw isConfigurationError(error) ? new UsageError(error.wording, { cause: error }) : error;
        })
      : (checkout?.head ?? (await currentCommit(undefined, context)));
    const source = await lineageSource(args.values.source, context);
    const openStore = createStoreOpener(inputs.registry, context, context.masker);
    const open = (reference: string, options?: { create?: boolean }) =>
      openStore(reference, { createLayout: options?.create });
    const tempDir = context.env.TMPDIR || tmpdir();
    const build = async (images: ImageTarget[]) => {
      const request = { ...inputs, images, commit: { sha, source: 'input' as const } };
      const dirty = await checkSources(request, {
        readLayoutRevision: (reference) => readLayoutRevision(reference, open),
        logger: context.logger,
      });
      context.logger.info(
        `Ensuring the artifact of commit ${shortSha(sha)} in ${inputs.images.map((i) => i.repository).join(', ')}…`,
      );
      return buildBySha(
        { ...request, ...(source ? { source } : {}), ...(dirty ? { dirty } : {}) },
        createBuildDependencies(inputs, {
          openStore: open,
          tempDir,
          logger: context.logger,
          masker: context.masker,
        }),
      );
    };
    const result =
      checkout && sha !== checkout.head && inputs.images.some((image) => !image.fromOciLayout)
        ? await withCommitTree(checkout, sha, tempDir, async (tree) => {
            context.logger.info(
              `${shortSha(checkout.head)} is checked out: building ${shortSha(sha)}'s own files from a temporary worktree.`,
            );
            return build(await mapIntoTree(inputs.images, checkout.root, tree));
          })
        : await build(inputs.images);
    const built = result.images.filter((image) => image.built).length;
    return {
      json: {
        ok: true,
        sha: result.sha,
        tag: result.tag,
        images: result.images.map((image) => ({
          image: image.image,
          digest: image.digest,
          built: image.built,
          reason: image.reason,
          via: image.via ?? null,
          tags: image.tags.map((tag) => ({ tag: tag.tag, previous: tag.previous, change: tag.change })),
        })),
      },
      lines: [
        `Commit ${shortSha(result.sha)} (tag ${result.tag}): ${built} built, ${result.images.length - built} reused.`,
        ...result.images.map((image) => `${image.image}: ${image.reason}.`),
      ],
      table: {
        columns: ['image', 'tag', 'change', 'digest'],
        rows: result.images.flatMap((image) =>
          image.tags.map((tag) => [
            image.image,
            tag.tag,
            tag.change,
            describeMove(tag.previous ?? undefined, image.digest),
          ]),
        ),
      },
    };
  },
};

/** `--source`, else git's origin as https; else none, said in a warning rather than guessed. */
async function lineageSource(flag: unknown, context: CommandContext): Promise<string | undefined> {
  if (typeof flag === 'string') return flag;
  const source = await repositoryUrl(context);
  if (!source) {
    context.logger.warning(
      'No --source and no usable git origin remote: the artifact gets no org.opencontainers.image.source label. Pass --source <repository URL> to set one.',
    );
  }
  return source;
}
