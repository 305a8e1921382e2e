import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { LayoutStore, MediaTypes } from '@flow-actions/oci-store';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireBinary } from '../services';
import { putTinyImage, readBlob, requireSkopeo, requireUmoci, sha256, skopeo } from './tiny-image';

// skopeo and umoci are independent implementations of the layout format: what they read from
// our layouts, and what we read from theirs, must agree byte for byte.
let root: string;
let dir: string;
beforeAll(async () => {
  await requireSkopeo();
  await requireUmoci();
});
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'layout-interop-'));
  dir = join(root, 'ours');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function umoci(args: string[]): Promise<string> {
  return (await exec('umoci', args)).stdout;
}

describe('layouts we write, read by skopeo and umoci', () => {
  it('skopeo inspects our image with our digest and copies it to oci: and dir:', async () => {
    const store = new LayoutStore(dir);
    const image = await putTinyImage(store, { tag: 'v1' });
    await store.putManifest('latest', { bytes: image.bytes, mediaType: MediaTypes.ociManifest });

    const raw = await skopeo(['inspect', '--raw', `oci:${dir}:v1`]);
    expect(raw.equals(image.bytes)).toBe(true);
    expect(sha256(raw)).toBe((await store.resolve('latest'))?.digest);

    const copied = join(root, 'copied');
    await skopeo(['copy', `oci:${dir}:latest`, `oci:${copied}:promoted`]);
    // And we read the layout skopeo wrote: same digest, same bytes, blobs verified.
    const theirs = new LayoutStore(copied);
    expect(await theirs.listTags()).toEqual(['promoted']);
    expect((await theirs.resolve('promoted'))?.digest).toBe(image.digest);
    expect((await theirs.getManifest('promoted'))?.bytes.equals(image.bytes)).toBe(true);
    expect(sha256(await readBlob(theirs, image.layerDigest))).toBe(image.layerDigest);

    const plain = join(root, 'plain');
    await skopeo(['copy', `oci:${dir}:v1`, `dir:${plain}`]);
    expect((await readFile(join(plain, 'manifest.json'))).equals(image.bytes)).toBe(true);
    expect(sha256(await readFile(join(plain, image.layerDigest.slice(7))))).toBe(image.layerDigest);
  });

  it('umoci lists our tags, stats and unpacks our image', async () => {
    const store = new LayoutStore(dir);
    const image = await putTinyImage(store, {
      tag: 'v1',
      files: { 'hello.txt': 'hello from flow-actions\n', 'etc/motd': 'built once\n' },
    });
    await store.putManifest('abc1234', { bytes: image.bytes, mediaType: MediaTypes.ociManifest });

    expect((await umoci(['ls', '--layout', dir])).trim().split('\n').sort()).toEqual(['abc1234', 'v1']);
    const stat = await umoci(['stat', '--image', `${dir}:abc1234`]);
    expect(stat).toContain(image.layerDigest);
    expect(stat).toContain('flow-actions test');

    const bundle = join(root, 'bundle');
    await umoci(['unpack', '--image', `${dir}:v1`, bundle]);
    expect(await readFile(join(bundle, 'rootfs', 'hello.txt'), 'utf8')).toBe('hello from flow-actions\n');
    expect(await readFile(join(bundle, 'rootfs', 'etc', 'motd'), 'utf8')).toBe('built once\n');
  });

  it('umoci gc reclaims the layers a deleted manifest left, and keeps what is still tagged', async () => {
    const store = new LayoutStore(dir);
    const gone = await putTinyImage(store, { tag: 'v1', files: { 'old.txt': 'old\n' } });
    const kept = await putTinyImage(store, { tag: 'v2', files: { 'new.txt': 'new\n' } });
    await store.deleteManifest(gone.digest);
    expect(await store.hasBlob(gone.layerDigest)).toBe(true);
    await umoci(['gc', '--layout', dir]);
    expect(await store.hasBlob(gone.layerDigest)).toBe(false);
    expect(await store.hasBlob(kept.layerDigest)).toBe(true);
    expect((await store.getManifest('v2'))?.digest).toBe(kept.digest);
  });

  it('a multi-platform index put by digest then by tag is the same index for skopeo', async () => {
    const store = new LayoutStore(dir);
    const amd64 = await putTinyImage(store, { architecture: 'amd64' });
    const arm64 = await putTinyImage(store, {
      architecture: 'arm64',
      files: { 'hello.txt': 'hello from arm64\n' },
    });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [
          {
            mediaType: MediaTypes.ociManifest,
            digest: amd64.digest,
            size: amd64.bytes.length,
            platform: { architecture: 'amd64', os: 'linux' },
          },
          {
            mediaType: MediaTypes.ociManifest,
            digest: arm64.digest,
            size: arm64.bytes.length,
            platform: { architecture: 'arm64', os: 'linux' },
          },
        ],
      }),
    );
    const digest = await store.putManifest('multi', { bytes: index, mediaType: MediaTypes.ociIndex });
    expect(digest).toBe(sha256(index));
    // The children were put by digest: untagged entries, then dropped from the tag list.
    expect(await store.listTags()).toEqual(['multi']);

    const raw = await skopeo(['inspect', '--raw', `oci:${dir}:multi`]);
    expect(raw.equals(index)).toBe(true);
    const arm = JSON.parse(
      (await skopeo(['inspect', '--override-arch', 'arm64', '--config', `oci:${dir}:multi`])).toString(),
    ) as { architecture: string };
    expect(arm.architecture).toBe('arm64');

    const copied = join(root, 'copied');
    await skopeo(['copy', '--all', `oci:${dir}:multi`, `oci:${copied}:multi`]);
    const theirs = new LayoutStore(copied);
    expect((await theirs.resolve('multi'))?.digest).toBe(digest);
    expect((await theirs.getManifest(arm64.digest))?.bytes.equals(arm64.bytes)).toBe(true);
    expect((await theirs.resolve(amd64.digest))?.mediaType).toBe(MediaTypes.ociManifest);
  });
});

describe('layouts other tools write, read by us', () => {
  it('reads a layout umoci built, adds a tag, and umoci and skopeo still agree', async () => {
    const layout = join(root, 'umoci');
    const bundle = join(root, 'bundle');
    await umoci(['init', '--layout', layout]);
    await umoci(['new', '--image', `${layout}:base`]);
    await umoci(['unpack', '--image', `${layout}:base`, bundle]);
    await writeFile(join(bundle, 'rootfs', 'greeting.txt'), 'from umoci\n');
    await umoci(['repack', '--image', `${layout}:v1`, bundle]);

    const store = new LayoutStore(layout);
    expect(await store.listTags()).toEqual(['base', 'v1']);
    const raw = await skopeo(['inspect', '--raw', `oci:${layout}:v1`]);
    const manifest = await store.getManifest('v1');
    expect(manifest?.digest).toBe(sha256(raw));
    expect(manifest?.bytes.equals(raw)).toBe(true);
    const parsed = JSON.parse(raw.toString()) as { config: { digest: string }; layers: { digest: string }[] };
    for (const blob of [parsed.config, ...parsed.layers]) {
      expect(sha256(await readBlob(store, blob.digest))).toBe(blob.digest);
    }

    await store.putManifest('promoted', { bytes: raw, mediaType: MediaTypes.ociManifest });
    expect((await umoci(['ls', '--layout', layout])).trim().split('\n').sort()).toEqual([
      'base',
      'promoted',
      'v1',
    ]);
    expect(sha256(await skopeo(['inspect', '--raw', `oci:${layout}:promoted`]))).toBe(manifest?.digest);
    await umoci(['unpack', '--image', `${layout}:promoted`, join(root, 'bundle2')]);
    expect(await readFile(join(root, 'bundle2', 'rootfs', 'greeting.txt'), 'utf8')).toBe('from umoci\n');
  });

  it('reads an image buildah built from scratch and pushed to oci:', async () => {
    await requireBinary('buildah', 'sudo apt-get install -y buildah');
    const storage = [
      '--root',
      join(root, 'storage'),
      '--runroot',
      join(root, 'run'),
      '--storage-driver',
      'vfs',
    ];
    const buildah = async (args: string[]) => (await exec('buildah', [...storage, ...args])).stdout.trim();
    const layout = join(root, 'buildah');
    await writeFile(join(root, 'app.txt'), 'built by buildah\n');
    const container = await buildah(['from', '--isolation', 'chroot', 'scratch']);
    await buildah(['copy', container, join(root, 'app.txt'), '/app.txt']);
    await buildah(['config', '--annotation', 'org.opencontainers.image.revision=0123abc', container]);
    await buildah(['commit', '--format', 'oci', container, 'flow-test']);
    await buildah(['push', 'flow-test', `oci:${layout}:v1`]);

    const store = new LayoutStore(layout);
    expect(await store.listTags()).toEqual(['v1']);
    const raw = await skopeo(['inspect', '--raw', `oci:${layout}:v1`]);
    expect((await store.resolve('v1'))?.digest).toBe(sha256(raw));
    const manifest = await store.getManifest('v1');
    expect(manifest?.bytes.equals(raw)).toBe(true);
    const parsed = JSON.parse(raw.toString()) as {
      annotations?: Record<string, string>;
      layers: { digest: string }[];
    };
    expect(parsed.annotations?.['org.opencontainers.image.revision']).toBe('0123abc');
    const layerDigest = parsed.layers[0]?.digest ?? '';
    expect(sha256(await readBlob(store, layerDigest))).toBe(layerDigest);
    expect((await readdir(layout)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });
});
