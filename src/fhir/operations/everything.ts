import { buildPatientCompartment, CROSS_PATIENT_TYPES, PATIENT_REFERENCED_TYPES, type PatientCompartment } from '../access/patient-compartment.ts';
import { decideInteraction, unitFor } from '../authorization/guard-interaction.ts';
import { fullUrl, queryString, type Bundle, type BundleEntry, type BundleLink } from '../bundle.ts';
import type { FhirDefinitions } from '../definitions.ts';
import { readerOf, type FhirRoute, type FhirUnitDeps } from '../interaction.ts';
import { badRequest, gone, notFound } from '../outcome.ts';
import type { ResourceReader } from '../repository.ts';
import type { ResourceRecord } from '../resource.ts';
import type { Condition } from '../search/search-request.ts';
import type { FhirOperation } from './operation.ts';
import { decodePageToken, encodePageToken, type EverythingPosition } from './everything-page-token.ts';
import { parseEverythingParameters, type EverythingParameters } from './everything-parameters.ts';
import { referencedResources } from './everything-references.ts';

/**
 * Types of the Patient compartment `$everything` leaves out: the audit trail is not patient data an app
 * reads as part of the record (and it grows with every read of it, this one's included).
 */
const LEFT_OUT: ReadonlySet<string> = new Set(['AuditEvent', ...CROSS_PATIENT_TYPES]);

const compartments = new WeakMap<object, PatientCompartment>();
function compartmentOf(definitions: FhirDefinitions): PatientCompartment {
  let compartment = compartments.get(definitions);
  if (!compartment) compartments.set(definitions, (compartment = buildPatientCompartment(definitions)));
  return compartment;
}

/**
 * `Patient/[id]/$everything` and `Patient/$everything` (FHIR R4 patient-operation-everything.html): a
 * searchset Bundle, paged, of the patient's record (the Patient and every resource of its compartment) and
 * the practitioners, organizations, locations and medications those resources reference. At type level,
 * the same for every patient the caller may see.
 *
 * Access is decided per resource type, as the searches it amounts to: the Patient is read as a read of it
 * (another patient's id, under a token confined to one patient, is not there: 404), each compartment type
 * is searched as a search of that type under the caller's constraints, and a type the caller may not search
 * is left out silently, as a search of the types it may would; the referenced resources are read as reads.
 * Deciding the whole operation up front (`operation`) could only allow or refuse it all: it could not keep
 * a token to the types it was granted.
 */
export function everythingOperation(): FhirOperation {
  return {
    name: '$everything',
    definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
    levels: { system: false, type: ['Patient'], instance: ['Patient'] },
    methods: ['GET', 'POST'],
    safe: true,
    access: 'per-resource-type',
    inBundle: true,
    run: async (request, route, deps) => {
      const parameters = parseEverythingParameters(request, deps.settings);
      const bundle = await everythingPage(route, parameters, deps);
      return { status: 200, body: bundle };
    },
  };
}

async function everythingPage(route: FhirRoute, parameters: EverythingParameters, deps: FhirUnitDeps): Promise<Bundle> {
  const compartment = compartmentOf(deps.definitions);
  const patientId = route.id;
  const baseUrl = deps.settings.baseUrl;
  const wanted = (type: string) => parameters.types === undefined || parameters.types.includes(type);
  const covered = [...deps.definitions.resourceTypes].filter((t) => t === 'Patient' || (compartment.params(t).length > 0 && !LEFT_OUT.has(t)));
  const referenced = new Set([...PATIENT_REFERENCED_TYPES].filter((t) => deps.definitions.resourceTypes.has(t) && wanted(t)));
  const outside = (parameters.types ?? []).filter((t) => !covered.includes(t) && !PATIENT_REFERENCED_TYPES.has(t));
  if (outside.length > 0) {
    throw badRequest(`_type ${outside.join(', ')}: $everything returns the patient compartment and the resources it references only`, '_type');
  }

  // Instance level: the Patient, read as a read of it is (403 when not allowed; 404 when not there for the caller).
  let patient: ResourceRecord | undefined;
  if (patientId !== undefined) {
    const readRoute = { resourceType: 'Patient', id: patientId };
    const record = await readerOf(unitFor('read', readRoute, deps)).read('Patient', patientId);
    if (!record) throw notFound(`Patient/${patientId} is not known`);
    if (record.deleted) throw gone(`Patient/${patientId} was deleted`);
    patient = record;
  } else {
    // Type level: the patients are those a search of Patient finds (403 when the caller may not search them).
    unitFor('search-type', { resourceType: 'Patient' }, deps);
  }

  // The types searched, in a fixed order (the page token names a place in it): the Patient first, then the rest by name.
  const types = covered
    .filter((t) => wanted(t) && !(patientId !== undefined && t === 'Patient'))
    .sort((a, b) => (a === 'Patient' ? -1 : b === 'Patient' ? 1 : a.localeCompare(b)))
    .filter((t) => decideInteraction('search-type', { resourceType: t }, deps).allowed);
  const readers = new Map<string, ResourceReader>();
  const readerFor = (type: string): ResourceReader => {
    let reader = readers.get(type);
    if (!reader) readers.set(type, (reader = readerOf(unitFor('search-type', { resourceType: type }, deps))));
    return reader;
  };
  const conditionsFor = (type: string): Condition[] => {
    const conditions: Condition[] = [];
    if (parameters.since !== undefined) conditions.push({ kind: 'lastUpdated', values: [{ prefix: 'ge', low: parameters.since, high: parameters.since }] });
    if (type === 'Patient') return conditions;
    const params = compartment.params(type);
    conditions.push({
      kind: 'any-of',
      groups: params.map((param): Condition[] => [
        patientId !== undefined
          ? { kind: 'reference', param, values: [{ kind: 'local', type: 'Patient', id: patientId, baseUrl }] }
          : // Any patient: the caller's reach on Patient is added to the chain as to any chain it searches.
            { kind: 'chain', param, targetTypes: ['Patient'], condition: { kind: 'any-of', groups: [[]] }, baseUrl },
      ]),
    });
    return conditions;
  };

  const start: EverythingPosition | undefined = parameters.pageToken !== undefined ? decodePageToken(parameters.pageToken, types) : undefined;
  const matches: ResourceRecord[] = [];
  const showPatient = patient !== undefined && start === undefined && wanted('Patient') && (parameters.since === undefined || Date.parse(patient.lastUpdated) >= Date.parse(parameters.since));
  if (patient && showPatient) matches.push(patient);
  let next: EverythingPosition | undefined;
  const from = start ? types.indexOf(start.type) : 0;
  for (let i = from; i < types.length; i++) {
    const type = types[i] ?? '';
    const remaining = parameters.count - matches.length;
    const cursor = i === from ? start?.cursor : undefined;
    if (remaining <= 0) {
      // The page is full: the next one starts at the next type that has a match, so that no page is empty.
      if (await hasMatch(readerFor(type), type, conditionsFor(type))) {
        next = { type };
        break;
      }
      continue;
    }
    const result = await readerFor(type).search({ resourceType: type, count: remaining, conditions: conditionsFor(type), total: 'none', ...(cursor !== undefined ? { cursor } : {}) });
    matches.push(...result.matches);
    if (result.next !== undefined) {
      next = { type, cursor: result.next };
      break;
    }
  }

  const shown = new Set(matches.map((r) => `${r.resourceType}/${r.id}`));
  const included = (await referencedResources(matches, referenced, deps)).filter((r) => !shown.has(`${r.resourceType}/${r.id}`));
  const entry: BundleEntry[] = [
    ...matches.map((r): BundleEntry => ({ fullUrl: fullUrl(deps.settings, r), resource: r.resource, search: { mode: 'match' } })),
    ...included.map((r): BundleEntry => ({ fullUrl: fullUrl(deps.settings, r), resource: r.resource, search: { mode: 'include' } })),
  ];
  return { resourceType: 'Bundle', type: 'searchset', link: links(route, parameters, next, baseUrl), entry };
}

async function hasMatch(reader: ResourceReader, type: string, conditions: Condition[]): Promise<boolean> {
  return (await reader.search({ resourceType: type, count: 1, conditions, total: 'none' })).matches.length > 0;
}

/** `self` and `next`, with the parameters as applied (FHIR R4 search.html#paging: links carry what the server understood). */
function links(route: FhirRoute, parameters: EverythingParameters, next: EverythingPosition | undefined, baseUrl: string): BundleLink[] {
  const path = `${baseUrl}/Patient/${route.id !== undefined ? `${encodeURIComponent(route.id)}/` : ''}$everything`;
  const applied: [string, string][] = [];
  if (parameters.since !== undefined) applied.push(['_since', parameters.since]);
  if (parameters.types !== undefined) applied.push(['_type', parameters.types.join(',')]);
  applied.push(['_count', String(parameters.count)]);
  const link = (pairs: [string, string][]) => `${path}?${queryString(pairs)}`;
  const out: BundleLink[] = [{ relation: 'self', url: link(parameters.pageToken !== undefined ? [...applied, ['_page_token', parameters.pageToken]] : applied) }];
  if (next) out.push({ relation: 'next', url: link([...applied, ['_page_token', encodePageToken(next)]]) });
  return out;
}
