import { ConfigurationError, CredentialsInUrlError } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { assertValidTag, formatReference, hasVersion, isValidTag, parseReference } from './reference';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['ghcr.io/acme/api:v1', { registry: 'ghcr.io', apiHost: 'ghcr.io', repository: 'acme/api', tag: 'v1' }],
    ['ghcr.io/acme/api', { registry: 'ghcr.io', apiHost: 'ghcr.io', repository: 'acme/api' }],
    [`ghcr.io/acme/api@${DIGEST}`, { registry: 'ghcr.io', repository: 'acme/api', digest: DIGEST }],
    [
      `ghcr.io/acme/api:v1@${DIGEST}`,
      { registry: 'ghcr.io', repository: 'acme/api', tag: 'v1', digest: DIGEST },
    ],
    [
      '127.0.0.1:5000/api:abc1234',
      { registry: '127.0.0.1:5000', apiHost: '127.0.0.1:5000', repository: 'api', tag: 'abc1234' },
    ],
    ['localhost/team/api', { registry: 'localhost', repository: 'team/api' }],
    ['localhost:5000/a/b/c:1.0', { registry: 'localhost:5000', repository: 'a/b/c', tag: '1.0' }],
    ['[::1]:5000/api:v1', { registry: '[::1]:5000', repository: 'api', tag: 'v1' }],
    [
      '123.dkr.ecr.eu-west-1.amazonaws.com/api:v1',
      { registry: '123.dkr.ecr.eu-west-1.amazonaws.com', repository: 'api' },
    ],
    ['alpine', { registry: 'docker.io', apiHost: 'registry-1.docker.io', repository: 'library/alpine' }],
    ['alpine:3', { registry: 'docker.io', repository: 'library/alpine', tag: '3' }],
    [
      'acme/api:v1',
      { registry: 'docker.io', apiHost: 'registry-1.docker.io', repository: 'acme/api', tag: 'v1' },
    ],
    ['docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    [
      'index.docker.io/acme/api',
      { registry: 'docker.io', apiHost: 'registry-1.docker.io', repository: 'acme/api' },
    ],
    ['Ghcr.IO/acme/api', { registry: 'ghcr.io', repository: 'acme/api' }],
    ['ghcr.io/acme/my_api.v2__x-y', { repository: 'acme/my_api.v2__x-y' }],
    ['ghcr.io/acme/api:_under.score-1', { tag: '_under.score-1' }],
    [`ghcr.io/acme/api:${'t'.repeat(128)}`, { tag: 't'.repeat(128) }],
  ])('%s', (input, expected) => {
    const reference = parseReference(input);
    expect(reference.kind).toBe('registry');
    expect(reference).toMatchObject(expected);
  });

  it.each([
    ['oci:/tmp/layout', { kind: 'layout', path: '/tmp/layout' }],
    ['oci:./layout:v1', { kind: 'layout', path: './layout', tag: 'v1' }],
    ['oci:layout:abc1234', { kind: 'layout', path: 'layout', tag: 'abc1234' }],
  ])('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it.each([
    ['', /reference is empty/],
    [
      'ghcr.io/Acme/api',
      /repository "Acme\/api" in "ghcr.io\/Acme\/api" must be lower-case: use "acme\/api"/,
    ],
    ['ghcr.io/acme/api:.bad', /tag "\.bad" is invalid/],
    ['ghcr.io/acme/api:-bad', /tag "-bad" is invalid/],
    [`ghcr.io/acme/api:${'t'.repeat(129)}`, /tag "t+" is invalid/],
    ['ghcr.io/acme/api:a/b', /invalid/],
    ['ghcr.io/acme/api@sha256:abc', /digest "sha256:abc" in "ghcr.io\/acme\/api@sha256:abc" is invalid/],
    [`ghcr.io/acme/api@sha256:${'A'.repeat(64)}`, /digest .* is invalid/],
    ['ghcr.io/acme//api', /invalid at ""/],
    ['ghcr.io/acme/api-', /invalid at "api-"/],
    ['ghcr.io/', /names registry ghcr.io but no repository/],
    ['https://ghcr.io/acme/api', /has a URL scheme: write it without "https:\/\/"/],
    ['bad_host.io:x/api', /registry "bad_host.io:x" .* is not a valid host\[:port\]/],
    ['oci:', /names no directory/],
    ['oci:/tmp/x:bad tag', /tag "bad tag" is invalid/],
    [`ghcr.io/${'a'.repeat(250)}`, /longer than 255 characters/],
  ])('rejects %j', (input, message) => {
    expect(() => parseReference(input)).toThrow(ConfigurationError);
    expect(() => parseReference(input)).toThrow(message);
  });

  // What a hurried hand types into `image:`; each error names the input, the cause and the fix.
  it.each([
    [
      '127.0.0.1:5000',
      'Input "image": "127.0.0.1:5000" names registry 127.0.0.1:5000 but no repository: write 127.0.0.1:5000/<repository>[:tag], e.g. 127.0.0.1:5000/acme/api',
    ],
    [
      '127.0.0.1:5000/',
      'Input "image": "127.0.0.1:5000/" names registry 127.0.0.1:5000 but no repository: write 127.0.0.1:5000/<repository>[:tag], e.g. 127.0.0.1:5000/acme/api',
    ],
    [
      'localhost:5000/',
      'Input "image": "localhost:5000/" names registry localhost:5000 but no repository: write localhost:5000/<repository>[:tag], e.g. localhost:5000/acme/api',
    ],
    [
      'localhost:5000',
      'Input "image": "localhost:5000" names registry localhost:5000 but no repository: write localhost:5000/<repository>[:tag], e.g. localhost:5000/acme/api',
    ],
    [
      'localhost',
      'Input "image": "localhost" names registry localhost but no repository: write localhost/<repository>[:tag], e.g. localhost/acme/api',
    ],
    [
      '[::1]:5000',
      'Input "image": "[::1]:5000" names registry [::1]:5000 but no repository: write [::1]:5000/<repository>[:tag], e.g. [::1]:5000/acme/api',
    ],
    [
      'ghcr.io',
      'Input "image": "ghcr.io" names registry ghcr.io but no repository: write ghcr.io/<repository>[:tag], e.g. ghcr.io/acme/api',
    ],
    [
      'ghcr.io:v1',
      'Input "image": "ghcr.io:v1" names registry ghcr.io but no repository: write ghcr.io/<repository>[:tag], e.g. ghcr.io/acme/api',
    ],
    [
      'docker.io',
      'Input "image": "docker.io" names registry docker.io but no repository: write docker.io/<repository>[:tag], e.g. docker.io/acme/api',
    ],
    [
      `127.0.0.1:5000@${DIGEST}`,
      `Input "image": "127.0.0.1:5000@${DIGEST}" names registry 127.0.0.1:5000 but no repository: write 127.0.0.1:5000/<repository>[:tag], e.g. 127.0.0.1:5000/acme/api`,
    ],
    [
      'ghcr.io/Acme/API:v1',
      'Input "image": repository "Acme/API" in "ghcr.io/Acme/API:v1" must be lower-case: use "acme/api"',
    ],
    ['Acme/api', 'Input "image": repository "Acme/api" in "Acme/api" must be lower-case: use "acme/api"'],
    [
      'ghcr.io/acme/api:v1 .0',
      'Input "image": reference "ghcr.io/acme/api:v1 .0" contains a space: write registry/repository[:tag] without spaces, e.g. ghcr.io/acme/api:v1',
    ],
    [
      'ghcr.io/acme/api :v1',
      'Input "image": reference "ghcr.io/acme/api :v1" contains a space: write registry/repository[:tag] without spaces, e.g. ghcr.io/acme/api:v1',
    ],
    [
      'ghcr.io/acme/api:v1\nv2',
      'Input "image": reference "ghcr.io/acme/api:v1\\nv2" contains a space: write registry/repository[:tag] without spaces, e.g. ghcr.io/acme/api:v1',
    ],
    [
      'ghcr.io/acme/api:',
      'Input "image": "ghcr.io/acme/api:" ends with ":" but names no tag: add the tag after it, or drop the ":"',
    ],
    ['oci:', 'Input "image": "oci:" names no directory: write oci:<dir>[:tag], e.g. oci:./layout:v1'],
    [
      'oci:./layout:',
      'Input "image": "oci:./layout:" ends with ":" but names no tag: add the tag after it, or drop the ":"',
    ],
    [
      'oci:./layout:v1 .0',
      'Input "image": tag "v1 .0" is invalid: it contains a space; a tag is 1 to 128 characters of letters, digits, "_", "." and "-", and must not start with "." or "-"',
    ],
  ])('refuses image: %j naming the input, the cause and the fix', (input, message) => {
    const error = (() => {
      try {
        parseReference(input, { inputName: 'image' });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('parsed');
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toContain('\n');
  });

  it.each([
    ['alpine:3', 'docker.io', 'library/alpine', '3'],
    ['redis:7', 'docker.io', 'library/redis', '7'],
    ['myhost:5000', 'docker.io', 'library/myhost', '5000'],
    ['localhost:5000/api', 'localhost:5000', 'api', undefined],
    [`alpine@${DIGEST}`, 'docker.io', 'library/alpine', undefined],
  ])('still reads %j as docker does', (input, registry, repository, tag) => {
    const reference = parseReference(input);
    expect(reference).toMatchObject({ registry, repository });
    expect(reference.tag).toBe(tag);
  });

  it.each([
    ['http://bob:hunter22@registry.example/acme/api', 'http://bob:***@registry.example/acme/api'],
    ['bob:hunter22@registry.example:5000/acme/api', 'bob:***@registry.example:5000/acme/api'],
    ['oci:https://bob:hunter22@registry.example/x', 'oci:https://bob:***@registry.example/x'],
  ])('refuses credentials in %s before anything else, showing them redacted', (input, redacted) => {
    const error = (() => {
      try {
        parseReference(input, { inputName: 'to-image' });
      } catch (caught) {
        return caught as CredentialsInUrlError;
      }
    })();
    expect(error).toBeInstanceOf(CredentialsInUrlError);
    expect(error?.message).toContain(`Input "to-image" carries credentials in "${redacted}"`);
    expect(error?.message).toContain('docker/login-action');
    expect(error?.message).not.toContain('hunter22');
    expect(error?.secrets).toContain('hunter22');
  });

  it('names the input an invalid reference came from', () => {
    expect(() => parseReference('ghcr.io/Acme/api', { inputName: 'image' })).toThrow(
      /^Input "image": repository "Acme\/api"/,
    );
  });

  it.each([
    'ghcr.io/acme/api:v1',
    `ghcr.io/acme/api@${DIGEST}`,
    'docker.io/library/alpine:3',
    '127.0.0.1:5000/api',
    'oci:/tmp/layout:v1',
  ])('formats %s back to itself', (input) => {
    expect(formatReference(parseReference(input))).toBe(input);
  });
});

describe('hasVersion', () => {
  it.each([
    ['ghcr.io/acme/api', false],
    ['ghcr.io/acme/api:v1', true],
    [`ghcr.io/acme/api@${DIGEST}`, true],
    ['oci:/tmp/layout', false],
    ['oci:/tmp/layout:build', true],
  ])('%s: %s', (reference, expected) => {
    expect(hasVersion(parseReference(reference))).toBe(expected);
  });
});

describe('tags', () => {
  it.each([
    ['v1.2.3', true],
    ['abc1234', true],
    ['_x', true],
    ['A'.repeat(128), true],
    ['A'.repeat(129), false],
    ['', false],
    ['.x', false],
    ['-x', false],
    ['x y', false],
    ['x+y', false],
  ])('%j valid: %s', (tag, valid) => {
    expect(isValidTag(tag)).toBe(valid);
  });

  it('assertValidTag names the input', () => {
    expect(() => assertValidTag('-x', 'tags')).toThrow('Input "tags": tag "-x" is invalid');
  });
});
