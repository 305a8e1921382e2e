import { randomBytes } from 'node:crypto';
import { type ArtifactStore, computeDigest, type Descriptor, MediaTypes } from '@flow-actions/oci-store';

export interface SeedImageOptions {
  /**
   * The commit the image says it was built from (annotation on every manifest); null for an image
   * built outside the protocol, which names no commit (give `tag` then).
   */
  revision: string | null;
  /** The tag to put it under. Default: the short sha of `revision`. */
  tag?: string;
  /** Layers per image. Default: 1. */
  layers?: number;
  /** Bytes per layer (random, so every seeded image is new). Default: 256. */
  layerSize?: number;
  /** `os/arch` pairs: more than none makes a multi-platform OCI index. Default: a single manifest. */
  platforms?: string[];
}

export interface SeededImage {
  digest: string;
  mediaType: string;
  /** Every blob digest the artifact references. */
  blobs: string[];
  /** Child manifest digests of an index. */
  children: string[];
}

/**
 * Seeds a store with an image built from `revision`, the way build-by-sha leaves one: blobs
 * first, then children by digest, then the top manifest under its tag. The JSON has spacing of
 * its own, so a client that re-serialised it would change the digest.
 */
export async function seedImage(store: ArtifactStore, options: SeedImageOptions): Promise<SeededImage> {
  const annotations =
    options.revision === null
      ? {}
      : {
          'org.opencontainers.image.revision': options.revision,
          'org.opencontainers.image.source': 'https://github.com/acme/app',
        };
  const tag = options.tag ?? options.revision?.slice(0, 7) ?? 'latest';
  const platforms = options.platforms ?? [];
  const blobs: string[] = [];
  const pushImage = async (platform?: string): Promise<Descriptor> => {
    const [os = 'linux', architecture = 'amd64'] = (platform ?? 'linux/amd64').split('/');
    const config = Buffer.from(
      JSON.stringify({ architecture, os, rootfs: { type: 'layers', diff_ids: [] } }),
    );
    const layers: Descriptor[] = [];
    for (let index = 0; index < (options.layers ?? 1); index++) {
      const layer = randomBytes(options.layerSize ?? 256);
      const digest = computeDigest(layer);
      await store.putBlob(digest, layer.length, layer);
      layers.push({ mediaType: MediaTypes.ociLayerTarGzip, digest, size: layer.length });
      blobs.push(digest);
    }
    const configDigest = computeDigest(config);
    await store.putBlob(configDigest, config.length, config);
    blobs.push(configDigest);
    const bytes = Buffer.from(
      `{ "schemaVersion": 2,  "mediaType": "${MediaTypes.ociManifest}",\n  "config": ${JSON.stringify({ mediaType: MediaTypes.ociConfig, digest: configDigest, size: config.length })},\n  "layers": ${JSON.stringify(layers)},\n  "annotations": ${JSON.stringify(annotations)} }\n`,
    );
    const digest = computeDigest(bytes);
    const reference = platform ? digest : tag;
    await store.putManifest(reference, { bytes, mediaType: MediaTypes.ociManifest });
    return {
      mediaType: MediaTypes.ociManifest,
      digest,
      size: bytes.length,
      ...(platform ? { platform: { os, architecture } } : {}),
    };
  };

  if (platforms.length === 0) {
    const manifest = await pushImage();
    return { digest: manifest.digest, mediaType: manifest.mediaType, blobs, children: [] };
  }
  const children: Descriptor[] = [];
  for (const platform of platforms) children.push(await pushImage(platform));
  const bytes = Buffer.from(
    `{"schemaVersion":2,"mediaType":"${MediaTypes.ociIndex}",  "manifests": ${JSON.stringify(children)}, "annotations": ${JSON.stringify(annotations)}}`,
  );
  await store.putManifest(tag, {
    bytes,
    mediaType: MediaTypes.ociIndex,
  });
  return {
    digest: computeDigest(bytes),
    mediaType: MediaTypes.ociIndex,
    blobs,
    children: children.map((child) => child.digest),
  };
}
