import { ID_PATTERN, ID_SOURCE } from '../../resource.ts';

/**
 * What a Reference.reference string says (FHIR R4 references.html#literal): a contained resource
 * (`#id`, `#` for the container), a relative `Type/id[/_history/vid]` against the server base, an
 * absolute URL (RESTful when it ends in `Type/id`), a `urn:uuid:`/`urn:oid:` placeholder, or — in
 * a transaction only (http.html#trules) — a conditional `Type?search`.
 */
export type ParsedReference =
  | { readonly kind: 'contained'; readonly id: string }
  | { readonly kind: 'relative'; readonly type: string; readonly id: string; readonly version?: string }
  | { readonly kind: 'absolute'; readonly type?: string; readonly id?: string; readonly version?: string }
  | { readonly kind: 'urn' }
  | { readonly kind: 'conditional'; readonly type: string }
  | { readonly kind: 'invalid'; readonly reason: string }
  /** A urn:uuid:/urn:oid: that breaks its syntax: still an absolute URI, so a warning rather than an error. */
  | { readonly kind: 'bad-urn'; readonly reason: string };

const RELATIVE = new RegExp(`^([A-Za-z]+)/(${ID_SOURCE})(?:/_history/(${ID_SOURCE}))?$`);
const RESTFUL_TAIL = new RegExp(`/([A-Z][A-Za-z]+)/(${ID_SOURCE})(?:/_history/(${ID_SOURCE}))?$`);
const CONDITIONAL = /^([A-Za-z]+)\?\S+$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const UUID = /^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const OID = /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/;
const WHITESPACE = /\s/;

export function parseReference(reference: string, resourceTypes: ReadonlySet<string>): ParsedReference {
  if (WHITESPACE.test(reference)) return { kind: 'invalid', reason: 'a reference may not contain whitespace' };
  if (reference.startsWith('#')) {
    const id = reference.slice(1);
    if (id !== '' && !ID_PATTERN.test(id)) return { kind: 'invalid', reason: `'#${id}' does not name a valid contained id` };
    return { kind: 'contained', id };
  }
  if (reference.startsWith('urn:uuid:')) {
    return UUID.test(reference) ? { kind: 'urn' } : { kind: 'bad-urn', reason: 'a urn:uuid: reference must hold a UUID (8-4-4-4-12 hex digits)' };
  }
  if (reference.startsWith('urn:oid:')) {
    return OID.test(reference) ? { kind: 'urn' } : { kind: 'bad-urn', reason: 'a urn:oid: reference must hold an OID (digits separated by dots)' };
  }
  if (SCHEME.test(reference)) {
    const tail = RESTFUL_TAIL.exec(reference);
    const [, type, id, version] = tail ?? [];
    if (type && id && resourceTypes.has(type)) return { kind: 'absolute', type, id, ...(version ? { version } : {}) };
    return { kind: 'absolute' };
  }
  const relative = RELATIVE.exec(reference);
  if (relative) {
    const [, type = '', id = '', version] = relative;
    if (!resourceTypes.has(type)) return { kind: 'invalid', reason: `'${type}' is not a resource type` };
    return { kind: 'relative', type, id, ...(version ? { version } : {}) };
  }
  const conditional = CONDITIONAL.exec(reference);
  if (conditional?.[1] && resourceTypes.has(conditional[1])) return { kind: 'conditional', type: conditional[1] };
  return { kind: 'invalid', reason: 'expected Type/id, an absolute URL, urn:uuid:, urn:oid: or #id of a contained resource' };
}
