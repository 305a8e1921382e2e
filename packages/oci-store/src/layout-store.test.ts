import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { ConfigurationError } from '@flow-actions/action-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeDigest } from './digest';
import { LayoutStore, openLayoutStore, REF_NAME_ANNOTATION } from './layout-store';
import { MediaTypes } from './store';

const EMPTY = Buffer.from('{}');
const EMPTY_DIGEST = computeDigest(EMPTY);

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'layout-store-'));
  dir = join(root, 'layout');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A small artifact manifest whose layer is `content`; its blobs are put in `store`. */
async function putArtifact(store: LayoutStore, content: string, tag: string) {
  const layer = Buffer.from(content);
  await store.putBlob(EMPTY_DIGEST, EMPTY.length, EMPTY);
  await store.putBlob(computeDigest(layer), layer.length, layer);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/vnd.test',
      config: { mediaType: MediaTypes.ociEmpty, digest: EMPTY_DIGEST, size: 2 },
      layers: [{ mediaType: 'text/plain', digest: computeDigest(layer), size: layer.length }],
    }),
  );
  const digest = await store.putManifest(tag, { bytes, mediaType: MediaTypes.ociManifest });
  return { bytes, digest };
}

async function readIndex() {
  return JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    schemaVersion: number;
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
}

describe('LayoutStore', () => {
  it('creates oci-layout and index.json on first write, and stores the manifest under its tag', async () => {
    const store = new LayoutStore(dir);
    expect(store.location).toBe(`oci:${dir}`);
    const { bytes, digest } = await putArtifact(store, 'hello', 'v1');

    expect(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    expect(digest).toBe(computeDigest(bytes));
    const index = await readIndex();
    expect(index.schemaVersion).toBe(2);
    expect(index.manifests).toEqual([
      {
        mediaType: MediaTypes.ociManifest,
        digest,
        size: bytes.length,
        artifactType: 'application/vnd.test',
        annotations: { [REF_NAME_ANNOTATION]: 'v1' },
      },
    ]);
    expect((await readFile(join(dir, 'blobs', 'sha256', digest.slice(7)))).equals(bytes)).toBe(true);
    // No temp files or lock left behind.
    expect((await readdir(dir)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });

  it('resolves and fetches by tag and by digest, with the exact bytes', async () => {
    const store = new LayoutStore(dir);
    const { bytes, digest } = await putArtifact(store, 'hello', 'v1');
    const expected = { mediaType: MediaTypes.ociManifest, digest, size: bytes.length };
    expect(await store.resolve('v1')).toEqual({ ...expected, artifactType: 'application/vnd.test' });
    expect(await store.resolve(digest)).toEqual({ ...expected, artifactType: 'application/vnd.test' });
    const manifest = await store.getManifest('v1');
    expect(manifest?.bytes.equals(bytes)).toBe(true);
    expect(manifest?.digest).toBe(digest);
    expect(manifest?.mediaType).toBe(MediaTypes.ociManifest);
    expect((await store.getManifest(digest))?.bytes.equals(bytes)).toBe(true);
  });

  it('answers undefined for what is not there, including a directory that is not a layout yet', async () => {
    const store = new LayoutStore(dir);
    expect(await store.resolve('v1')).toBeUndefined();
    expect(await store.getManifest(EMPTY_DIGEST)).toBeUndefined();
    expect(await store.listTags()).toEqual([]);
    expect(await store.hasBlob(EMPTY_DIGEST)).toBe(false);
    expect(await store.getBlob(EMPTY_DIGEST)).toBeUndefined();
    await expect(stat(dir)).rejects.toThrow('ENOENT');
  });

  it('lists every tag sorted, one digest under several tags', async () => {
    const store = new LayoutStore(dir);
    const { bytes, digest } = await putArtifact(store, 'a', 'v1');
    await store.putManifest('latest', { bytes, mediaType: MediaTypes.ociManifest });
    await store.putManifest('abc1234', { bytes, mediaType: MediaTypes.ociManifest });
    expect(await store.listTags()).toEqual(['abc1234', 'latest', 'v1']);
    expect((await readIndex()).manifests.map((m) => m.digest)).toEqual([digest, digest, digest]);
  });

  it('leaves index.json untouched when a tag is put again where it already is', async () => {
    const store = new LayoutStore(dir);
    const { bytes } = await putArtifact(store, 'a', 'v1');
    const before = await stat(join(dir, 'index.json'));
    await store.putManifest('v1', { bytes, mediaType: MediaTypes.ociManifest });
    expect((await stat(join(dir, 'index.json'))).ino).toBe(before.ino);
  });

  it('moves a tag to a new digest by replacing its entry in place', async () => {
    const store = new LayoutStore(dir);
    const first = await putArtifact(store, 'one', 'latest');
    await putArtifact(store, 'keep', 'v1');
    const second = await putArtifact(store, 'two', 'latest');
    expect((await store.resolve('latest'))?.digest).toBe(second.digest);
    const index = await readIndex();
    expect(index.manifests.map((m) => m.annotations?.[REF_NAME_ANNOTATION])).toEqual(['latest', 'v1']);
    expect(index.manifests.some((m) => m.digest === first.digest)).toBe(false);
    // The old manifest is still there by digest: moving a tag deletes nothing.
    expect((await store.getManifest(first.digest))?.bytes.equals(first.bytes)).toBe(true);
  });

  it('puts by digest as an untagged entry, once, and drops it when the digest gets a tag', async () => {
    const store = new LayoutStore(dir);
    const { bytes } = await putArtifact(store, 'x', 'tmp');
    await store.deleteTag('tmp');
    const digest = computeDigest(bytes);
    expect(await store.putManifest(digest, { bytes, mediaType: MediaTypes.ociManifest })).toBe(digest);
    expect(await store.putManifest(digest, { bytes, mediaType: MediaTypes.ociManifest })).toBe(digest);
    expect((await readIndex()).manifests).toEqual([
      { mediaType: MediaTypes.ociManifest, digest, size: bytes.length, artifactType: 'application/vnd.test' },
    ]);
    expect(await store.listTags()).toEqual([]);
    await store.putManifest('v2', { bytes, mediaType: MediaTypes.ociManifest });
    expect((await readIndex()).manifests.map((m) => m.annotations?.[REF_NAME_ANNOTATION])).toEqual(['v2']);
  });

  it('deleteTag removes one tag and keeps the manifest and its other tags', async () => {
    const store = new LayoutStore(dir);
    const { bytes, digest } = await putArtifact(store, 'a', 'v1');
    await store.putManifest('latest', { bytes, mediaType: MediaTypes.ociManifest });
    expect(await store.deleteTag('latest')).toBe(true);
    expect(await store.deleteTag('latest')).toBe(false);
    expect(await store.listTags()).toEqual(['v1']);
    expect((await store.resolve(digest))?.digest).toBe(digest);
  });

  it('deleteManifest removes every tag on the digest and the manifest blob, and keeps the layers', async () => {
    const store = new LayoutStore(dir);
    const { bytes, digest } = await putArtifact(store, 'gone', 'v1');
    await store.putManifest('latest', { bytes, mediaType: MediaTypes.ociManifest });
    const other = await putArtifact(store, 'stays', 'v2');
    await store.deleteManifest(digest);
    expect(await store.listTags()).toEqual(['v2']);
    expect(await store.resolve(digest)).toBeUndefined();
    expect(await store.getManifest('v1')).toBeUndefined();
    expect(await store.hasBlob(computeDigest(Buffer.from('gone')))).toBe(true);
    expect((await store.resolve('v2'))?.digest).toBe(other.digest);
    await store.deleteManifest(digest); // idempotent
  });

  it('keeps the bytes of a deleted platform manifest that a tagged index still lists', async () => {
    const store = new LayoutStore(dir);
    const child = await putArtifact(store, 'amd64', 'tmp');
    await store.deleteTag('tmp');
    const indexBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [
          {
            mediaType: MediaTypes.ociManifest,
            digest: child.digest,
            size: child.bytes.length,
            platform: { os: 'linux', architecture: 'amd64' },
          },
        ],
      }),
    );
    await store.putManifest('multi', { bytes: indexBytes, mediaType: MediaTypes.ociIndex });
    await store.deleteManifest(child.digest);
    expect((await store.getManifest(child.digest))?.bytes.equals(child.bytes)).toBe(true);
    expect((await store.resolve(child.digest))?.mediaType).toBe(MediaTypes.ociManifest);
  });

  it('refuses a manifest whose blobs are missing, and writes nothing', async () => {
    const store = new LayoutStore(dir);
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociEmpty, digest: EMPTY_DIGEST, size: 2 },
        layers: [],
      }),
    );
    await expect(store.putManifest('v1', { bytes, mediaType: MediaTypes.ociManifest })).rejects.toThrow(
      `Cannot put manifest ${computeDigest(bytes)} in oci:${dir}: it references ${EMPTY_DIGEST}, which is not in the layout; put that blob or manifest first.`,
    );
    await expect(stat(dir)).rejects.toThrow('ENOENT');
  });

  it.each([
    ['an invalid tag', 'bad tag', MediaTypes.ociManifest, 'Invalid tag "bad tag"'],
    ['a tag starting with a dot', '.hidden', MediaTypes.ociManifest, 'Invalid tag ".hidden"'],
    [
      'a digest that is not the bytes’',
      EMPTY_DIGEST,
      MediaTypes.ociManifest,
      `Cannot put manifest under ${EMPTY_DIGEST} in oci:`,
    ],
    [
      'an unknown media type',
      'v1',
      'application/json',
      'Cannot put a manifest of media type "application/json"',
    ],
  ])('refuses %s before writing anything', async (_name, reference, mediaType, message) => {
    const store = new LayoutStore(dir);
    const bytes = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
    await expect(store.putManifest(reference, { bytes, mediaType })).rejects.toThrow(message);
    await expect(stat(dir)).rejects.toThrow('ENOENT');
  });

  it('reports an invalid tag as a ConfigurationError', async () => {
    const store = new LayoutStore(dir);
    const bytes = Buffer.from('{}');
    await expect(
      store.putManifest('v1 final', { bytes, mediaType: MediaTypes.ociManifest }),
    ).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('refuses a manifest whose declared media type differs from the one given', async () => {
    const store = new LayoutStore(dir);
    const bytes = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] }),
    );
    await expect(store.putManifest('v1', { bytes, mediaType: MediaTypes.ociManifest })).rejects.toThrow(
      `it declares media type "${MediaTypes.ociIndex}" but was given as "${MediaTypes.ociManifest}"`,
    );
  });

  it('streams blobs in and out, verified', async () => {
    const store = new LayoutStore(dir);
    const content = Buffer.from('x'.repeat(100_000));
    const digest = computeDigest(content);
    await store.putBlob(digest, content.length, Readable.from([content.subarray(0, 7), content.subarray(7)]));
    const blob = await store.getBlob(digest);
    expect(blob?.size).toBe(content.length);
    expect(await text(blob?.stream ?? Readable.from([]))).toBe(content.toString());
  });

  it('refuses a blob whose bytes do not match, leaving neither blob nor temp file', async () => {
    const store = new LayoutStore(dir);
    const digest = computeDigest(Buffer.from('expected'));
    await expect(store.putBlob(digest, 8, Buffer.from('tampered'))).rejects.toThrow(
      `content does not match its digest (expected ${digest}, got ${computeDigest(Buffer.from('tampered'))})`,
    );
    await expect(store.putBlob(digest, 9, Buffer.from('expected'))).rejects.toThrow(
      'expected 9 bytes, got 8',
    );
    expect(await store.hasBlob(digest)).toBe(false);
    expect((await readdir(dir)).sort()).toEqual(['blobs', 'oci-layout']);
  });

  it('does not rewrite a blob that is present', async () => {
    const store = new LayoutStore(dir);
    const content = Buffer.from('once');
    const digest = computeDigest(content);
    await store.putBlob(digest, 4, content);
    const before = await stat(join(dir, 'blobs', 'sha256', digest.slice(7)));
    const stream = Readable.from([content]);
    await store.putBlob(digest, 4, stream);
    expect(stream.destroyed).toBe(true);
    expect((await stat(join(dir, 'blobs', 'sha256', digest.slice(7)))).ino).toBe(before.ino);
  });

  it('detects a blob corrupted on disk, on getBlob and on getManifest', async () => {
    const store = new LayoutStore(dir);
    const { digest } = await putArtifact(store, 'layer', 'v1');
    const layerDigest = computeDigest(Buffer.from('layer'));
    await writeFile(join(dir, 'blobs', 'sha256', layerDigest.slice(7)), 'LAYER');
    const blob = await store.getBlob(layerDigest);
    await expect(text(blob?.stream ?? Readable.from([]))).rejects.toThrow(
      `blob ${layerDigest}: content does not match its digest`,
    );
    const manifestPath = join(dir, 'blobs', 'sha256', digest.slice(7));
    const original = await readFile(manifestPath);
    await writeFile(manifestPath, original.toString().replace('"schemaVersion":2', '"schemaVersion":3'));
    await expect(store.getManifest('v1')).rejects.toThrow(
      `content does not match its digest (expected ${digest}`,
    );
  });

  it('mounts a blob from another layout by hard link, and answers false when the other lacks it', async () => {
    const source = new LayoutStore(join(root, 'source'));
    const content = Buffer.from('shared layer');
    const digest = computeDigest(content);
    await source.putBlob(digest, content.length, content);
    const store = new LayoutStore(dir);
    expect(await store.mountBlob(digest, `oci:${source.dir}`)).toBe(true);
    const [a, b] = await Promise.all([
      stat(join(source.dir, 'blobs', 'sha256', digest.slice(7))),
      stat(join(dir, 'blobs', 'sha256', digest.slice(7))),
    ]);
    expect(b.ino).toBe(a.ino);
    expect(await store.mountBlob(EMPTY_DIGEST, source.dir)).toBe(false);
  });

  it('refuses malformed digests with a message naming the fix', async () => {
    const store = new LayoutStore(dir);
    await expect(store.hasBlob('sha256:../../etc/passwd')).rejects.toThrow(
      `Invalid digest "sha256:../../etc/passwd" for oci:${dir}: expected sha256: followed by 64 lower-case hex characters.`,
    );
  });

  it('reports a damaged index.json clearly', async () => {
    const store = await openLayoutStore(dir, { create: true });
    await writeFile(join(dir, 'index.json'), '{"schemaVersion":2,');
    await expect(store.listTags()).rejects.toThrow(`oci:${dir}: index.json is not valid JSON`);
  });
});

describe('openLayoutStore', () => {
  it('creates an empty layout with create', async () => {
    await openLayoutStore(dir, { create: true });
    expect(await readIndex()).toEqual({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] });
    expect(await readFile(join(dir, 'oci-layout'), 'utf8')).toBe('{"imageLayoutVersion":"1.0.0"}');
  });

  it('refuses a directory that is not a layout without create', async () => {
    await expect(openLayoutStore(root)).rejects.toThrow(
      `oci:${root} is not an OCI image layout (no oci-layout file); point at a layout, or create one.`,
    );
  });

  it('refuses a layout version it does not know', async () => {
    await openLayoutStore(dir, { create: true });
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    const store = new LayoutStore(dir);
    await expect(store.putBlob(EMPTY_DIGEST, 2, EMPTY)).rejects.toThrow(
      'oci-layout declares imageLayoutVersion "2.0.0"; only 1.0.0 is supported.',
    );
  });
});
