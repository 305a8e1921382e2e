import { describe, expect, it } from 'vitest';
import { defaultSecrets, ecrRegion, loginKindFor } from './login';

describe('the login a registry takes unless told', () => {
  it.each([
    ['ghcr.io', 'github-token'],
    ['GHCR.IO', 'github-token'],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'ecr'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', 'ecr'],
    ['europe-west4-docker.pkg.dev', 'gar'],
    ['eu.gcr.io', 'gar'],
    ['docker.io', 'password'],
    ['registry.acme.dev:5000', 'password'],
    ['127.0.0.1:5000', 'password'],
    // Not ECR: an account id has 12 digits.
    ['12345.dkr.ecr.eu-west-1.amazonaws.com', 'password'],
  ])('%s → %s', (registry, kind) => {
    expect(loginKindFor(registry)).toBe(kind);
  });

  it('reads the region of an ECR registry, nothing of another', () => {
    expect(ecrRegion('123456789012.dkr.ecr.us-east-2.amazonaws.com')).toBe('us-east-2');
    expect(ecrRegion('ghcr.io')).toBeUndefined();
  });

  it('names Docker Hub’s secrets as its docs do, anything else REGISTRY_*', () => {
    expect(defaultSecrets('docker.io')).toEqual({
      username: 'DOCKERHUB_USERNAME',
      password: 'DOCKERHUB_TOKEN',
    });
    expect(defaultSecrets('quay.io')).toEqual({
      username: 'REGISTRY_USERNAME',
      password: 'REGISTRY_PASSWORD',
    });
  });
});
