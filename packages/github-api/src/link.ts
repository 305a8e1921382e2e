/** The targets of an RFC 8288 `Link` header by relation, as GitHub sends them for pagination. */
export interface PageLinks {
  next?: string;
  prev?: string;
  first?: string;
  last?: string;
}

const LINK_VALUE = /<([^>]*)>((?:\s*;\s*[^,;]+)*)/g;
const REL_PARAM = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i;

/** Reads `<url>; rel="next", <url>; rel="last"` into `{ next, last }`; a missing header gives `{}`. */
export function parseLinkHeader(header: string | null | undefined): PageLinks {
  const links: PageLinks = {};
  if (!header) return links;
  for (const match of header.matchAll(LINK_VALUE)) {
    const [, target, params] = match;
    const rel = REL_PARAM.exec(params ?? '');
    if (target === undefined || !rel) continue;
    // One link may carry several relations: rel="prev first".
    for (const name of (rel[1] ?? rel[2] ?? '').split(/\s+/)) {
      if (name === 'next' || name === 'prev' || name === 'first' || name === 'last') links[name] ??= target;
    }
  }
  return links;
}
