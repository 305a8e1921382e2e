import { describe, expect, it } from 'vitest';
import { buildCommitMessage, describeArtifact } from './commit-message';
import { defaultPullRequestBranch } from './update';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('buildCommitMessage', () => {
  it('says what moved where, then the lineage trailers', () => {
    const message = buildCommitMessage({
      target: { name: 'ghcr.io/acme/api', tag: '1a2b3c4', digest: DIGEST },
      paths: ['envs/stage'],
      changes: [
        {
          file: 'envs/stage/kustomization.yaml',
          field: 'images[ghcr.io/acme/api].newTag',
          from: '0f0f0f0',
          to: '1a2b3c4',
        },
        { file: 'envs/stage/kustomization.yaml', field: 'images[ghcr.io/acme/api].digest', to: DIGEST },
      ],
      lineage: {
        sourceCommit: 'c'.repeat(40),
        runUrl: 'https://github.com/acme/api/actions/runs/9',
        actor: 'octocat',
      },
    });
    expect(message).toBe(
      [
        'Deploy ghcr.io/acme/api:1a2b3c4 to envs/stage',
        '',
        '- envs/stage/kustomization.yaml: images[ghcr.io/acme/api].newTag 0f0f0f0 -> 1a2b3c4',
        `- envs/stage/kustomization.yaml: images[ghcr.io/acme/api].digest (unset) -> ${DIGEST}`,
        '',
        'Flow-Image: ghcr.io/acme/api',
        'Flow-Artifact-Tag: 1a2b3c4',
        `Flow-Artifact-Digest: ${DIGEST}`,
        `Flow-Source-Commit: ${'c'.repeat(40)}`,
        'Flow-Run-Url: https://github.com/acme/api/actions/runs/9',
        'Flow-Actor: octocat',
        '',
      ].join('\n'),
    );
  });

  it('takes a custom subject on one line and omits unknown lineage', () => {
    const message = buildCommitMessage({
      target: { name: 'ghcr.io/acme/api', digest: DIGEST },
      paths: ['envs/prod'],
      changes: [],
      lineage: {},
      subject: 'prod: release\n v1.2.3',
    });
    expect(message).toBe(
      `prod: release v1.2.3\n\nFlow-Image: ghcr.io/acme/api\nFlow-Artifact-Digest: ${DIGEST}\n`,
    );
  });

  it('names a digest-only artifact by its short digest', () => {
    expect(describeArtifact({ name: 'ghcr.io/acme/api', digest: DIGEST })).toBe(
      'ghcr.io/acme/api@sha256:aaaaaaaaaaaa…',
    );
  });
});

describe('defaultPullRequestBranch', () => {
  it('is stable per base, environment and image, and a valid branch name', () => {
    expect(defaultPullRequestBranch('main', ['envs/prod'], 'ghcr.io/acme/api')).toBe(
      'flow/update-manifest/main/envs-prod/api',
    );
    expect(defaultPullRequestBranch('main', ['.'], 'nginx')).toBe('flow/update-manifest/main/root/nginx');
  });
});
