import { openStore } from '@flow-actions/oci-store';

/**
 * `node retag-cli.js <registry/repo:tag> <new-tag>`: the retag an action performs (fetch the
 * manifest's exact bytes, put them under the new tag), as a whole process, for the benchmark.
 */
async function main(): Promise<void> {
  const [source, newTag] = process.argv.slice(2);
  if (!source || !newTag) throw new Error('usage: retag-cli <registry/repo:tag> <new-tag>');
  const colon = source.lastIndexOf(':');
  const store = await openStore(source.slice(0, colon));
  const manifest = await store.getManifest(source.slice(colon + 1));
  if (!manifest) throw new Error(`${source} not found`);
  process.stdout.write(`${await store.putManifest(newTag, manifest)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
