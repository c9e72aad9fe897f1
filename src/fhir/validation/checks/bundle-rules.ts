import { issue, type IssueSeverity, type OutcomeIssue } from '../../outcome.ts';
import type { ValidationCheck } from '../validation-check.ts';
import type { ValidationCheckDeps } from '../validation-checks.ts';
import { parseReference } from './reference-format.ts';
import { isObject, structureIndexOf, visitTyped, type JsonObject } from './typed-values.ts';

type Report = (found: OutcomeIssue) => void;

const UUID_URN = /^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const OID_URN = /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/;
/** An absolute URI: a scheme, then anything but whitespace (RFC 3986 §4.3). */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
/** A RESTful URL: `[base]/Type/id`, the base being everything before. */
const RESTFUL = /^(\S+\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

const WITH_REQUEST = new Set(['batch', 'transaction', 'history']);
const WITH_RESPONSE = new Set(['batch-response', 'transaction-response', 'history']);
const WITH_TOTAL = new Set(['searchset', 'history']);

/**
 * Elements of a document's Composition and a message's MessageHeader whose targets the Bundle
 * must carry: the reference validator refuses these unresolved (FHIR R4 documents.html, messaging.html#focus).
 */
const MUST_RESOLVE = new Set([
  'Composition.subject', 'Composition.author', 'Composition.attester.party', 'Composition.custodian',
  'Composition.section.author', 'Composition.section.focus', 'Composition.section.entry', 'MessageHeader.focus',
]);

interface Entry {
  readonly index: number;
  readonly fullUrl?: string;
  readonly resource?: JsonObject;
}

/**
 * The rules of FHIR R4 bundle.html for every Bundle (the resource itself, or one inside a Bundle
 * entry or a Parameters): the invariants bdl-1 to bdl-12 (what `total`, `entry.search`,
 * `entry.request` and `entry.response` belong to, unique fullUrls, documents and messages), fullUrls
 * absolute and agreeing with a RESTful resource's type and id (bundle.html#bundle-unique), search
 * results with ids, one link per relation, and in documents and messages, references that resolve
 * inside the Bundle (bundle.html#references).
 */
export function bundleRulesCheck(deps: ValidationCheckDeps): ValidationCheck {
  const index = structureIndexOf(deps.definitions);
  const { resourceTypes } = deps.definitions;

  function checkBundle(bundle: JsonObject, at: string, report: Report): void {
    const type = typeof bundle.type === 'string' ? bundle.type : '';
    if (bundle.total !== undefined && !WITH_TOTAL.has(type)) report(issue('invariant', 'bdl-1: total is only allowed in a searchset or history Bundle', `${at}.total`));
    checkLinks(bundle, at, report);
    const entries: Entry[] = (Array.isArray(bundle.entry) ? bundle.entry : []).map((raw: unknown, i) => {
      const entry = isObject(raw) ? raw : {};
      return {
        index: i,
        ...(typeof entry.fullUrl === 'string' ? { fullUrl: entry.fullUrl } : {}),
        ...(isObject(entry.resource) ? { resource: entry.resource } : {}),
      };
    });
    (Array.isArray(bundle.entry) ? bundle.entry : []).forEach((raw: unknown, i) => {
      if (isObject(raw)) checkEntry(raw, type, `${at}.entry[${i}]`, report);
    });
    checkFullUrlsUnique(entries, type, at, report);
    if (type === 'document') checkDocument(bundle, entries, at, report);
    if (type === 'message' && entries[0]?.resource?.resourceType !== 'MessageHeader') {
      report(issue('invariant', 'bdl-12: The first resource of a message must be a MessageHeader', `${at}.entry[0]`));
    }
    if ((type === 'document' || type === 'message') && entries.length > 0) checkResolution(entries, at, report);
    for (const entry of entries) if (entry.resource) visitNested(entry.resource, `${at}.entry[${entry.index}].resource`, report);
  }

  function checkEntry(entry: JsonObject, type: string, at: string, report: Report): void {
    if (entry.resource === undefined && entry.request === undefined && entry.response === undefined) {
      report(issue('invariant', 'bdl-5: An entry must have a resource, a request or a response', at));
    }
    if (entry.search !== undefined && type !== 'searchset') report(issue('invariant', 'bdl-2: entry.search is only allowed in a searchset', `${at}.search`));
    if (WITH_REQUEST.has(type) !== (entry.request !== undefined)) {
      report(issue('invariant', `bdl-3: entry.request is required in a batch, transaction or history Bundle and not allowed in a ${type}`, `${at}.request`));
    }
    if (WITH_RESPONSE.has(type) !== (entry.response !== undefined)) {
      report(issue('invariant', `bdl-4: entry.response is required in a batch-response, transaction-response or history Bundle and not allowed in a ${type}`, `${at}.response`));
    }
    const resource = isObject(entry.resource) ? entry.resource : undefined;
    if (typeof entry.fullUrl === 'string') checkFullUrl(entry.fullUrl, resource, `${at}.fullUrl`, report);
    if (type === 'searchset' && resource) {
      const mode = isObject(entry.search) ? entry.search.mode : undefined;
      if (mode === 'outcome' && resource.resourceType !== 'OperationOutcome') {
        report(issue('invalid', `An entry of search mode 'outcome' must be an OperationOutcome, not a ${String(resource.resourceType)}`, `${at}.resource`));
      } else if (mode !== 'outcome' && resource.id === undefined && !(mode === undefined && resource.resourceType === 'OperationOutcome')) {
        // A match or include is a resource on the server: it has an id (search.html#bundle).
        report(issue('invalid', 'A search result must have an id', `${at}.resource`));
      }
    }
  }

  function checkFullUrl(fullUrl: string, resource: JsonObject | undefined, at: string, report: Report): void {
    if (fullUrl.startsWith('urn:uuid:') || fullUrl.startsWith('urn:oid:')) {
      if (!UUID_URN.test(fullUrl) && !OID_URN.test(fullUrl)) report(issue('value', `The fullUrl '${fullUrl}' is not a valid urn:uuid: or urn:oid:`, at));
      return;
    }
    if (!ABSOLUTE_URI.test(fullUrl)) {
      report(issue('value', `The fullUrl must be an absolute URL or a urn:uuid:/urn:oid:, not '${fullUrl}'`, at));
      return;
    }
    // bdl-8: a version-specific fullUrl would name one version, not the resource.
    if (fullUrl.includes('/_history/')) report(issue('invariant', 'bdl-8: fullUrl cannot be a version specific reference', at));
    const restful = RESTFUL.exec(fullUrl);
    const [, , type, id] = restful ?? [];
    if (!type || !id || !resourceTypes.has(type) || !resource || typeof resource.id !== 'string') return;
    if (type !== resource.resourceType || id !== resource.id) {
      report(issue('invalid', `The fullUrl '${fullUrl}' is a RESTful URL, so it must end with the resource's type and id (${String(resource.resourceType)}/${resource.id})`, at));
    }
  }

  function checkFullUrlsUnique(entries: readonly Entry[], type: string, at: string, report: Report): void {
    // bdl-7: history holds several versions of one resource under one fullUrl.
    if (type === 'history') return;
    const seen = new Map<string, number>();
    for (const entry of entries) {
      if (entry.fullUrl === undefined) continue;
      const meta = isObject(entry.resource?.meta) ? entry.resource.meta : undefined;
      const key = `${entry.fullUrl}|${typeof meta?.versionId === 'string' ? meta.versionId : ''}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, entry.index);
      else report(issue('invariant', `bdl-7: entry[${first}] and entry[${entry.index}] have the same fullUrl '${entry.fullUrl}'${meta?.versionId ? ' and version' : ''}`, `${at}.entry[${entry.index}].fullUrl`));
    }
  }

  function checkDocument(bundle: JsonObject, entries: readonly Entry[], at: string, report: Report): void {
    const identifier = isObject(bundle.identifier) ? bundle.identifier : {};
    if (identifier.system === undefined || identifier.value === undefined) {
      report(issue('invariant', 'bdl-9: A document must have an identifier with a system and a value', `${at}.identifier`));
    }
    if (bundle.timestamp === undefined) report(issue('invariant', 'bdl-10: A document must have a date (timestamp)', `${at}.timestamp`));
    if (entries[0]?.resource?.resourceType !== 'Composition') report(issue('invariant', 'bdl-11: The first resource of a document must be a Composition', `${at}.entry[0]`));
  }

  /** Resolution within the Bundle (bundle.html#references), as the reference validator reports it. */
  function checkResolution(entries: readonly Entry[], at: string, report: Report): void {
    const byFullUrl = new Map<string, Entry[]>();
    for (const entry of entries) {
      if (entry.fullUrl === undefined) continue;
      const same = byFullUrl.get(entry.fullUrl);
      if (same) same.push(entry);
      else byFullUrl.set(entry.fullUrl, [entry]);
    }
    for (const entry of entries) {
      const resource = entry.resource;
      if (!resource) continue;
      const first = entry.index === 0;
      const visit = (value: JsonObject, valueAt: string) =>
        visitTyped(index, value, valueAt, {
          resource: (child, childAt, element) => {
            if (element.name === 'contained') visit(child, childAt);
          },
          value: ({ value: reference, type, at: referenceAt, element }) => {
            if (type !== 'Reference' || typeof reference.reference !== 'string') return;
            const target = reference.reference;
            const matches = resolve(byFullUrl, entry.fullUrl, target);
            if (matches === undefined) return;
            const where = `${referenceAt}.reference`;
            if (matches.length > 1) {
              report(issue('invalid', `Found ${matches.length} entries (${matches.map((m) => `entry[${m.index}]`).join(', ')}) for '${target}' in the Bundle`, where));
            } else if (matches.length === 0) {
              const severity: IssueSeverity = first && MUST_RESOLVE.has(element.path) ? 'error' : target.startsWith('urn:') ? 'warning' : 'information';
              report(issue('not-found', `Can't find '${target}' in the Bundle (${element.path})`, where, severity));
            }
          },
        });
      visit(resource, `${at}.entry[${entry.index}].resource`);
    }
  }

  /** The entries a reference points to, or undefined when it is not one the Bundle is meant to resolve (`#id`, conditional). */
  function resolve(byFullUrl: ReadonlyMap<string, readonly Entry[]>, sourceUrl: string | undefined, reference: string): readonly Entry[] | undefined {
    const parsed = parseReference(reference, resourceTypes);
    let url: string;
    let version: string | undefined;
    if (parsed.kind === 'urn') url = reference;
    else if (parsed.kind === 'absolute') {
      version = parsed.version;
      url = version ? reference.slice(0, reference.indexOf('/_history/')) : reference;
    } else if (parsed.kind === 'relative') {
      version = parsed.version;
      // Relative to the base of the referring entry's RESTful fullUrl; from a urn: fullUrl, it is relative to the server, outside the Bundle.
      const base = sourceUrl ? RESTFUL.exec(sourceUrl)?.[1] : undefined;
      if (!base) return [];
      url = `${base}${parsed.type}/${parsed.id}`;
    } else return undefined;
    const candidates = byFullUrl.get(url) ?? [];
    if (version === undefined) return candidates;
    return candidates.filter((e) => {
      const meta = isObject(e.resource?.meta) ? e.resource.meta : undefined;
      return meta?.versionId === version;
    });
  }

  function checkLinks(bundle: JsonObject, at: string, report: Report): void {
    if (!Array.isArray(bundle.link)) return;
    const seen = new Set<string>();
    bundle.link.forEach((link: unknown, i) => {
      const relation = isObject(link) ? link.relation : undefined;
      if (typeof relation !== 'string') return;
      if (seen.has(relation)) report(issue('invalid', `The link relation '${relation}' may appear only once`, `${at}.link[${i}]`));
      seen.add(relation);
    });
  }

  /** Bundles inside this resource: in Bundle entries (walked by checkBundle) and Parameters. */
  function visitNested(resource: JsonObject, at: string, report: Report): void {
    if (resource.resourceType === 'Bundle') {
      checkBundle(resource, at, report);
      return;
    }
    if (resource.resourceType !== 'Parameters' || !Array.isArray(resource.parameter)) return;
    resource.parameter.forEach((p: unknown, i) => {
      if (isObject(p) && isObject(p.resource)) visitNested(p.resource, `${at}.parameter[${i}].resource`, report);
    });
  }

  return {
    name: 'bundle-rules',
    run({ resource, resourceType }, report) {
      visitNested(resource as JsonObject, resourceType, report);
    },
  };
}
