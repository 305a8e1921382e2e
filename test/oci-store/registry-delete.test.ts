import { openStore, RegistryError } from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../services';
import { buildImageManifest, pushFixture } from './registry-fixtures';

describe('deleteManifest', () => {
  let enabled: RunningRegistry;
  let disabled: RunningRegistry;

  beforeAll(async () => {
    [enabled, disabled] = await Promise.all([startRegistry(), startRegistry({ deleteEnabled: false })]);
  });
  afterAll(async () => {
    await enabled?.stop();
    await disabled?.stop();
  });

  it('deletes a manifest by digest, every tag on it goes, and a second delete is a no-op', async () => {
    const store = await openStore(`${enabled.host}/delete/app`);
    const artifact = buildImageManifest('oci');
    await pushFixture(store, artifact, 'v1');
    await store.putManifest('v1-again', artifact);
    await store.deleteManifest(artifact.digest);
    expect(await store.resolve('v1')).toBeUndefined();
    expect(await store.resolve(artifact.digest)).toBeUndefined();
    await expect(store.deleteManifest(artifact.digest)).resolves.toBeUndefined();
  });

  it('says deletion is disabled on a registry that answers 405', async () => {
    const store = await openStore(`${disabled.host}/delete/app`);
    const artifact = buildImageManifest('oci');
    await pushFixture(store, artifact, 'v1');
    const error = (await store.deleteManifest(artifact.digest).catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toBe(
      `registry ${disabled.host} has deletion disabled (405 UNSUPPORTED): enable it (distribution: storage.delete.enabled) or delete through the registry's own API`,
    );
    expect(error).toMatchObject({
      status: 405,
      code: 'UNSUPPORTED',
      temporary: false,
      operation: 'delete-manifest',
    });
    expect((await store.resolve('v1'))?.digest).toBe(artifact.digest);
  });
});
