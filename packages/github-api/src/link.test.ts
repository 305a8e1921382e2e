import { expect, test } from 'vitest';
import { parseLinkHeader } from './link';

test.each([
  { header: null, links: {} },
  { header: '', links: {} },
  {
    header:
      '<https://api.github.com/orgs/acme/packages/container/team%2Fapi/versions?per_page=100&page=2>; rel="next", <https://api.github.com/orgs/acme/packages/container/team%2Fapi/versions?per_page=100&page=3>; rel="last"',
    links: {
      next: 'https://api.github.com/orgs/acme/packages/container/team%2Fapi/versions?per_page=100&page=2',
      last: 'https://api.github.com/orgs/acme/packages/container/team%2Fapi/versions?per_page=100&page=3',
    },
  },
  {
    header:
      '<https://x/r?page=1>; rel="prev", <https://x/r?page=3>; rel="next", <https://x/r?page=1>; rel="first"',
    links: { prev: 'https://x/r?page=1', next: 'https://x/r?page=3', first: 'https://x/r?page=1' },
  },
  { header: '<https://x/r?page=2>; rel=next', links: { next: 'https://x/r?page=2' } },
  {
    header: '<https://x/r?page=1>; rel="prev first"',
    links: { prev: 'https://x/r?page=1', first: 'https://x/r?page=1' },
  },
  { header: '<https://x/r?page=9>; rel="alternate"', links: {} },
])('parseLinkHeader($header)', ({ header, links }) => {
  expect(parseLinkHeader(header)).toEqual(links);
});
