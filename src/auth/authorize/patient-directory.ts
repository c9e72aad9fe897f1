import { ID_PATTERN, ID_SOURCE } from '../../fhir/resource.ts';

/** A patient as the picker lists it. */
export interface PatientChoice {
  id: string;
  name?: string;
  birthDate?: string;
}

/** A practitioner as the admin console's fhirUser search lists it. */
export interface PractitionerChoice {
  id: string;
  name?: string;
}

/** An encounter (visit) as the encounter picker lists it. */
export interface EncounterChoice {
  id: string;
  /** When it started (or ended), as recorded. */
  date?: string;
  /** What kind of visit, in words: its type, else its class. */
  type?: string;
  status?: string;
}

/** The authorize pickers' view of the FHIR data: search only, never SQL (src/portico.ts supplies it). */
export interface PatientDirectory {
  /** Live patients whose name (or id) matches `text` (all when blank), at most `limit`. */
  findPatients(text: string, limit: number): Promise<PatientChoice[]>;
  /** Live practitioners whose name (or id) matches `text` (all when blank), at most `limit`. */
  findPractitioners(text: string, limit: number): Promise<PractitionerChoice[]>;
  /** The patient's live Encounters, most recent first, at most `limit`. */
  findEncounters(patientId: string, limit: number): Promise<EncounterChoice[]>;
  /** Whether a live Encounter with this id has this patient as its subject. */
  encounterBelongsTo(encounterId: string, patientId: string): Promise<boolean>;
  /**
   * The live Patient a live, active RelatedPerson is related to (`RelatedPerson.patient`, a `Patient/<id>`
   * reference); undefined when there is none such: then the RelatedPerson reaches no patient data.
   */
  relatedPatient(relatedPersonId: string): Promise<string | undefined>;
}

/** A FHIR search (`resourceType`, query pairs as in a URL) returning the matching resources' JSON. */
export type ResourceSearch = (resourceType: string, query: [string, string][]) => Promise<Readonly<Record<string, unknown>>[]>;

/** A relative reference to a Patient by id; any other form (absolute, versioned, contained) is not followed. */
const PATIENT_REFERENCE = new RegExp(`^Patient/(${ID_SOURCE})$`);
const MAX_WORDS = 4;

/** The directory over a FHIR search. Ids are checked before they reach a query, so a search never fails on them. */
export function createPatientDirectory(search: ResourceSearch): PatientDirectory {
  /** `resourceType`s (Patient, Practitioner: both have `name` and `family`) by name or id, the id's match first. */
  async function findByName(resourceType: string, text: string, limit: number): Promise<Json[]> {
    // Each word must start a part of the name (repeated parameters AND: FHIR R4 search.html#combining).
    const words = text.split(/[\s,$|\\]+/).filter(Boolean).slice(0, MAX_WORDS);
    const byName = await search(resourceType, [...words.map((w): [string, string] => ['name', w]), ['_sort', 'family'], ['_count', String(limit)]]);
    const wanted = text.trim();
    const byId = ID_PATTERN.test(wanted) ? await search(resourceType, [['_id', wanted]]) : [];
    return [...byId, ...byName];
  }
  const distinct = <C extends { id: string }>(choices: (C | undefined)[], limit: number): C[] => {
    const seen = new Map<string, C>();
    for (const choice of choices) if (choice && !seen.has(choice.id)) seen.set(choice.id, choice);
    return [...seen.values()].slice(0, limit);
  };
  return {
    async findPatients(text, limit) {
      return distinct((await findByName('Patient', text, limit)).map(patientChoice), limit);
    },
    async findPractitioners(text, limit) {
      return distinct((await findByName('Practitioner', text, limit)).map(practitionerChoice), limit);
    },
    async findEncounters(patientId, limit) {
      if (!ID_PATTERN.test(patientId)) return [];
      const found = await search('Encounter', [['patient', `Patient/${patientId}`], ['_sort', '-date'], ['_count', String(limit)]]);
      return found.map(encounterChoice).filter((e): e is EncounterChoice => e !== undefined);
    },
    async encounterBelongsTo(encounterId, patientId) {
      if (!ID_PATTERN.test(encounterId) || !ID_PATTERN.test(patientId)) return false;
      const found = await search('Encounter', [['_id', encounterId], ['patient', `Patient/${patientId}`]]);
      return found.some((e) => e.id === encounterId);
    },
    async relatedPatient(relatedPersonId) {
      if (!ID_PATTERN.test(relatedPersonId)) return undefined;
      const person = (await search('RelatedPerson', [['_id', relatedPersonId]])).find((r) => r.id === relatedPersonId);
      if (!person || person.active === false) return undefined;
      const reference = isObject(person.patient) ? text(person.patient.reference) : undefined;
      const patientId = PATIENT_REFERENCE.exec(reference ?? '')?.[1];
      if (patientId === undefined) return undefined;
      const patient = await search('Patient', [['_id', patientId]]);
      return patient.some((p) => p.id === patientId) ? patientId : undefined;
    },
  };
}

type Json = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const objects = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

function patientChoice(patient: Json): PatientChoice | undefined {
  const id = text(patient.id);
  if (!id) return undefined;
  const name = humanName(patient.name);
  const birthDate = text(patient.birthDate);
  return { id, ...(name ? { name } : {}), ...(birthDate ? { birthDate } : {}) };
}

function practitionerChoice(practitioner: Json): PractitionerChoice | undefined {
  const id = text(practitioner.id);
  if (!id) return undefined;
  const name = humanName(practitioner.name);
  return { id, ...(name ? { name } : {}) };
}

/** The official name (else the first), as its text or given + family. */
function humanName(value: unknown): string | undefined {
  const names = objects(value);
  const name = names.find((n) => n.use === 'official') ?? names[0];
  if (!name) return undefined;
  const written = text(name.text);
  if (written) return written;
  const given = Array.isArray(name.given) ? name.given.map(text).filter((g): g is string => g !== undefined) : [];
  const family = text(name.family);
  const parts = [...given, ...(family ? [family] : [])];
  return parts.length > 0 ? parts.join(' ') : undefined;
}

function encounterChoice(encounter: Json): EncounterChoice | undefined {
  const id = text(encounter.id);
  if (!id) return undefined;
  const period = isObject(encounter.period) ? encounter.period : {};
  const date = text(period.start) ?? text(period.end);
  const type = objects(encounter.type).map(conceptText).find((t) => t !== undefined) ?? codingText(encounter.class);
  const status = text(encounter.status);
  return { id, ...(date ? { date } : {}), ...(type ? { type } : {}), ...(status ? { status } : {}) };
}

function conceptText(concept: Json): string | undefined {
  return text(concept.text) ?? objects(concept.coding).map(codingText).find((t) => t !== undefined);
}

function codingText(coding: unknown): string | undefined {
  return isObject(coding) ? (text(coding.display) ?? text(coding.code)) : undefined;
}
