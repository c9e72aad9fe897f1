import { isScalar, parseDocument, stringify, visit, type Node } from 'yaml';
import type { PolicyFormat } from './policy-text.ts';

/** The order people read a provider in (the database keeps none): what it is, where, Portico's registration, the mapping. */
const ORDER = ['resourceType', 'title', 'issuer', 'client_id', 'token_endpoint_auth_method', 'scopes', 'active', 'mapping'] as const;

/**
 * A stored IdentityProvider as the console's editor shows it: without its id (in the URL), version, redirect URI (the
 * server's, shown apart) and secret (never shown; the admin API's answers leave it out already).
 */
export function providerText(provider: Record<string, unknown>, format: PolicyFormat): string {
  const { id: _id, meta, redirect_uri: _redirect, client_secret: _secret, ...rest } = provider;
  const { versionId: _v, lastUpdated: _l, ...keptMeta } = (meta ?? {}) as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of ORDER) if (key in rest) ordered[key] = rest[key];
  for (const [key, value] of Object.entries(rest)) if (!(key in ordered)) ordered[key] = value;
  if (ordered.mapping && typeof ordered.mapping === 'object') {
    const { user_claim, fhirUser, roles, provisioning, ...other } = ordered.mapping as Record<string, unknown>;
    ordered.mapping = Object.fromEntries(Object.entries({ user_claim, fhirUser, roles, provisioning, ...other }).filter(([, v]) => v !== undefined));
  }
  const shown = { ...ordered, ...(Object.keys(keptMeta).length > 0 ? { meta: keptMeta } : {}) };
  return format === 'json' ? `${JSON.stringify(shown, null, 2)}\n` : stringify(shown);
}

const SECRET_KEY = 'client_secret';
/** `client_secret: value` or `"client_secret": "value"` on one line, for text that does not parse. */
const SECRET_ON_LINE = /(["']?client_secret["']?\s*:\s*)("(?:[^"\\]|\\.)*"?|'[^']*'?|[^,}\s#][^,}#]*)/g;

/**
 * The text with every `client_secret` value replaced by `""`, for a page that shows the text again after a refused
 * save: a secret typed into it is never shown. Lines stay where they were, so the problems' lines still point right.
 */
export function withoutSecretValues(text: string): string {
  if (!text.includes(SECRET_KEY)) return text;
  const doc = parseDocument(text, { logLevel: 'silent', uniqueKeys: false });
  if (doc.errors.length > 0) return text.split('\n').map((line) => line.replace(SECRET_ON_LINE, '$1""')).join('\n');
  const ranges: [number, number][] = [];
  visit(doc, {
    Pair(_, pair) {
      const value = pair.value as Node | null;
      if (isScalar(pair.key) && pair.key.value === SECRET_KEY && value?.range) ranges.push([value.range[0], value.range[1]]);
    },
  });
  let out = text;
  for (const [start, end] of ranges.sort((a, b) => b[0] - a[0])) {
    // A block scalar's lines go with it (its range ends with its last line's end, which stays).
    out = `${out.slice(0, start)}""${out.slice(start, end).endsWith('\n') ? '\n' : ''}${out.slice(end)}`;
  }
  return out.includes(SECRET_KEY) && ranges.length === 0 ? text.split('\n').map((line) => line.replace(SECRET_ON_LINE, '$1""')).join('\n') : out;
}
