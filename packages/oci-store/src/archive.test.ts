import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@flow-actions/action-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ARCHIVE_ARTIFACT_TYPE,
  EMPTY_CONFIG_DESCRIPTOR,
  isArchiveManifest,
  packArchive,
  TITLE_ANNOTATION,
  unpackArchive,
} from './archive';
import type { BlobSource } from './blob-source';
import { computeDigest } from './digest';
import { LayoutStore } from './layout-store';
import { buildLineageAnnotations } from './lineage';
import { MediaTypes } from './store';

let root: string;
let store: LayoutStore;
let file: string;
let content: Buffer;
const lineage = buildLineageAnnotations({
  revision: '0123456789abcdef0123456789abcdef01234567',
  source: 'https://github.com/acme/api',
  created: '2026-03-01T10:00:00Z',
  runUrl: 'https://github.com/acme/api/actions/runs/42/attempts/1',
});

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'archive-'));
  store = new LayoutStore(join(root, 'layout'));
  content = randomBytes(300_000);
  file = join(root, 'api.zip');
  await writeFile(file, content);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('packArchive', () => {
  it('writes an OCI artifact: empty config, one titled layer, artifactType, lineage on the manifest', async () => {
    const packed = await packArchive(store, {
      file,
      mediaType: 'application/zip',
      tag: '0123456',
      annotations: lineage,
    });
    const manifest = await store.getManifest('0123456');
    expect(manifest?.digest).toBe(packed.manifest.digest);
    expect(JSON.parse(manifest?.bytes.toString() ?? '')).toEqual({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: ARCHIVE_ARTIFACT_TYPE,
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2,
      },
      layers: [
        {
          mediaType: 'application/zip',
          digest: computeDigest(content),
          size: content.length,
          annotations: { [TITLE_ANNOTATION]: 'api.zip' },
        },
      ],
      annotations: lineage,
    });
    expect(packed.layer.digest).toBe(computeDigest(content));
    expect(packed.manifest).toEqual({
      mediaType: MediaTypes.ociManifest,
      digest: manifest?.digest,
      size: manifest?.bytes.length,
      artifactType: ARCHIVE_ARTIFACT_TYPE,
    });
    expect(await store.hasBlob(EMPTY_CONFIG_DESCRIPTOR.digest)).toBe(true);
    expect(isArchiveManifest(manifest?.bytes ?? Buffer.alloc(0))).toBe(true);
  });

  it('streams the file into the store instead of loading it whole, opened afresh for each attempt', async () => {
    const received: { digest: string; kind: string }[] = [];
    class RecordingStore extends LayoutStore {
      override async putBlob(digest: string, size: number, body: BlobSource): Promise<void> {
        const opened = typeof body === 'function' ? await body() : body;
        received.push({
          digest,
          kind: Buffer.isBuffer(opened)
            ? 'buffer'
            : typeof body === 'function'
              ? 'reopenable stream'
              : 'stream',
        });
        return super.putBlob(digest, size, opened);
      }
    }
    const packed = await packArchive(new RecordingStore(store.dir), { file, mediaType: 'application/zip' });
    expect(received.find((r) => r.digest === packed.layer.digest)?.kind).toBe('reopenable stream');
  });

  it('is deterministic: the same file and annotations give the same digest', async () => {
    const a = await packArchive(store, {
      file,
      mediaType: 'application/zip',
      tag: 'a',
      annotations: lineage,
    });
    const b = await packArchive(store, {
      file,
      mediaType: 'application/zip',
      tag: 'b',
      annotations: lineage,
    });
    expect(b.manifest.digest).toBe(a.manifest.digest);
  });

  it('puts by digest when no tag is given, with a custom artifact type and title', async () => {
    const packed = await packArchive(store, {
      file,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      artifactType: 'application/vnd.acme.bundle.v1',
      title: 'bundle.tgz',
    });
    expect(await store.listTags()).toEqual([]);
    const bytes = (await store.getManifest(packed.manifest.digest))?.bytes.toString() ?? '';
    expect(JSON.parse(bytes).artifactType).toBe('application/vnd.acme.bundle.v1');
    expect(JSON.parse(bytes).layers[0].annotations[TITLE_ANNOTATION]).toBe('bundle.tgz');
  });

  it.each([
    [{ mediaType: 'zip' }, 'Invalid media type "zip": expected type/subtype, e.g. application/zip.'],
    [{ tag: 'no/slashes' }, 'Invalid tag "no/slashes"'],
    [{ title: '../escape.zip' }, 'Invalid archive title "../escape.zip"'],
    [{ artifactType: 'bad type/x' }, 'Invalid artifact type "bad type/x"'],
    [{ file: '/nonexistent/x.zip' }, 'Cannot pack /nonexistent/x.zip: no such file.'],
  ])('refuses %o before writing anything', async (override, message) => {
    await expect(
      packArchive(store, { file, mediaType: 'application/zip', tag: 'v1', ...override }),
    ).rejects.toThrow(message);
    await expect(readdir(store.dir)).rejects.toThrow('ENOENT');
  });

  it('refuses a directory', async () => {
    await expect(packArchive(store, { file: root, mediaType: 'application/zip' })).rejects.toThrow(
      `Cannot pack ${root}: it is not a regular file.`,
    );
  });
});

describe('unpackArchive', () => {
  it('writes the file back byte-identical under its title, and again on a re-run', async () => {
    const packed = await packArchive(store, {
      file,
      mediaType: 'application/zip',
      tag: 'v1',
      annotations: lineage,
    });
    const out = join(root, 'out');
    const first = await unpackArchive(store, 'v1', out);
    expect(first.path).toBe(join(out, 'api.zip'));
    expect((await readFile(first.path)).equals(content)).toBe(true);
    expect(first.manifestDigest).toBe(packed.manifest.digest);
    expect(first.annotations).toEqual(lineage);
    expect(first.layer.digest).toBe(computeDigest(content));
    await unpackArchive(store, packed.manifest.digest, out);
    expect(await readdir(out)).toEqual(['api.zip']);
  });

  it('refuses to overwrite when told not to', async () => {
    await packArchive(store, { file, mediaType: 'application/zip', tag: 'v1' });
    await unpackArchive(store, 'v1', root, { overwrite: true });
    await expect(unpackArchive(store, 'v1', root, { overwrite: false })).rejects.toThrow(
      `Cannot unpack to ${join(root, 'api.zip')}: the file exists; remove it or allow overwrite.`,
    );
  });

  it('says so when the reference is missing', async () => {
    const error = await unpackArchive(store, 'v9', root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      `No artifact "v9" in oci:${store.dir}: check the tag or digest, or pack the archive first.`,
    );
  });

  it('refuses a manifest whose title would escape the destination', async () => {
    const layer = Buffer.from('evil');
    await store.putBlob(EMPTY_CONFIG_DESCRIPTOR.digest, 2, Buffer.from('{}'));
    await store.putBlob(computeDigest(layer), layer.length, layer);
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: ARCHIVE_ARTIFACT_TYPE,
        config: EMPTY_CONFIG_DESCRIPTOR,
        layers: [
          {
            mediaType: 'text/plain',
            digest: computeDigest(layer),
            size: layer.length,
            annotations: { [TITLE_ANNOTATION]: '../../etc/cron.d/x' },
          },
        ],
      }),
    );
    await store.putManifest('evil', { bytes, mediaType: MediaTypes.ociManifest });
    const out = join(root, 'out');
    await mkdir(out);
    await expect(unpackArchive(store, 'evil', out)).rejects.toThrow(
      'Invalid archive title "../../etc/cron.d/x": it must be a plain file name, without path separators or "..".',
    );
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses a corrupted layer and leaves no file behind', async () => {
    const packed = await packArchive(store, { file, mediaType: 'application/zip', tag: 'v1' });
    const corrupt = Buffer.from(content);
    corrupt[1000] = (corrupt[1000] ?? 0) ^ 0xff;
    await writeFile(join(store.dir, 'blobs', 'sha256', packed.layer.digest.slice(7)), corrupt);
    const out = join(root, 'out');
    await expect(unpackArchive(store, 'v1', out)).rejects.toThrow(
      `content does not match its digest (expected ${packed.layer.digest}`,
    );
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses an image', async () => {
    const config = Buffer.from(
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
    );
    await store.putBlob(computeDigest(config), config.length, config);
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, digest: computeDigest(config), size: config.length },
        layers: [],
      }),
    );
    await store.putManifest('image', { bytes, mediaType: MediaTypes.ociManifest });
    expect(isArchiveManifest(bytes)).toBe(false);
    await expect(unpackArchive(store, 'image', root)).rejects.toThrow(
      `oci:${store.dir}:image is not an archive artifact`,
    );
  });
});

describe('isArchiveManifest', () => {
  it.each([
    ['not JSON', 'zip'],
    ['an index', JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] })],
    [
      'two layers',
      JSON.stringify({
        schemaVersion: 2,
        config: EMPTY_CONFIG_DESCRIPTOR,
        layers: [
          {
            mediaType: 'a/b',
            digest: EMPTY_CONFIG_DESCRIPTOR.digest,
            size: 2,
            annotations: { [TITLE_ANNOTATION]: 'a' },
          },
          {
            mediaType: 'a/b',
            digest: EMPTY_CONFIG_DESCRIPTOR.digest,
            size: 2,
            annotations: { [TITLE_ANNOTATION]: 'b' },
          },
        ],
      }),
    ],
    [
      'a layer without a title',
      JSON.stringify({
        schemaVersion: 2,
        config: EMPTY_CONFIG_DESCRIPTOR,
        layers: [{ mediaType: 'a/b', digest: EMPTY_CONFIG_DESCRIPTOR.digest, size: 2 }],
      }),
    ],
  ])('is false for %s', (_name, text) => {
    expect(isArchiveManifest(Buffer.from(text))).toBe(false);
  });
});
