import { describeError, refuseUrlCredentials } from '@flow-actions/action-kit';
import { checkNpmPackageName } from '@flow-actions/npm-runner';
import { formatReference, parseRegistryOnlyReference } from '@flow-actions/oci-store';
import { UsageError } from '../command';

// The values the templates mark CHANGE at their top (README, "What to set"), each with its flag.
// A template may have others: they keep the template's value unless `--set NAME=VALUE` names them.

/** One value marked CHANGE, as `flow init` asks for it. */
export interface ValueSpec {
  /** The name in `env:`, e.g. `IMAGE`. */
  name: string;
  /** The flag, e.g. `image`. */
  flag: string;
  description: string;
  /** How it is worked out from the others when not given; none: the template's value stays, or it is asked for. */
  derive?(values: Readonly<Record<string, string>>): string | undefined;
  /** No default: asked on a terminal with this question, else a usage error naming the flag. */
  question?: string;
  /** The value as written, or a UsageError naming the flag. */
  check(value: string): string;
}

const OWNER_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** A repository of a registry, without tag or digest, in its canonical form (`docker.io/acme/api`). */
function checkImage(flag: string) {
  return (value: string) => {
    const reference = wrap(() => parseRegistryOnlyReference(value, { inputName: flag }));
    if (reference.tag || reference.digest)
      throw new UsageError(
        `--${flag} "${value}" names a version; give the repository only, e.g. ${reference.registry}/${reference.repository}`,
      );
    return formatReference(reference);
  };
}

/** A folder of the manifest repository: relative, forward slashes, nothing leading out of it. */
function checkPath(flag: string) {
  return (value: string) => {
    const path = value.trim().replace(/\/+$/, '');
    if (!path || path.startsWith('/') || path.split('/').some((part) => part === '..' || part === ''))
      throw new UsageError(
        `--${flag} "${value}" is not a folder of the manifest repository: write a relative path such as envs/stage`,
      );
    return path;
  };
}

/** Runs a check of the actions' own, its refusal reworded for the command line as a usage error. */
function wrap<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError(describeError(error));
  }
}

export const registryOf = (image: string) => parseRegistryOnlyReference(image).registry;

export const VALUES: readonly ValueSpec[] = [
  {
    name: 'IMAGE',
    flag: 'image',
    description:
      'The release image, registry/repository (e.g. ghcr.io/acme/api): main builds into it, promote tags it.',
    question: 'The release image, registry/repository, e.g. ghcr.io/acme/api',
    check: checkImage('image'),
  },
  {
    name: 'REGISTRY',
    flag: 'registry',
    description: 'The registry the workflows log in to; the images must be on it (one login serves a job).',
    derive: (values) => (values.IMAGE ? registryOf(values.IMAGE) : undefined),
    check: (value) => {
      const host = value.trim().toLowerCase();
      wrap(() => parseRegistryOnlyReference(`${host}/probe`, { inputName: 'registry' }));
      return host;
    },
  },
  {
    name: 'DEVELOP_IMAGE',
    flag: 'develop-image',
    description: 'Where pull request builds go, on the same registry (e.g. ghcr.io/acme/api-develop).',
    derive: (values) => (values.IMAGE ? `${values.IMAGE}-develop` : undefined),
    check: checkImage('develop-image'),
  },
  {
    name: 'MANIFEST_REPOSITORY',
    flag: 'manifest-repository',
    description: 'The GitOps manifest repository, owner/name (e.g. acme/manifests).',
    question: 'The GitOps manifest repository, owner/name, e.g. acme/manifests',
    check: (value) => {
      const repository = value.trim().replace(/\.git$/, '');
      if (!OWNER_NAME.test(repository))
        throw new UsageError(
          `--manifest-repository "${value}" is not owner/name: write the GitHub repository, e.g. acme/manifests`,
        );
      return repository;
    },
  },
  {
    name: 'STAGE_PATH',
    flag: 'stage-path',
    description: "Stage's folder in the manifest repository.",
    check: checkPath('stage-path'),
  },
  {
    name: 'DEMO_PATH',
    flag: 'demo-path',
    description: "Demo's folder in the manifest repository.",
    check: checkPath('demo-path'),
  },
  {
    name: 'PROD_PATH',
    flag: 'prod-path',
    description: "Prod's folder in the manifest repository.",
    check: checkPath('prod-path'),
  },
  {
    name: 'TEST_RUNNER_PACKAGE',
    flag: 'test-runner-package',
    description:
      'npm-release: the test-runner package whose older versions your packages must keep working with.',
    question: 'The test-runner package your packages must keep working with, e.g. @acme/test-runner',
    check: (value) => {
      const name = value.trim();
      wrap(() => checkNpmPackageName(name, '--test-runner-package'));
      return name;
    },
  },
  {
    name: 'NPM_REGISTRY',
    flag: 'npm-registry',
    description: 'npm-release: the npm registry to publish to.',
    check: (value) => {
      const url = value.trim();
      wrap(() =>
        refuseUrlCredentials(url, {
          input: 'npm-registry',
          instead: 'the workflow passes the secret NPM_TOKEN',
        }),
      );
      if (!/^https?:\/\/[^\s/]+/.test(url))
        throw new UsageError(
          `--npm-registry "${value}" is not an http(s) URL, e.g. https://registry.npmjs.org/`,
        );
      return url;
    },
  },
];

/** `--set NAME=VALUE` pairs; a malformed one is a usage error. */
export function parseSetFlags(values: readonly string[]): Record<string, string> {
  const set: Record<string, string> = {};
  for (const entry of values) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/s.exec(entry);
    if (!match)
      throw new UsageError(
        `--set "${entry}" is not NAME=VALUE with NAME as env: writes it (e.g. --set DEPLOY_PATH=envs/qa)`,
      );
    const name = match[1] as string;
    const spec = VALUES.find((value) => value.name === name);
    if (spec) throw new UsageError(`--set ${name}=… has a flag of its own: pass --${spec.flag}`);
    set[name] = match[2] as string;
  }
  return set;
}

/** The name of a secret GitHub accepts: letters, digits, `_`; not starting with a digit or GITHUB_. */
function checkSecretName(flag: string) {
  return (value: string) => {
    const name = value.trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /^GITHUB_/i.test(name))
      throw new UsageError(
        `--${flag} "${value}" is not a secret name: letters, digits and "_", not starting with a digit or GITHUB_ (e.g. REGISTRY_PASSWORD)`,
      );
    return name;
  };
}

/** A value that must match `pattern`, else a usage error naming the flag and an example. */
function checkPattern(flag: string, pattern: RegExp, what: string) {
  return (value: string) => {
    const trimmed = value.trim();
    if (!pattern.test(trimmed)) throw new UsageError(`--${flag} "${value}" is not ${what}`);
    return trimmed;
  };
}

/** The login's flags, each checked as given or as answered. */
export const LOGIN_FLAGS: Readonly<Record<string, (value: string) => string>> = {
  'registry-username': checkPattern('registry-username', /^\S+$/, 'a user name (no spaces)'),
  'registry-username-secret': checkSecretName('registry-username-secret'),
  'registry-password-secret': checkSecretName('registry-password-secret'),
  'aws-role': checkPattern(
    'aws-role',
    /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    'an IAM role ARN, e.g. arn:aws:iam::123456789012:role/flow-actions',
  ),
  'aws-region': checkPattern('aws-region', /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region, e.g. eu-west-1'),
  'gcp-workload-identity-provider': checkPattern(
    'gcp-workload-identity-provider',
    /^projects\/\d+\/locations\/global\/workloadIdentityPools\/[\w-]+\/providers\/[\w-]+$/,
    'projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>',
  ),
  'gcp-service-account': checkPattern(
    'gcp-service-account',
    /^[^\s@]+@[\w.-]+\.iam\.gserviceaccount\.com$/,
    'a service account, e.g. flow@acme.iam.gserviceaccount.com',
  ),
};
