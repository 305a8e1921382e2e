import { isLoopback } from './transport';

/**
 * Why the token server a registry's Bearer challenge names must not get a token request, or
 * undefined when it may. The realm may be on another host than the registry — Docker Hub's is
 * auth.docker.io — and Docker and containerd send the registry's own credentials there; what a
 * realm may not do is downgrade to plain HTTP, carry user info, or point a remote registry's
 * credentials at this machine or the link-local range (169.254.169.254 is the cloud metadata
 * service). go-containerregistry applies the same checks (validateRealmURL).
 */
export function realmProblem(realm: string, registryBaseUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return 'which is not a URL';
  }
  const registry = new URL(registryBaseUrl);
  if (url.username || url.password) return 'which carries user info';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && registry.protocol === 'http:'))
    return `over ${url.protocol.replace(/:$/, '')}, while only https may carry credentials from an https registry`;
  if (!isLoopback(registry.hostname) && (isLoopback(url.hostname) || isLinkLocal(url.hostname)))
    return 'on a loopback or link-local address, which a remote registry cannot serve tokens from';
  return undefined;
}

function isLinkLocal(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return /^169\.254\.\d{1,3}\.\d{1,3}$/.test(name) || /^fe[89ab][0-9a-f]:/.test(name);
}
