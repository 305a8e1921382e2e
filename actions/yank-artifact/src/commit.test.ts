import { writeTombstone } from '@flow-actions/artifact-protocol';
import { MemoryStore } from '@flow-actions/oci-store';
import { describe, expect, it } from 'vitest';
import { seedImage } from '../../../test/support/artifacts';
import { expandShortSha } from './commit';

const options = { shaLength: 7, tagPrefix: '' };
const full = `abcdef1${'2'.repeat(33)}`;

describe('expandShortSha', () => {
  it('keeps a full sha as it is, without a request', async () => {
    const store = new MemoryStore();
    expect(await expandShortSha([store], full, options)).toBe(full);
    expect(store.counters.getManifest).toBe(0);
  });

  it('expands through the revision annotation of the artifact under the sha tag', async () => {
    const store = new MemoryStore();
    await seedImage(store, { revision: full });
    expect(await expandShortSha([new MemoryStore('registry.test/empty'), store], 'abcdef12', options)).toBe(
      full,
    );
  });

  it('fails when no artifact names the commit, or when the given characters do not match its revision', async () => {
    const store = new MemoryStore();
    await seedImage(store, { revision: full });
    await expect(expandShortSha([store], 'abcdef13', options)).rejects.toThrow(
      'Input "sha" value "abcdef13" cannot be expanded: no artifact tagged abcdef1 and no tombstone yanked-abcdef1 names its commit.',
    );
    await expect(expandShortSha([store], '1234567', options)).rejects.toThrow('no artifact tagged 1234567');
  });

  it('fails on an ambiguous abbreviation: two repositories name two commits', async () => {
    const first = new MemoryStore('registry.test/api');
    const second = new MemoryStore('registry.test/worker');
    await seedImage(first, { revision: full });
    await seedImage(second, { revision: `abcdef1${'3'.repeat(33)}` });
    await expect(expandShortSha([first, second], 'abcdef1', options)).rejects.toThrow(
      'Input "sha" value "abcdef1" is ambiguous: registry.test/api:abcdef1 is',
    );
  });

  it('after the artifact is gone, expands through the tombstone, which records the full sha', async () => {
    const store = new MemoryStore('registry.test/api');
    await writeTombstone(store, { sha: full, reason: 'broken', actor: 'alice' });
    expect(await expandShortSha([store], 'abcdef1', options)).toBe(full);
    expect(await expandShortSha([store], 'abcdef12', options)).toBe(full);
    await expect(expandShortSha([store], 'abcdef13', options)).rejects.toThrow('cannot be expanded');
  });

  it('asks the local history only when no store knows the commit, and still checks the characters', async () => {
    const store = new MemoryStore('registry.test/api');
    const asked: string[] = [];
    const local = async (short: string) => {
      asked.push(short);
      return full;
    };
    expect(await expandShortSha([store], 'abcdef1', options, local)).toBe(full);
    expect(asked).toEqual(['abcdef1']);
    await seedImage(store, { revision: full });
    expect(await expandShortSha([store], 'abcdef1', options, local)).toBe(full);
    expect(asked).toEqual(['abcdef1']);
    await expect(expandShortSha([new MemoryStore()], '1234567', options, local)).rejects.toThrow(
      'cannot be expanded',
    );
  });
});
