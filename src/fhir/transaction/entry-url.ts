import { badRequest } from '../outcome.ts';

export interface EntryTarget {
  /** Path below the FHIR base, no leading slash: `Patient/123`. */
  path: string;
  query: [string, string][];
}

const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Splits a Bundle entry's request.url, relative to the FHIR base or absolute on it
 * (FHIR R4 bundle.html#bundle-resolution), into path and query.
 */
export function parseEntryUrl(url: string, baseUrl: string, expression: string): EntryTarget {
  let relative = url.trim();
  if (ABSOLUTE.test(relative)) {
    if (relative === baseUrl) relative = '';
    else if (relative.startsWith(`${baseUrl}/`) || relative.startsWith(`${baseUrl}?`)) relative = relative.slice(baseUrl.length);
    else throw badRequest(`request.url '${url}' is not on this server's FHIR base ${baseUrl}`, expression);
  }
  const q = relative.indexOf('?');
  const path = (q < 0 ? relative : relative.slice(0, q)).replace(/^\/+/, '');
  const query = q < 0 ? [] : [...new URLSearchParams(relative.slice(q + 1))];
  return { path, query };
}
