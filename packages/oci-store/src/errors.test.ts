import { describe, expect, it } from 'vitest';
import {
  type ImmutableTagRefusedError,
  isImmutableTagRefusedError,
  parseSpecErrors,
  RegistryError,
  recognizeImmutabilityRefusal,
} from './errors';
import { RegistryStore } from './registry-store';
import { MediaTypes } from './store';
import { RegistryTransport } from './transport';

const body = (code: string, message: string) => JSON.stringify({ errors: [{ code, message }] });

// Each registry's answer to a manifest PUT that would move a tag its tag immutability protects,
// as recorded publicly (see the sources beside IMMUTABILITY_REFUSALS in errors.ts).
const REFUSALS: [string, number, string, string][] = [
  [
    'Amazon ECR',
    400,
    'TAG_INVALID',
    "The image tag '1.0.2' already exists in the 'acme-api' repository and cannot be overwritten because the repository is immutable.",
  ],
  [
    'Amazon ECR',
    400,
    'TAG_INVALID',
    "The image tag 'v2.5.0' already exists in the 'acme/api' repository and cannot be overwritten because the tag is immutable.",
  ],
  [
    'Google Artifact Registry',
    400,
    'MANIFEST_INVALID',
    'cannot update tag v2.5.0. The repository has enabled tag immutability',
  ],
  [
    'Harbor',
    412,
    'PRECONDITION',
    "Failed to process request due to 'acme/api:v2.5.0' configured as immutable.",
  ],
  [
    'Docker Hub',
    403,
    'DENIED',
    'requested access to the resource is denied - This tag is already assigned to an image in this repository and cannot be updated due to immutability settings. To push this image, use a different tag.',
  ],
];

describe('recognizeImmutabilityRefusal', () => {
  it.each(REFUSALS)('recognises %s: %i %s', (registry, status, code, message) => {
    expect(recognizeImmutabilityRefusal(status, parseSpecErrors(body(code, message)))).toMatchObject({
      registry,
    });
  });

  // What must stay an ordinary error: a pull-only account, another invalid tag, another precondition.
  it.each([
    [403, 'DENIED', 'requested access to the resource is denied'],
    [400, 'TAG_INVALID', 'manifest tag did not match URI'],
    [400, 'MANIFEST_INVALID', 'manifest invalid'],
    [412, 'PRECONDITION', 'the project quota is exceeded'],
    [500, 'UNKNOWN', 'cannot be overwritten because the repository is immutable'],
    // ECR's sentence under Harbor's status, and Harbor's under ECR's: each registry's own answer only.
    [412, 'TAG_INVALID', 'cannot be overwritten because the repository is immutable'],
    [400, 'PRECONDITION', "Failed to process request due to 'a:b' configured as immutable."],
  ])('leaves %i %s "%s" alone', (status, code, message) => {
    expect(recognizeImmutabilityRefusal(status, parseSpecErrors(body(code, message)))).toBeUndefined();
  });
});

/** A registry store whose only answer is `response`, for the manifest PUT under test. */
function storeAnswering(response: () => Response): RegistryStore {
  const transport = new RegistryTransport('registry.example', {
    fetch: async () => response(),
    sleep: async () => {},
  });
  return new RegistryStore({ registry: 'registry.example', repository: 'acme/api' }, transport);
}

const manifest = { bytes: Buffer.from('{"schemaVersion":2}'), mediaType: MediaTypes.ociManifest };

describe('a manifest PUT refused by tag immutability', () => {
  it.each(REFUSALS)(
    '%s: an ImmutableTagRefusedError naming the registry and its setting',
    async (registry, status, code, message) => {
      const store = storeAnswering(
        () => new Response(body(code, message), { status, headers: { 'content-type': 'application/json' } }),
      );
      const error = await store.putManifest('v2.5.0', manifest).catch((caught: unknown) => caught);
      expect(isImmutableTagRefusedError(error)).toBe(true);
      expect(error).toBeInstanceOf(RegistryError);
      const refused = error as ImmutableTagRefusedError;
      expect(refused.immutability.registry).toBe(registry);
      expect(refused.status).toBe(status);
      expect(refused.temporary).toBe(false);
      expect(refused.message).toMatch(
        new RegExp(
          `^registry registry\\.example refused to move acme/api:v2\\.5\\.0: ${registry} keeps the tag where it is \\(`,
        ),
      );
      expect(refused.message).not.toMatch(/check that the credentials may/);
    },
  );

  it('the same answer to a read is not a refusal to move a tag', async () => {
    const [, status, code, message] = REFUSALS[4] as (typeof REFUSALS)[number];
    const store = storeAnswering(() => new Response(body(code, message), { status }));
    const error = await store.getManifest('v2.5.0').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryError);
    expect(isImmutableTagRefusedError(error)).toBe(false);
  });
});
