import { tmpdir } from 'node:os';
import { InputReader } from '@flow-actions/action-kit';
import { buildBySha } from '@flow-actions/build-by-sha/core';
import { createBuildDependencies } from '@flow-actions/build-by-sha/dependencies';
import { getInputs } from '@flow-actions/build-by-sha/inputs';
import { shortSha } from '@flow-actions/commit-identity';
import type { Command } from '../command';
import {
  createFlagInputSource,
  createStoreOpener,
  currentCommit,
  REGISTRY_OPTIONS,
  readInputs,
  repositoryUrl,
  SHA_OPTIONS,
} from '../inputs';
import { describeMove } from '../output';

/** What the lineage names when neither --source nor git's origin says where the code lives. */
const UNKNOWN_SOURCE = 'https://github.com/unknown/unknown';

export const buildCommand: Command = {
  name: 'build',
  summary: "Ensure the commit's artifact exists exactly once: reuse it if built, else build and push <sha>.",
  usage: '--image <repo> [--sha <commit>] [options]',
  details: [
    'Builds with buildah or docker buildx from a Dockerfile, pushes a ready OCI layout (--from-oci-layout),',
    'or stores a file as an OCI artifact (--kind archive --path <file>). A yanked commit is refused.',
    'Without --sha, the commit checked out in the current directory (git rev-parse HEAD) is built.',
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
      description: 'The full commit sha the artifact is built from.',
      defaultText: 'git rev-parse HEAD',
    },
    source: {
      type: 'string',
      description: 'Repository URL for the lineage.',
      defaultText: "git's origin remote",
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
    ...SHA_OPTIONS,
    ...REGISTRY_OPTIONS,
  },
  async run(args, context) {
    const inputs = readInputs(() =>
      getInputs(
        new InputReader(createFlagInputSource(args, buildCommand.options)),
        context.masker,
        context.cwd,
      ),
    );
    const sha = await currentCommit(
      typeof args.values.sha === 'string' ? args.values.sha : undefined,
      context,
    );
    let source = typeof args.values.source === 'string' ? args.values.source : await repositoryUrl(context);
    if (!source) {
      context.logger.warning(`No --source and no git origin remote: the lineage names ${UNKNOWN_SOURCE}.`);
      source = UNKNOWN_SOURCE;
    }
    const openStore = createStoreOpener(inputs.registry, context, context.masker);
    context.logger.info(
      `Ensuring the artifact of commit ${shortSha(sha)} in ${inputs.images.map((i) => i.repository).join(', ')}…`,
    );
    const result = await buildBySha(
      { ...inputs, commit: { sha, source: 'input' }, source },
      createBuildDependencies(inputs, {
        openStore: (reference, options) => openStore(reference, { createLayout: options?.create }),
        tempDir: context.env.TMPDIR || tmpdir(),
        logger: context.logger,
        masker: context.masker,
      }),
    );
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
