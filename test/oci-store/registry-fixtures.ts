import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ArtifactStore, computeDigest, MediaTypes } from '@flow-actions/oci-store';

export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

/** A blob with its descriptor fields. */
export interface FixtureBlob {
  bytes: Buffer;
  digest: string;
  size: number;
}

/** A manifest as exact bytes, never re-serialised, plus everything it references. */
export interface Fixture {
  name: string;
  mediaType: string;
  bytes: Buffer;
  digest: string;
  /** Child manifests of an index, in order. */
  children: Fixture[];
  /** Config and layers (of the children too). */
  blobs: FixtureBlob[];
}

function blobOf(bytes: Buffer): FixtureBlob {
  return { bytes, digest: computeDigest(bytes), size: bytes.length };
}

function fixture(
  name: string,
  mediaType: string,
  text: string,
  blobs: FixtureBlob[],
  children: Fixture[] = [],
): Fixture {
  const bytes = Buffer.from(text, 'utf8');
  return { name, mediaType, bytes, digest: computeDigest(bytes), blobs, children };
}

/**
 * An image manifest written the way no serialiser would: keys out of the usual order, tabs,
 * spaces before colons, a trailing newline. Re-serialising it changes its digest.
 */
export function buildImageManifest(
  kind: 'oci' | 'docker',
  options: { layers?: number; layerBytes?: number; architecture?: string } = {},
): Fixture {
  const architecture = options.architecture ?? 'amd64';
  const layers = Array.from({ length: options.layers ?? 2 }, () =>
    blobOf(randomBytes(options.layerBytes ?? 512)),
  );
  const config = blobOf(
    Buffer.from(
      `{"os":"linux",  "architecture":"${architecture}","rootfs":{"type":"layers","diff_ids":[${layers.map((l) => `"${l.digest}"`).join(',')}]}}\n`,
    ),
  );
  const [mediaType, configType, layerType] =
    kind === 'oci'
      ? [MediaTypes.ociManifest, MediaTypes.ociConfig, MediaTypes.ociLayerTarGzip]
      : [MediaTypes.dockerManifest, MediaTypes.dockerConfig, DOCKER_LAYER];
  const layerText = layers
    .map((l) => `\n\t\t{ "size" : ${l.size}, "digest" : "${l.digest}", "mediaType" : "${layerType}" }`)
    .join(',');
  const text = `{\n\t"mediaType" : "${mediaType}",\n\t"config": {"size":${config.size},"mediaType":"${configType}","digest":"${config.digest}"},\n\t"layers" : [${layerText}\n\t],\n\t"schemaVersion":   2\n}\n`;
  return fixture(`${kind} manifest`, mediaType, text, [config, ...layers]);
}

/** A two-platform index (OCI) or manifest list (Docker), with the same unusual formatting. */
export function buildIndex(kind: 'oci' | 'docker'): Fixture {
  const children = [
    buildImageManifest(kind, { architecture: 'amd64' }),
    buildImageManifest(kind, { architecture: 'arm64' }),
  ];
  const mediaType = kind === 'oci' ? MediaTypes.ociIndex : MediaTypes.dockerManifestList;
  const entries = children
    .map(
      (child, i) =>
        `\n    {"platform": {"os": "linux", "architecture": "${i === 0 ? 'amd64' : 'arm64'}"}, "digest": "${child.digest}",  "size": ${child.bytes.length}, "mediaType": "${child.mediaType}"}`,
    )
    .join(',');
  const text = `{"manifests": [${entries}\n  ], "mediaType": "${mediaType}",\n"schemaVersion": 2 }`;
  return fixture(
    `${kind} index`,
    mediaType,
    text,
    children.flatMap((c) => c.blobs),
    children,
  );
}

/** Writes a fixture into a store with the store's own blob and manifest operations. */
export async function pushFixture(store: ArtifactStore, artifact: Fixture, tag: string): Promise<void> {
  for (const blob of artifact.blobs) await store.putBlob(blob.digest, blob.size, blob.bytes);
  for (const child of artifact.children) await store.putManifest(child.digest, child);
  await store.putManifest(tag, artifact);
}

/** Writes a fixture as an OCI image layout (for skopeo to copy from), tagged `tag`. */
export async function writeLayout(dir: string, artifact: Fixture, tag: string): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const all = [
    ...artifact.blobs.map((b) => b.bytes),
    ...artifact.children.map((c) => c.bytes),
    artifact.bytes,
  ];
  for (const bytes of all) await writeFile(join(blobs, computeDigest(bytes).slice('sha256:'.length)), bytes);
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: artifact.mediaType,
        digest: artifact.digest,
        size: artifact.bytes.length,
        annotations: { 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
}
