import { ID_PATTERN } from '../resource.ts';

/**
 * Value rules of the FHIR R4 primitive types (datatypes.html#primitive), with the regexes the R4
 * StructureDefinitions give for `[type].value`, compiled once. In JSON (json.html#primitive)
 * boolean is a JSON boolean, integer/decimal types are JSON numbers, everything else a JSON string.
 */
export type PrimitiveCheck = (value: unknown) => string | undefined;

const DATE = /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$/;
const DATE_TIME =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;
const INSTANT =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/;
const TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$/;
// datatypes.html#code: "no whitespace other than single spaces in the contents" (stricter than the regex's \s).
const CODE = /^[^\s]+( [^\s]+)*$/;
const URI = /^\S+$/;
const OID = /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/;
const UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// R4 `[ \r\n\t\S]+`, read as the spec's prose: no control characters other than tab, CR and LF.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
const NOT_BLANK = /\S/;
const BASE64_CHARS = /^[A-Za-z0-9+/=]*$/;
const WHITESPACE = /\s+/g;
// Narrative.div: an XHTML <div> element (narrative.html#xhtml); its content rules (no scripts...)
// are an invariant, not checked here.
const XHTML_DIV = /^\s*<div[\s>/]/;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const show = (value: unknown) => (typeof value === 'string' && value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}...` : JSON.stringify(value));

function stringCheck(typeName: string, pattern?: RegExp, describe?: string): PrimitiveCheck {
  return (value) => {
    if (typeof value !== 'string') return `${typeName} must be a JSON string, not ${show(value)}`;
    if (value.length === 0) return `${typeName} must not be an empty string`;
    if (CONTROL.test(value)) return `${typeName} must not contain control characters`;
    if (pattern && !pattern.test(value)) return `${show(value)} is not a valid ${typeName}${describe ? ` (${describe})` : ''}`;
    return undefined;
  };
}

function integerCheck(typeName: string, min: number): PrimitiveCheck {
  return (value) => {
    if (typeof value !== 'number') return `${typeName} must be a JSON number, not ${show(value)}`;
    if (!Number.isInteger(value) || value < min || value > INT32_MAX) {
      return `${value} is not a valid ${typeName} (a 32-bit integer${min > INT32_MIN ? ` >= ${min}` : ''})`;
    }
    return undefined;
  };
}

/** Dates that pass the regex but name no calendar day (2023-02-30). */
function withCalendarDay(typeName: string, check: PrimitiveCheck): PrimitiveCheck {
  return (value) => {
    const error = check(value);
    if (error || typeof value !== 'string' || value.length < 10) return error;
    const year = Number(value.slice(0, 4));
    const month = Number(value.slice(5, 7));
    const day = Number(value.slice(8, 10));
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    return day > daysInMonth ? `${show(value)} is not a valid ${typeName} (no such day)` : undefined;
  };
}

const checkString = stringCheck('string');

const PRIMITIVE_CHECKS: ReadonlyMap<string, PrimitiveCheck> = new Map<string, PrimitiveCheck>([
  ['boolean', (v) => (typeof v === 'boolean' ? undefined : `boolean must be JSON true or false, not ${show(v)}`)],
  ['integer', integerCheck('integer', INT32_MIN)],
  ['positiveInt', integerCheck('positiveInt', 1)],
  ['unsignedInt', integerCheck('unsignedInt', 0)],
  ['decimal', (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `decimal must be a JSON number, not ${show(v)}`)],
  // datatypes.html#string: strings SHALL contain non-whitespace content.
  ['string', (v) => checkString(v) ?? (NOT_BLANK.test(v as string) ? undefined : 'string must not be only whitespace')],
  ['markdown', stringCheck('markdown', NOT_BLANK, 'only whitespace')],
  ['id', stringCheck('id', ID_PATTERN, '1-64 of A-Z a-z 0-9 - .')],
  ['code', stringCheck('code', CODE, 'no leading, trailing or double whitespace')],
  ['uri', stringCheck('uri', URI, 'no whitespace')],
  ['url', stringCheck('url', URI, 'no whitespace')],
  ['canonical', stringCheck('canonical', URI, 'no whitespace')],
  ['oid', stringCheck('oid', OID, 'urn:oid:...')],
  ['uuid', stringCheck('uuid', UUID, 'urn:uuid: and lowercase hex')],
  ['date', withCalendarDay('date', stringCheck('date', DATE, 'YYYY, YYYY-MM or YYYY-MM-DD'))],
  ['dateTime', withCalendarDay('dateTime', stringCheck('dateTime', DATE_TIME, 'YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz'))],
  ['instant', withCalendarDay('instant', stringCheck('instant', INSTANT, 'YYYY-MM-DDThh:mm:ss.sss+zz:zz'))],
  ['time', stringCheck('time', TIME, 'hh:mm:ss')],
  ['base64Binary', checkBase64],
  ['xhtml', (v) => (typeof v === 'string' && XHTML_DIV.test(v) ? undefined : 'xhtml must be a JSON string holding a <div> element')],
]);

// R4 regex `(\s*([0-9a-zA-Z\+/=]){4}\s*)+`, checked without a backtracking regex: attachments can be megabytes.
function checkBase64(value: unknown): string | undefined {
  if (typeof value !== 'string') return `base64Binary must be a JSON string, not ${show(value)}`;
  const compact = value.replace(WHITESPACE, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64_CHARS.test(compact)) {
    return 'base64Binary is not valid base64';
  }
  return undefined;
}

/**
 * datatypes.html#string: "strings SHALL NOT exceed 1MB in size" (the R4 string StructureDefinition:
 * maxLength 1048576), read as 1,048,576 bytes of UTF-8, the size the string is sent and stored in. It
 * holds for every primitive held as a JSON string (code, id, uri, markdown, xhtml… are strings in
 * JSON), base64Binary excepted: binary content (an Attachment's data, a Binary) has no such limit in
 * R4, only MAX_BODY_BYTES.
 */
export const MAX_STRING_BYTES = 1024 * 1024;

/** Why a primitive's value is over MAX_STRING_BYTES, or undefined when it is not. */
export function oversizedString(typeName: string, value: unknown): string | undefined {
  // A UTF-16 code unit is 1 to 3 bytes of UTF-8: a short string needs no counting.
  if (typeof value !== 'string' || typeName === 'base64Binary' || value.length * 3 <= MAX_STRING_BYTES) return undefined;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes <= MAX_STRING_BYTES) return undefined;
  return `${typeName} is ${bytes.toLocaleString('en')} bytes of UTF-8; a FHIR string may hold at most ${MAX_STRING_BYTES.toLocaleString('en')} (1 MB)`;
}

/** The value check of an R4 primitive type, or undefined when the type is not primitive. */
export function primitiveCheck(typeName: string): PrimitiveCheck | undefined {
  return PRIMITIVE_CHECKS.get(typeName);
}
