import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { exec } from '@flow-actions/action-kit';
import type { ArtifactStore } from '@flow-actions/oci-store';
import { MediaTypes } from '@flow-actions/oci-store';
import { requireBinary } from '../services';

export const SKOPEO_INSTALL = 'sudo apt-get install -y skopeo';
export const UMOCI_INSTALL = 'sudo apt-get install -y umoci';

/** Fails with the install command when skopeo is missing, else returns its path. */
export function requireSkopeo(): Promise<string> {
  return requireBinary('skopeo', SKOPEO_INSTALL);
}

export function requireUmoci(): Promise<string> {
  return requireBinary('umoci', UMOCI_INSTALL);
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Runs skopeo with an argument array and returns stdout as bytes (manifests are compared byte for byte). */
export async function skopeo(args: string[]): Promise<Buffer> {
  const result = await exec('skopeo', ['--insecure-policy', ...args]);
  return Buffer.from(result.stdout, 'utf8');
}

/** A POSIX ustar archive of regular files, enough for a real image layer. */
export function createTar(files: Record<string, string | Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100, 'ascii');
    header.write('0000000\0', 108, 'ascii');
    header.write('0000000\0', 116, 'ascii');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    header.write(`${(1_700_000_000).toString(8).padStart(11, '0')}\0`, 136, 'ascii');
    header.write('        ', 148, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\0', 257, 'ascii');
    header.write('00', 263, 'ascii');
    let checksum = 0;
    for (const byte of header) checksum += byte;
    header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export interface TinyImageOptions {
  /** Files of the single layer. Default: `hello.txt`. */
  files?: Record<string, string | Buffer>;
  /** Default: amd64. */
  architecture?: string;
  /** Put under this tag; default: by digest. */
  tag?: string;
}

export interface TinyImage {
  digest: string;
  bytes: Buffer;
  layerDigest: string;
  diffId: string;
  configDigest: string;
}

/** Builds a real single-layer image (gzip'ed tar, OCI config with diff_ids) into `store`. */
export async function putTinyImage(store: ArtifactStore, options: TinyImageOptions = {}): Promise<TinyImage> {
  const tar = createTar(options.files ?? { 'hello.txt': 'hello from flow-actions\n' });
  const layer = gzipSync(tar);
  const diffId = sha256(tar);
  const config = Buffer.from(
    JSON.stringify({
      created: '2026-01-01T00:00:00Z',
      architecture: options.architecture ?? 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '2026-01-01T00:00:00Z', created_by: 'flow-actions test' }],
    }),
  );
  await store.putBlob(sha256(config), config.length, config);
  await store.putBlob(sha256(layer), layer.length, layer);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: sha256(config), size: config.length },
      layers: [{ mediaType: MediaTypes.ociLayerTarGzip, digest: sha256(layer), size: layer.length }],
    }),
  );
  const digest = await store.putManifest(options.tag ?? sha256(bytes), {
    bytes,
    mediaType: MediaTypes.ociManifest,
  });
  return { digest, bytes, layerDigest: sha256(layer), diffId, configDigest: sha256(config) };
}

/** A blob's whole content, read through the store's verifying stream; fails when the blob is missing. */
export async function readBlob(store: ArtifactStore, digest: string): Promise<Buffer> {
  const content = await store.getBlob(digest);
  if (!content) throw new Error(`blob ${digest} is missing from ${store.location}`);
  const chunks: Buffer[] = [];
  for await (const chunk of content.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
