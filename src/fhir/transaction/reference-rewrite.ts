/**
 * Rewrites every `reference` string at any depth of a JSON value, and placeholder ids in
 * narrative (FHIR R4 http.html#trules: the server replaces all links to a resolved entry).
 * `resolve` answers the new reference, or undefined to leave it. Returns a copy.
 */
export async function rewriteReferences(
  value: unknown,
  resolve: (reference: string) => Promise<string | undefined>,
  replaceInText: (text: string) => string,
): Promise<unknown> {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(await rewriteReferences(item, resolve, replaceInText));
    return out;
  }
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'reference' && typeof child === 'string') out[key] = (await resolve(child)) ?? child;
    else if (key === 'div' && typeof child === 'string') out[key] = replaceInText(child);
    else out[key] = await rewriteReferences(child, resolve, replaceInText);
  }
  return out;
}

/** urn:uuid: and urn:oid: fullUrls name an entry that has no server id yet (FHIR R4 bundle.html#bundle-unique). */
export const isPlaceholder = (url: string) => /^urn:(uuid|oid):\S+$/.test(url);
