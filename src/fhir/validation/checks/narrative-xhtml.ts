/**
 * A small strict reader of Narrative.div (FHIR R4 narrative.html#xhtml): well-formed XML, one `div`
 * root in the XHTML namespace, and txt-1's subset of HTML 4.0 — the formatting elements and
 * attributes of its chapters 7-11 (but not 9.4, ins/del) and 15, `<a>` (name or href), images and
 * inline styles; no scripts, forms, frames, objects, event attributes (`on*`) or `javascript:` URLs.
 * txt-2 asks for some non-whitespace content. One pass over the text, no backtracking, nesting
 * bounded by MAX_DEPTH, at most MAX_PROBLEMS reported: a megabyte of markup costs linear time.
 */
export const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';

const MAX_DEPTH = 100;
const MAX_PROBLEMS = 10;

export interface NarrativeProblems {
  /** Not well-formed XML, or not one XHTML `div`: the rest is not read. */
  readonly structure?: string;
  /** txt-1: elements and attributes outside the allowed subset, scripts, event attributes. */
  readonly content: readonly string[];
  /** txt-2: no text other than whitespace and no image. */
  readonly empty: boolean;
}

const ELEMENTS = new Set([
  // HTML 4.0 ch. 7 (structure), 8 (bdo), 9 (text, without 9.4 ins/del), 10 (lists), 11 (tables), 15 (font style, hr).
  'div', 'span', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'address', 'bdo',
  'em', 'strong', 'dfn', 'code', 'samp', 'kbd', 'var', 'cite', 'abbr', 'acronym', 'blockquote', 'q', 'sub', 'sup', 'p', 'br', 'pre',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'caption', 'thead', 'tfoot', 'tbody', 'colgroup', 'col', 'tr', 'th', 'td',
  'tt', 'i', 'b', 'big', 'small', 'hr',
  // narrative.html: links, images (and the image maps the reference validator also accepts).
  'a', 'img', 'map', 'area',
]);

const COMMON_ATTRIBUTES = ['id', 'class', 'style', 'title', 'lang', 'xml:lang', 'dir', 'accesskey', 'tabindex'];
const TABLE_ATTRIBUTES = ['span', 'width', 'align', 'valign', 'char', 'charoff', 'abbr', 'axis', 'headers', 'scope', 'rowspan', 'colspan', 'summary', 'border', 'frame', 'rules', 'cellspacing', 'cellpadding'];
const ELEMENT_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href', 'name', 'hreflang', 'type', 'rel', 'rev', 'charset', 'shape', 'coords'],
  img: ['src', 'alt', 'height', 'width', 'border', 'longdesc', 'usemap', 'ismap', 'align', 'hspace', 'vspace'],
  area: ['href', 'alt', 'shape', 'coords', 'nohref'],
  map: ['name'],
  blockquote: ['cite'],
  q: ['cite'],
  ol: ['start', 'type'],
  ul: ['type'],
  li: ['value', 'type'],
  p: ['align'],
  div: ['align'],
  hr: ['align', 'size', 'width', 'noshade'],
  br: ['clear'],
  ...Object.fromEntries(['table', 'caption', 'thead', 'tfoot', 'tbody', 'colgroup', 'col', 'tr', 'th', 'td'].map((t) => [t, TABLE_ATTRIBUTES])),
};
const URL_ATTRIBUTES = new Set(['href', 'src', 'cite', 'longdesc', 'usemap']);
// javascript:/vbscript: URLs run code; browsers ignore whitespace and control characters inside the scheme.
// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const IGNORED_IN_SCHEME = /[\u0000-\u0020]/g;
const SCRIPT_SCHEME = /^(javascript|vbscript):/i;

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_.:-]/;
const ENTITY = /^&(#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});/;
const NOT_WHITESPACE = /[^ \t\r\n]/;

class NotWellFormed extends Error {}

export function readNarrative(text: string): NarrativeProblems {
  const content: string[] = [];
  let hasContent = false;
  let pos = 0;
  const fail = (message: string): never => {
    throw new NotWellFormed(`${message} (at character ${pos})`);
  };
  const problem = (message: string) => {
    if (content.length < MAX_PROBLEMS && !content.includes(message)) content.push(message);
  };
  const skipSpace = () => {
    while (pos < text.length && ' \t\r\n'.includes(text.charAt(pos))) pos++;
  };
  const readName = (): string => {
    const start = pos;
    if (!NAME_START.test(text.charAt(pos))) fail('Expected a name');
    while (pos < text.length && NAME_CHAR.test(text.charAt(pos))) pos++;
    return text.slice(start, pos);
  };
  /** Character data up to `end` (exclusive): `<` is never allowed, `&` only as an entity. */
  const checkCharacters = (start: number, end: number) => {
    for (let i = text.indexOf('&', start); i >= 0 && i < end; i = text.indexOf('&', i + 1)) {
      const entity = ENTITY.exec(text.slice(i, i + 40));
      if (!entity) {
        pos = i;
        fail("'&' must start an entity such as &amp;");
      }
    }
  };

  interface Open { name: string }
  const stack: Open[] = [];
  let rootClosed = false;
  let rootSeen = false;

  try {
    while (pos < text.length) {
      const lt = text.indexOf('<', pos);
      const textEnd = lt < 0 ? text.length : lt;
      if (textEnd > pos) {
        const chunk = text.slice(pos, textEnd);
        if (NOT_WHITESPACE.test(chunk)) {
          if (stack.length === 0) fail('Text outside the root <div>');
          hasContent = true;
          checkCharacters(pos, textEnd);
        }
        pos = textEnd;
        continue;
      }
      if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos + 4);
        if (end < 0) fail('Unterminated comment');
        pos = end + 3;
        continue;
      }
      if (text.startsWith('<!', pos) || text.startsWith('<?', pos)) fail('Declarations, CDATA sections and processing instructions are not allowed in a narrative');
      if (text.startsWith('</', pos)) {
        pos += 2;
        const name = readName();
        skipSpace();
        if (text.charAt(pos) !== '>') fail(`Expected '>' to end </${name}`);
        pos++;
        const open = stack.pop();
        if (!open || open.name !== name) fail(`</${name}> does not close ${open ? `<${open.name}>` : 'any element'}`);
        if (stack.length === 0) rootClosed = true;
        continue;
      }
      // A start tag.
      pos++;
      if (rootClosed) fail('Content after the root </div>');
      const name = readName();
      const attributes = new Map<string, string>();
      for (;;) {
        const before = pos;
        skipSpace();
        const c = text.charAt(pos);
        if (c === '>' || c === '/') break;
        if (pos === before) fail(`Expected whitespace, '>' or '/>' in <${name}>`);
        const attribute = readName();
        skipSpace();
        if (text.charAt(pos) !== '=') fail(`Attribute ${attribute} of <${name}> has no value`);
        pos++;
        skipSpace();
        const quote = text.charAt(pos);
        if (quote !== '"' && quote !== "'") fail(`The value of ${attribute} in <${name}> must be quoted`);
        const end = text.indexOf(quote, pos + 1);
        if (end < 0) fail(`Unterminated value of ${attribute} in <${name}>`);
        const value = text.slice(pos + 1, end);
        if (value.includes('<')) fail(`'<' in the value of ${attribute} in <${name}>`);
        checkCharacters(pos + 1, end);
        if (attributes.has(attribute)) fail(`Attribute ${attribute} appears twice in <${name}>`);
        attributes.set(attribute, value);
        pos = end + 1;
      }
      const selfClosing = text.charAt(pos) === '/';
      if (selfClosing) {
        pos++;
        if (text.charAt(pos) !== '>') fail(`Expected '/>' to end <${name}`);
      }
      pos++;

      if (!rootSeen) {
        rootSeen = true;
        if (name !== 'div') fail(`The narrative's root element must be <div>, not <${name}>`);
        if (attributes.get('xmlns') !== XHTML_NAMESPACE) fail(`The root <div> must be in the XHTML namespace (xmlns="${XHTML_NAMESPACE}")`);
      }
      checkElement(name, attributes, problem);
      if (name === 'img') hasContent = true;
      if (selfClosing) {
        if (stack.length === 0) rootClosed = true;
      } else {
        if (stack.length >= MAX_DEPTH) fail(`Elements nested deeper than ${MAX_DEPTH} levels`);
        stack.push({ name });
      }
    }
    if (!rootSeen) fail('No root <div> element');
    if (stack.length > 0) fail(`<${stack[stack.length - 1]?.name}> is not closed`);
  } catch (error) {
    if (error instanceof NotWellFormed) return { structure: `The narrative is not well-formed XHTML: ${error.message}`, content, empty: false };
    throw error;
  }
  return { content, empty: !hasContent };
}

function checkElement(name: string, attributes: ReadonlyMap<string, string>, problem: (message: string) => void): void {
  if (!ELEMENTS.has(name)) problem(`The element <${name}> is not allowed in a narrative`);
  const own = ELEMENT_ATTRIBUTES[name] ?? [];
  for (const [attribute, value] of attributes) {
    if (attribute.toLowerCase().startsWith('on')) {
      problem(`Event attributes such as ${attribute} (on <${name}>) are not allowed in a narrative`);
      continue;
    }
    if (attribute === 'xmlns') {
      if (value !== XHTML_NAMESPACE) problem(`<${name}> is in the namespace '${value}', not XHTML`);
      continue;
    }
    if (!COMMON_ATTRIBUTES.includes(attribute) && !own.includes(attribute)) problem(`The attribute ${attribute} is not allowed on <${name}> in a narrative`);
    if (URL_ATTRIBUTES.has(attribute) && SCRIPT_SCHEME.test(decodeEntities(value).replace(IGNORED_IN_SCHEME, ''))) {
      problem(`Script URLs (${attribute} on <${name}>) are not allowed in a narrative`);
    }
  }
}

/** Enough decoding to see a scheme hidden behind character references (`&#106;avascript:`). */
function decodeEntities(value: string): string {
  return value.replace(/&#(x[0-9A-Fa-f]{1,6}|[0-9]{1,7});/g, (_, code: string) => {
    const point = code.startsWith('x') ? parseInt(code.slice(1), 16) : parseInt(code, 10);
    return point <= 0x10ffff ? String.fromCodePoint(point) : '';
  });
}
