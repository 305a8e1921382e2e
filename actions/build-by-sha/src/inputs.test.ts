import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, InputReader, SecretMasker } from '@flow-actions/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInputs } from './inputs';

let workspace: string;
let outside: string;
beforeAll(async () => {
  outside = await mkdtemp(join(tmpdir(), 'build-by-sha-outside-'));
  await writeFile(join(outside, 'config.json'), '{"auths":{}}');
  await mkdir(join(outside, 'layout'));
  await writeFile(join(outside, 'layout', 'index.json'), '{"schemaVersion":2,"manifests":[]}');
  workspace = await mkdtemp(join(tmpdir(), 'build-by-sha-inputs-'));
  // What a malicious commit could hold: names inside the workspace that lead out of it.
  await symlink(join(outside, 'config.json'), join(workspace, 'leak.zip'));
  await symlink(outside, join(workspace, 'elsewhere'));
  await mkdir(join(workspace, 'linked'));
  await symlink(join(outside, 'config.json'), join(workspace, 'linked', 'Dockerfile'));
  await mkdir(join(workspace, 'services', 'worker'), { recursive: true });
  await writeFile(join(workspace, 'Dockerfile'), 'FROM scratch\n');
  await writeFile(join(workspace, 'services', 'worker', 'Dockerfile'), 'FROM scratch\n');
  await writeFile(join(workspace, 'api.zip'), 'PK');
  await mkdir(join(workspace, 'layout'));
  await writeFile(join(workspace, 'layout', 'index.json'), '{"schemaVersion":2,"manifests":[]}');
});
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const read = (values: Record<string, string>) =>
  getInputs(new InputReader((name) => values[name]), new SecretMasker(), workspace);

describe('getInputs', () => {
  it('reads one image with the defaults', () => {
    expect(read({ image: 'ghcr.io/acme/api' })).toEqual({
      kind: 'image',
      images: [
        {
          repository: 'ghcr.io/acme/api',
          context: workspace,
          file: join(workspace, 'Dockerfile'),
          buildArgs: [],
          platforms: [],
        },
      ],
      builder: 'auto',
      extraTags: [],
      latest: false,
      sha: { shaLength: 7, tagPrefix: '' },
      ifExists: 'skip',
      allowYanked: false,
      allowDirty: false,
      settleMs: 2000,
      registry: { insecureRegistries: [] },
    });
  });

  it('lets a line carry its own build settings over the inputs', () => {
    const inputs = read({
      image:
        'ghcr.io/acme/api\nghcr.io/acme/worker context=services/worker target=worker build-arg=MODE=worker',
      'build-args': 'VERSION=1.2\nEMPTY=',
      platforms: 'linux/amd64,linux/arm64',
      'extra-tags': 'pr-12, develop',
      latest: 'true',
    });
    expect(inputs.images[0]).toMatchObject({ context: workspace, buildArgs: ['VERSION=1.2', 'EMPTY='] });
    expect(inputs.images[1]).toEqual({
      repository: 'ghcr.io/acme/worker',
      context: join(workspace, 'services/worker'),
      file: join(workspace, 'services/worker/Dockerfile'),
      target: 'worker',
      buildArgs: ['VERSION=1.2', 'EMPTY=', 'MODE=worker'],
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    expect(inputs.extraTags).toEqual(['pr-12', 'develop']);
    expect(inputs.latest).toBe(true);
  });

  it('reads an archive and guesses its media type from the name', () => {
    const inputs = read({ image: 'ghcr.io/acme/api-lambda', kind: 'archive', path: 'api.zip' });
    expect(inputs.images[0]).toMatchObject({
      path: join(workspace, 'api.zip'),
      mediaType: 'application/zip',
    });
  });

  it('reads from-oci-layout as a directory or an oci: reference with a tag', () => {
    expect(read({ image: 'ghcr.io/acme/api', 'from-oci-layout': 'layout' }).images[0]?.fromOciLayout).toBe(
      `oci:${join(workspace, 'layout')}`,
    );
    expect(
      read({ image: 'ghcr.io/acme/api', 'from-oci-layout': 'oci:layout:v1' }).images[0]?.fromOciLayout,
    ).toBe(`oci:${join(workspace, 'layout')}:v1`);
  });

  // Each is refused with one line before anything is looked up or built.
  it.each([
    [
      { image: 'ghcr.io/Acme/api' },
      'Input "image": repository "Acme/api" in "ghcr.io/Acme/api" must be lower-case: use "acme/api"',
    ],
    [
      { image: 'ghcr.io/acme/api:v1' },
      'Input "image" names a version: drop the tag or digest from "ghcr.io/acme/api:v1"',
    ],
    [
      { image: 'ghcr.io/acme/api', 'extra-tags': 'pr-1;rm -rf /' },
      'Input "extra-tags": tag "pr-1;rm -rf /" is invalid',
    ],
    [
      { image: 'ghcr.io/acme/api', 'extra-tags': '$(whoami)' },
      'Input "extra-tags": tag "$(whoami)" is invalid',
    ],
    [
      { image: 'ghcr.io/acme/api', kind: 'helm' },
      'Input "kind" must be one of "image", "archive", got "helm".',
    ],
    [{ image: 'ghcr.io/acme/api', kind: 'archive' }, 'Input "path" is required with kind: archive'],
    [
      { image: 'ghcr.io/acme/api', kind: 'archive', path: 'missing.zip' },
      'Input "path" names missing.zip, which is not a file',
    ],
    [
      { image: 'ghcr.io/acme/api', context: 'services/nope' },
      'Input "context" names services/nope, which is not a directory',
    ],
    [
      { image: 'ghcr.io/acme/api', file: 'nope/Dockerfile' },
      'The Dockerfile nope/Dockerfile, which is not a file',
    ],
    [
      { image: 'ghcr.io/acme/api', 'from-oci-layout': 'services' },
      'which is not an OCI layout (no index.json)',
    ],
    [{ image: 'ghcr.io/acme/api contxt=x' }, 'Input "image" has the unknown setting "contxt=x"'],
    [{ image: 'ghcr.io/acme/api\nghcr.io/acme/api' }, 'Input "image" names ghcr.io/acme/api twice'],
    [
      { image: 'ghcr.io/acme/api', platforms: 'amd64' },
      'Input "platforms" has "amd64", which is not a platform: write os/arch[/variant], comma-separated, e.g. linux/amd64,linux/arm64/v8.',
    ],
    [{ image: 'ghcr.io/acme/api', 'build-args': 'not an arg' }, 'Build argument "not an arg" is invalid'],
    [
      { image: 'ghcr.io/acme/api', builder: 'kaniko' },
      'Input "builder" must be one of "auto", "buildx", "buildah"',
    ],
    [
      { image: 'ghcr.io/acme/api', 'if-exists': 'overwrite' },
      'Input "if-exists" must be one of "skip", "fail"',
    ],
    [{ image: '' }, 'Input "image" is required'],
    [
      { image: 'ghcr.io/acme/api', target: '-x' },
      'Input "target" value "-x" is not a build stage name: give the name after AS in the Dockerfile\'s FROM line',
    ],
    [
      { image: 'ghcr.io/acme/api', kind: 'archive', path: '../x.zip' },
      'Input "path" names ../x.zip, which leads outside the workspace',
    ],
    [
      { image: 'ghcr.io/acme/api', kind: 'archive', path: '/etc/passwd' },
      'Input "path" names /etc/passwd, which leads outside the workspace',
    ],
    [
      { image: 'ghcr.io/acme/api', kind: 'archive', path: 'leak.zip' },
      'Input "path" names leak.zip, which leads outside the workspace',
    ],
    [
      { image: 'ghcr.io/acme/api', kind: 'archive', path: 'elsewhere/config.json' },
      'Input "path" names elsewhere/config.json, which leads outside the workspace',
    ],
    [
      { image: 'ghcr.io/acme/api', context: '..' },
      'Input "context" names .., which leads outside the workspace',
    ],
    [
      { image: 'ghcr.io/acme/api', context: 'elsewhere' },
      'Input "context" names elsewhere, which leads outside',
    ],
    [{ image: 'ghcr.io/acme/api context=/' }, 'Input "context" names /, which leads outside the workspace'],
    [
      { image: 'ghcr.io/acme/api', file: '../Dockerfile' },
      'Input "file" names ../Dockerfile, which leads outside',
    ],
    [{ image: 'ghcr.io/acme/api', context: 'linked' }, 'Dockerfile, which leads outside the workspace'],
    [
      { image: 'ghcr.io/acme/api', 'from-oci-layout': 'elsewhere/layout' },
      'Input "from-oci-layout" names elsewhere/layout, which leads outside the workspace',
    ],
  ])('refuses %j', (values, message) => {
    let error: unknown;
    try {
      read(values);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
