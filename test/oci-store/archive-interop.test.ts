import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ARCHIVE_ARTIFACT_TYPE,
  buildLineageAnnotations,
  LayoutStore,
  packArchive,
  TITLE_ANNOTATION,
  unpackArchive,
} from '@flow-actions/oci-store';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireSkopeo, sha256, skopeo } from './tiny-image';

// A "zip" of a few MiB of random bytes: any byte changed on the way shows in the comparison.
const SIZE = 6 * 1024 * 1024 + 123;

let root: string;
let file: string;
let content: Buffer;
beforeAll(async () => {
  await requireSkopeo();
});
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'archive-interop-'));
  content = randomBytes(SIZE);
  file = join(root, 'api-lambda.zip');
  await writeFile(file, content);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const lineage = buildLineageAnnotations({
  revision: 'fedcba9876543210fedcba9876543210fedcba98',
  source: 'https://github.com/acme/api',
  created: '2026-03-01T10:00:00Z',
  runUrl: 'https://github.com/acme/api/actions/runs/7/attempts/1',
});

describe('archive artifacts in an OCI layout, checked with skopeo', () => {
  it('skopeo sees our manifest and copies out a layer byte-identical to the file', async () => {
    const layout = join(root, 'layout');
    const store = new LayoutStore(layout);
    const packed = await packArchive(store, {
      file,
      mediaType: 'application/zip',
      tag: 'fedcba9',
      annotations: lineage,
    });

    const raw = await skopeo(['inspect', '--raw', `oci:${layout}:fedcba9`]);
    expect(sha256(raw)).toBe(packed.manifest.digest);
    const manifest = JSON.parse(raw.toString()) as {
      artifactType: string;
      config: { mediaType: string; digest: string; size: number };
      layers: { mediaType: string; digest: string; size: number; annotations: Record<string, string> }[];
      annotations: Record<string, string>;
    };
    expect(manifest.artifactType).toBe(ARCHIVE_ARTIFACT_TYPE);
    expect(manifest.config).toEqual({
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      size: 2,
    });
    expect(manifest.layers).toEqual([
      {
        mediaType: 'application/zip',
        digest: sha256(content),
        size: SIZE,
        annotations: { [TITLE_ANNOTATION]: 'api-lambda.zip' },
      },
    ]);
    expect(manifest.annotations).toEqual(lineage);

    const out = join(root, 'skopeo-dir');
    await skopeo(['copy', `oci:${layout}:fedcba9`, `dir:${out}`]);
    const layer = await readFile(join(out, sha256(content).slice('sha256:'.length)));
    expect(layer.equals(content)).toBe(true);
    expect((await readFile(join(out, 'manifest.json'))).equals(raw)).toBe(true);
    expect(await readFile(join(out, manifest.config.digest.slice(7)), 'utf8')).toBe('{}');
  });

  it('unpacks byte-identical from a layout that skopeo copied, under a promoted tag', async () => {
    const layout = join(root, 'layout');
    const packed = await packArchive(new LayoutStore(layout), {
      file,
      mediaType: 'application/zip',
      tag: 'fedcba9',
      annotations: lineage,
    });
    const copied = join(root, 'copied');
    await skopeo(['copy', `oci:${layout}:fedcba9`, `oci:${copied}:v1.2.3`]);

    const unpacked = await unpackArchive(new LayoutStore(copied), 'v1.2.3', join(root, 'out'));
    expect(unpacked.path).toBe(join(root, 'out', 'api-lambda.zip'));
    expect(unpacked.manifestDigest).toBe(packed.manifest.digest);
    expect(unpacked.annotations).toEqual(lineage);
    expect((await readFile(unpacked.path)).equals(content)).toBe(true);
  });
});
