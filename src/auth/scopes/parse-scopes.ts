import { parseV2Permissions, V1_PERMISSIONS } from './permissions.ts';
import {
  NON_RESOURCE_SCOPES,
  type NonResourceScopeName,
  type Permission,
  type Scope,
  type ScopeContext,
  type ScopeQueryParam,
} from './scope.ts';

export interface ParseScopesOptions {
  /**
   * When given, a resource scope naming a type outside this set (other than `*`) is `unknown`.
   * Pass `definitions.resourceTypes`.
   */
  readonly resourceTypes?: ReadonlySet<string>;
}

const RESOURCE_SCOPE = /^(patient|user|system)\/(\*|[A-Za-z]+)\.([^?]+)(?:\?(.*))?$/;
/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** A character that may not appear in a scope string: neither a scope-token character nor the space between tokens. */
const NOT_IN_SCOPE = /[^\x20\x21\x23-\x5B\x5D-\x7E]/;

/**
 * What makes a requested scope string malformed (RFC 6749 §3.3: scope-tokens separated by spaces), or
 * undefined. A tab, a line break, any other control character, a quote, a backslash or a non-ASCII
 * character is refused as `invalid_scope`, never split on or passed along. The answer names the
 * character by its code point and stays within error_description's characters (RFC 6749 §5.2).
 */
export function scopeSyntaxProblem(text: string): string | undefined {
  const bad = NOT_IN_SCOPE.exec(text)?.[0];
  if (bad === undefined) return undefined;
  const codePoint = `U+${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `scope contains the character ${codePoint}: scope tokens are printable ASCII other than quote and backslash, separated by spaces (RFC 6749 section 3.3)`;
}

/**
 * A space-separated scope string (RFC 6749 §3.3) to scope values, in order, duplicates removed.
 * Never throws: tokens we don't understand come back as `{ kind: 'unknown' }`. Only spaces separate
 * tokens; a token holding any other character outside scope-token (a line break…) is `unknown`.
 * Requests are checked with scopeSyntaxProblem first.
 */
export function parseScopes(text: string, options: ParseScopesOptions = {}): Scope[] {
  const seen = new Set<string>();
  const scopes: Scope[] = [];
  for (const token of text.split(/ +/)) {
    if (token === '' || seen.has(token)) continue;
    seen.add(token);
    scopes.push(parseScope(token, options));
  }
  return scopes;
}

/** One scope token to its value. */
export function parseScope(token: string, options: ParseScopesOptions = {}): Scope {
  if (!SCOPE_TOKEN.test(token)) return unknown(token, 'not an RFC 6749 scope token (printable ASCII other than quote and backslash)');
  if ((NON_RESOURCE_SCOPES as readonly string[]).includes(token)) {
    return { kind: token as NonResourceScopeName, text: token };
  }
  const match = RESOURCE_SCOPE.exec(token);
  if (!match) return unknown(token, 'not a SMART scope');
  const [, context, resourceType, permissionText, queryText] = match as unknown as [string, ScopeContext, string, string, string | undefined];

  if (resourceType !== '*' && !/^[A-Z][A-Za-z]*$/.test(resourceType)) {
    return unknown(token, `"${resourceType}" is not a resource type`);
  }
  if (resourceType !== '*' && options.resourceTypes && !options.resourceTypes.has(resourceType)) {
    return unknown(token, `"${resourceType}" is not a FHIR R4 resource type`);
  }

  const v1 = V1_PERMISSIONS[permissionText];
  const v2 = v1 ? undefined : parseV2Permissions(permissionText);
  if (!v1 && !v2) return unknown(token, `"${permissionText}" is neither read, write, * nor ordered letters of cruds`);

  let query: ScopeQueryParam[] | undefined;
  if (queryText !== undefined) {
    // Granular scopes are a SMART v2 feature (SMART 2.x §"Finer-grained resource constraints").
    if (v1) return unknown(token, 'a query needs v2 permissions (e.g. .rs), not v1 ones');
    query = parseQuery(queryText);
    if (!query) return unknown(token, `"${queryText}" is not a name=value query`);
  }

  const permissions = new Set<Permission>(v1 ?? v2);
  return {
    kind: 'resource',
    context,
    resourceType,
    permissions,
    version: v1 ? 1 : 2,
    ...(query ? { query } : {}),
    text: token,
  };
}

function parseQuery(text: string): ScopeQueryParam[] | undefined {
  if (text === '') return undefined;
  const pairs: ScopeQueryParam[] = [];
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = decode(part.slice(0, eq));
    const value = decode(part.slice(eq + 1));
    if (name === undefined || value === undefined || value === '') return undefined;
    pairs.push([name, value]);
  }
  return pairs;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function unknown(text: string, problem: string): Scope {
  return { kind: 'unknown', text, problem };
}
