// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { isDockerHub } from '@flow-actions/oci-store';

// How a workflow logs in to the registry its images live on. The templates log in to ghcr.io with
// the job's GITHUB_TOKEN through docker/login-action; `flow init` keeps that step (and its pin,
// which the release's templates carry) and changes only what the registry needs: the user and
// password it passes, an authentication step before it for the clouds that hand out short-lived
// credentials through GitHub's OIDC token, and the permissions that asks for.

/** The ways of logging in, named as `--registry-login` takes them. */
export const LOGIN_KINDS = ['github-token', 'password', 'ecr', 'gar'] as const;
export type LoginKind = (typeof LOGIN_KINDS)[number];

export type RegistryLogin =
  /** GHCR (or a GHES container registry): the job's GITHUB_TOKEN, with `packages: write`. */
  | { kind: 'github-token' }
  /** Any registry with a user and a password or token: Docker Hub, Harbor, Quay, Nexus… */
  | {
      kind: 'password';
      /** What docker/login-action's `username:` gets: `${{ secrets.NAME }}` or a plain user name. */
      username: string;
      /** The name of the secret that holds the password or token. */
      passwordSecret: string;
    }
  /** Amazon ECR: an IAM role assumed through OIDC (configure-aws-credentials), then docker/login-action's ECR form. */
  | { kind: 'ecr'; role: string; region: string }
  /** Google Artifact Registry: workload identity federation (google-github-actions/auth), then an access token. */
  | { kind: 'gar'; workloadIdentityProvider: string; serviceAccount: string };

/** The action every template logs in with; its pin comes from the release's templates. */
export const DOCKER_LOGIN_ACTION = 'docker/login-action';

/**
 * The third-party actions `flow init` adds for the cloud logins, pinned as the templates pin theirs:
 * the full commit sha of a release tag whose action.yml runs on node24, each checked upstream and
 * recorded in test/fixtures/templates/verified-pins.json (the templates' security check reads it).
 */
export const AUTH_ACTION_PINS = {
  'aws-actions/configure-aws-credentials': {
    sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c',
    version: 'v6.2.3',
  },
  'google-github-actions/auth': { sha: '7c6bc770dae815cd3e89ee6cdf493a5fab2cc093', version: 'v3.0.0' },
} as const;
export type AuthAction = keyof typeof AUTH_ACTION_PINS;

/** The id of the Google authentication step, whose access token the login step reads. */
export const GAR_AUTH_STEP = 'gcp-auth';

/** Amazon ECR's private registries, as docker/login-action recognises them: `<account>.dkr.ecr.<region>.amazonaws.com`. */
const ECR_HOST =
  /^[0-9]{12}\.(?:dkr\.ecr|dkr-ecr)\.([a-z0-9-]+)\.(?:on\.aws|amazonaws\.(?:com(?:\.cn)?|eu))$/;
/** Artifact Registry (`<location>-docker.pkg.dev`) and the Container Registry hosts it serves. */
const GOOGLE_HOST = /^(?:[a-z0-9-]+-docker\.pkg\.dev|(?:[a-z]+\.)?gcr\.io)$/;

/** The login a registry host takes unless told otherwise. */
export function loginKindFor(registry: string): LoginKind {
  const host = registry.toLowerCase();
  if (host === 'ghcr.io') return 'github-token';
  if (ECR_HOST.test(host)) return 'ecr';
  if (GOOGLE_HOST.test(host)) return 'gar';
  return 'password';
}

/** The AWS region of an ECR registry host, or undefined for any other host. */
export function ecrRegion(registry: string): string | undefined {
  return ECR_HOST.exec(registry.toLowerCase())?.[1];
}

/** The secret names a username/password login reads unless told otherwise: Docker Hub's as its docs name them. */
export function defaultSecrets(registry: string): { username: string; password: string } {
  return isDockerHub(registry)
    ? { username: 'DOCKERHUB_USERNAME', password: 'DOCKERHUB_TOKEN' }
    : { username: 'REGISTRY_USERNAME', password: 'REGISTRY_PASSWORD' };
}

/** `${{ secrets.NAME }}`. */
export function secretExpression(name: string): string {
  return `\${{ secrets.${name} }}`;
}

/** What docker/login-action's `with:` gets for a login; `undefined` removes the key (ECR's form reads the AWS credentials). */
export function loginInputs(login: RegistryLogin): {
  username: string | undefined;
  password: string | undefined;
} {
  switch (login.kind) {
    case 'github-token':
      return { username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' };
    case 'password':
      return { username: login.username, password: secretExpression(login.passwordSecret) };
    case 'ecr':
      return { username: undefined, password: undefined };
    case 'gar':
      return {
        username: 'oauth2accesstoken',
        password: `\${{ steps.${GAR_AUTH_STEP}.outputs.access_token }}`,
      };
  }
}

/** The step that gets short-lived cloud credentials before the login, as `key: value` lines of a step; none for the others. */
export function authStep(
  login: RegistryLogin,
): { action: AuthAction; id?: string; with: [string, string][] } | undefined {
  if (login.kind === 'ecr')
    return {
      action: 'aws-actions/configure-aws-credentials',
      with: [
        ['role-to-assume', login.role],
        ['aws-region', login.region],
      ],
    };
  if (login.kind === 'gar')
    return {
      action: 'google-github-actions/auth',
      id: GAR_AUTH_STEP,
      with: [
        ['token_format', 'access_token'],
        ['workload_identity_provider', login.workloadIdentityProvider],
        ['service_account', login.serviceAccount],
      ],
    };
  return undefined;
}

/** True when the login asks GitHub for an OIDC token (`id-token: write`). */
export function needsIdToken(login: RegistryLogin): boolean {
  return login.kind === 'ecr' || login.kind === 'gar';
}

/** The comment `flow init` writes above a login: what it logs in with, and how to change it. */
export function loginComment(login: RegistryLogin): string {
  const change = 'change it with flow init --registry-login';
  switch (login.kind) {
    case 'github-token':
      return `Registry login (flow init): the job's GITHUB_TOKEN, as GHCR takes it; ${change}.`;
    case 'password':
      return `Registry login (flow init): a user and a password secret; ${change}.`;
    case 'ecr':
      return `Registry login (flow init): an AWS role through GitHub's OIDC token, then ECR; ${change}.`;
    case 'gar':
      return `Registry login (flow init): workload identity federation, then Artifact Registry; ${change}.`;
  }
}

/** How a comment `flow init` wrote above a login starts: found again on a re-run. */
export const LOGIN_COMMENT_PREFIX = '# Registry login (flow init):';

/** One line for people: what the login is. */
export function describeLogin(login: RegistryLogin, registry: string): string {
  switch (login.kind) {
    case 'github-token':
      return `${registry} with the job's GITHUB_TOKEN (packages: write)`;
    case 'password':
      return `${registry} as ${login.username} with the secret ${login.passwordSecret}`;
    case 'ecr':
      return `${registry} through the AWS role ${login.role} (OIDC, id-token: write) in ${login.region}`;
    case 'gar':
      return `${registry} as ${login.serviceAccount} through ${login.workloadIdentityProvider} (OIDC, id-token: write)`;
  }
}
