/**
 * A second (and third) writer process for the layout lock tests, run as
 * `node --import tsx layout-writer.ts <mode> <dir> …`:
 *
 * - `tags <dir> <prefix> <count>`: puts <count> distinct manifests, all at once, under
 *   `<prefix>-<n>`, and prints `{ tag: digest }` as JSON.
 * - `create <dir> <prefix> <count>`: creates `race-<n>` for n < count with createTag (only if
 *   absent), each with a manifest of its own, and prints `{ tag: { digest, created } }` as JSON.
 * - `hold <dir>`: takes the index lock, prints `locked`, and waits to be killed.
 */

import { join } from 'node:path';
import {
  acquireLock,
  EMPTY_CONFIG,
  EMPTY_CONFIG_DESCRIPTOR,
  LayoutStore,
  MediaTypes,
} from '@flow-actions/oci-store';

/** A manifest of this writer's own: its annotations make every writer's bytes differ. */
function manifestOf(prefix: string, n: number) {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/vnd.flow-actions.test',
      config: EMPTY_CONFIG_DESCRIPTOR,
      layers: [],
      annotations: { writer: prefix, n: String(n), pid: String(process.pid) },
    }),
  );
  return { bytes, mediaType: MediaTypes.ociManifest };
}

async function openLayout(dir: string): Promise<LayoutStore> {
  const store = new LayoutStore(dir);
  await store.putBlob(EMPTY_CONFIG_DESCRIPTOR.digest, EMPTY_CONFIG.length, EMPTY_CONFIG);
  return store;
}

async function writeTags(dir: string, prefix: string, count: number): Promise<void> {
  const store = await openLayout(dir);
  const written = await Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const tag = `${prefix}-${n}`;
      return [tag, await store.putManifest(tag, manifestOf(prefix, n))] as const;
    }),
  );
  process.stdout.write(JSON.stringify(Object.fromEntries(written)));
}

async function createTags(dir: string, prefix: string, count: number): Promise<void> {
  const store = await openLayout(dir);
  const outcomes = await Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const tag = `race-${n}`;
      return [tag, await store.createTag(tag, manifestOf(prefix, n))] as const;
    }),
  );
  process.stdout.write(JSON.stringify(Object.fromEntries(outcomes)));
}

async function hold(dir: string): Promise<void> {
  await acquireLock(join(dir, 'index.json.lock'));
  process.stdout.write('locked\n');
  setInterval(() => undefined, 1_000);
}

const [mode, dir, prefix, count] = process.argv.slice(2);
if (mode === 'tags' && dir && prefix && count) await writeTags(dir, prefix, Number(count));
else if (mode === 'create' && dir && prefix && count) await createTags(dir, prefix, Number(count));
else if (mode === 'hold' && dir) await hold(dir);
else throw new Error('usage: layout-writer.ts tags|create <dir> <prefix> <count> | hold <dir>');
