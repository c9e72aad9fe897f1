import { parseBasicAuthorization } from '../auth/basic-credentials.ts';

/**
 * Text no surface accepts, found before anything reads it. Two rules:
 * - `text`: U+0000 and UTF-16 surrogates outside a pair. Neither is text UTF-8 can carry (RFC 3629 §3 leaves
 *   surrogates out; a JSON `\ud800` escape is "unpredictable", RFC 8259 §8.2), and PostgreSQL holds neither
 *   (a NUL is an error in text and jsonb; a lone surrogate an error in jsonb and, in text, silently U+FFFD).
 * - `controls`: those and every other control character (U+0001–U+001F, U+007F), which no OAuth parameter
 *   (RFC 6749 Appendix A: VSCHAR, NQCHAR, URI-reference) and no Basic user-id or password (RFC 7617 §2) holds.
 *
 * Each finder answers the first offending value: where it is, in words that are safe to echo (printable ASCII
 * without `"` and `\`, RFC 6749 §5.2), and what it holds. Nested encodings are unwrapped as the reader of the
 * value will unwrap them: percent-encoding in URLs and forms (strictly: malformed escapes and bytes that are not
 * UTF-8 are findings too), base64 in Basic credentials, base64url JSON in a JWS.
 */
export type CharacterRule = 'text' | 'controls';

export interface ForbiddenText {
  /** Where: `the query parameter client_id`, `the JSON body at name[0].family`. */
  where: string;
  /** What: `a NUL character (U+0000)`, `a lone UTF-16 surrogate (U+D800)`, `malformed percent-encoding`. */
  what: string;
}

const LONE_SURROGATE = '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const PATTERNS: Readonly<Record<CharacterRule, RegExp>> = {
  text: new RegExp(`\\u0000|${LONE_SURROGATE}`),
  controls: new RegExp(`[\\u0000-\\u001F\\u007F]|${LONE_SURROGATE}`),
};

/** `Where … holds what`: the description a surface puts in its 400. */
export function describeForbidden(found: ForbiddenText): string {
  return `${found.where.charAt(0).toUpperCase()}${found.where.slice(1)} holds ${found.what}`;
}

/** What the first forbidden character of `text` is, or undefined. */
export function forbiddenCharacter(text: string, rule: CharacterRule): string | undefined {
  const match = PATTERNS[rule].exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code === 0) return `a NUL character (${hex})`;
  if (code >= 0xd800 && code <= 0xdfff) return `a lone UTF-16 surrogate (${hex})`;
  return `a control character (${hex})`;
}

/** A name as it may be echoed: printable ASCII without quote and backslash, at most 40 characters. */
export function printable(name: string): string {
  const safe = name.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '?');
  return safe.length > 40 ? `${safe.slice(0, 40)}...` : safe;
}

/** A step of findForbiddenValue's walk: a value at a path, or an object key to check. */
type WalkStep = { node: unknown; path: string; depth: number } | { key: string; path: string };

/**
 * The first string or key in a parsed value (JSON, YAML) holding a forbidden character, with its path, or the
 * value itself when arrays and objects nest in it deeper than `maxDepth` (YAML aliases can nest a value deeper
 * than its text, even in a cycle). Walked with an explicit stack, depth first in document order: no value can
 * overflow the call stack.
 */
export function findForbiddenValue(value: unknown, rule: CharacterRule, subject: string, maxDepth: number): ForbiddenText | undefined {
  const at = (path: string) => (path === '' ? subject : `${subject} at ${path}`);
  const steps: WalkStep[] = [{ node: value, path: '', depth: 0 }];
  for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
    if ('key' in step) {
      const what = forbiddenCharacter(step.key, rule);
      if (what) return { where: `a key of ${at(step.path)}`, what };
      continue;
    }
    const { node, path, depth } = step;
    if (typeof node === 'string') {
      const what = forbiddenCharacter(node, rule);
      if (what) return { where: at(path), what };
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxDepth) return { where: subject, what: `values nested deeper than ${maxDepth} levels` };
    // Pushed last first, so that they are taken in order (an object's key before its value).
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) steps.push({ node: node[i] as unknown, path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    const entries = Object.entries(node);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as [string, unknown];
      steps.push({ node: child, path: path === '' ? printable(key) : `${path}.${printable(key)}`, depth: depth + 1 }, { key, path });
    }
  }
  return undefined;
}

/**
 * OAuth parameters whose own parser refuses control characters with a more precise error than a 400
 * `invalid_request` (RFC 6749 §3.3: a malformed `scope` is `invalid_scope`, redirected to the client at the
 * authorize endpoint): held to the `text` rule only, wherever the `controls` rule applies.
 */
const OWN_SYNTAX_PARAMETERS: ReadonlySet<string> = new Set(['scope']);

/** The rule a parameter's value is held to. */
function ruleFor(name: string, rule: CharacterRule): CharacterRule {
  return rule === 'controls' && OWN_SYNTAX_PARAMETERS.has(name) ? 'text' : rule;
}

/** Flat parameters (a token request's form): `the parameter <name>`. */
export function findInFields(fields: Readonly<Record<string, string | undefined>>, rule: CharacterRule, noun = 'parameter'): ForbiddenText | undefined {
  for (const [name, value] of Object.entries(fields)) {
    const nameHolds = forbiddenCharacter(name, rule);
    if (nameHolds) return { where: `a ${noun} name`, what: nameHolds };
    const what = value === undefined ? undefined : forbiddenCharacter(value, ruleFor(name, rule));
    if (what) return { where: `the ${noun} ${printable(name)}`, what };
  }
  return undefined;
}

/**
 * Percent-decoding as strict as RFC 3986 §2.1 and UTF-8 (RFC 3986 §2.5): a `%` not followed by two hex digits,
 * or escaped bytes that are not UTF-8 (an encoded surrogate or an overlong NUL included), is a finding of its
 * own. WHATWG's parser would keep the first as text and turn the second into U+FFFD, changing what was sent.
 */
function percentDecode(text: string, plusIsSpace: boolean): { text: string } | { what: string } {
  const raw = plusIsSpace ? text.replace(/\+/g, ' ') : text;
  if (!raw.includes('%')) return { text: raw };
  try {
    return { text: decodeURIComponent(raw) };
  } catch {
    return { what: /%(?![0-9A-Fa-f]{2})/.test(raw) ? 'malformed percent-encoding' : 'percent-encoded bytes that are not UTF-8' };
  }
}

/** An `application/x-www-form-urlencoded` string (a URL's query or a form body), each name and value decoded. */
export function findInUrlEncoded(encoded: string, rule: CharacterRule, noun: string): ForbiddenText | undefined {
  if (encoded === '') return undefined;
  for (const pair of encoded.split('&')) {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = percentDecode(rawName, true);
    if ('what' in name) return { where: `a ${noun} name`, what: name.what };
    const nameHolds = forbiddenCharacter(name.text, rule);
    if (nameHolds) return { where: `a ${noun} name`, what: nameHolds };
    const where = `the ${noun} ${printable(name.text)}`;
    if (eq < 0) continue;
    const value = percentDecode(pair.slice(eq + 1), true);
    if ('what' in value) return { where, what: value.what };
    const what = forbiddenCharacter(value.text, ruleFor(name.text, rule));
    if (what) return { where, what };
  }
  return undefined;
}

/** A request target (`/path?query`): every path segment and query parameter, decoded. */
export function findInUrl(url: string, rule: CharacterRule = 'text'): ForbiddenText | undefined {
  if (!url.includes('%') && !PATTERNS[rule].test(url)) return undefined;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  for (const segment of path.split('/')) {
    const decoded = percentDecode(segment, false);
    const what = 'what' in decoded ? decoded.what : forbiddenCharacter(decoded.text, rule);
    if (what) return { where: 'the URL path', what };
  }
  return q < 0 ? undefined : findInUrlEncoded(url.slice(q + 1), rule, 'query parameter');
}

/**
 * An Authorization header: the value as sent, and Basic credentials decoded (RFC 7617 §2: no control
 * characters in user-id or password). `formEncodedBasic`: the credentials are form-encoded before base64
 * (RFC 6749 §2.3.1), so they are checked decoded too; undecodable ones are left to client authentication.
 */
export function findInAuthorization(header: string | string[] | undefined, options: { formEncodedBasic?: boolean } = {}): ForbiddenText | undefined {
  for (const value of header === undefined ? [] : [header].flat()) {
    const what = forbiddenCharacter(value, 'text');
    if (what) return { where: 'the Authorization header', what };
    const basic = parseBasicAuthorization(value.trim());
    if (!basic) continue;
    for (const [part, text] of [['user-id', basic.username], ['password', basic.password]] as const) {
      const holds = forbiddenCharacter(text, 'controls');
      if (holds) return { where: `the Basic ${part}`, what: holds };
      if (!options.formEncodedBasic) continue;
      const decoded = percentDecode(text, true);
      const decodedHolds = 'text' in decoded ? forbiddenCharacter(decoded.text, 'controls') : undefined;
      if (decodedHolds) return { where: `the Basic ${part}`, what: decodedHolds };
    }
  }
  return undefined;
}

/**
 * A compact JWS (RFC 7515 §7.1): its header and claims, base64url JSON, as whoever reads the unverified token
 * will decode them, nested no deeper than `maxDepth`. Segments that do not decode to JSON are left to that
 * reader.
 */
export function findInJws(token: string, subject: string, maxDepth: number): ForbiddenText | undefined {
  const segments = token.split('.');
  if (segments.length !== 3) return undefined;
  for (const [segment, part] of [[segments[0], 'header'], [segments[1], 'payload']] as const) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'));
    } catch {
      continue;
    }
    const found = findForbiddenValue(decoded, 'text', `the ${subject} ${part}`, maxDepth);
    if (found) return found;
  }
  return undefined;
}
