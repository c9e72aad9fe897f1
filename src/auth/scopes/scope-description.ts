import { parseScope } from './parse-scopes.ts';
import type { Permission, ResourceScope } from './scope.ts';

/** Plain-language names of the record types a patient app usually asks for; others are split from CamelCase. */
const TYPE_NAMES: Record<string, string> = {
  AllergyIntolerance: 'allergies',
  CarePlan: 'care plans',
  CareTeam: 'care team',
  Condition: 'health conditions',
  Coverage: 'insurance coverage',
  Device: 'implanted devices',
  DiagnosticReport: 'test reports',
  DocumentReference: 'clinical documents',
  Encounter: 'visits',
  Goal: 'health goals',
  Immunization: 'immunizations',
  Location: 'care locations',
  Medication: 'medications',
  MedicationDispense: 'medication dispenses',
  MedicationRequest: 'prescriptions',
  Observation: 'observations',
  Organization: 'care organizations',
  Patient: 'demographics',
  Practitioner: 'care providers',
  PractitionerRole: 'care provider roles',
  Procedure: 'procedures',
  Provenance: 'record history (provenance)',
  QuestionnaireResponse: 'questionnaire answers',
  RelatedPerson: 'related people',
  ServiceRequest: 'orders and referrals',
  Specimen: 'specimens',
};

/** US Core category codes (Observation and Condition categories) in words. */
const CATEGORY_NAMES: Record<string, string> = {
  laboratory: 'lab results',
  'vital-signs': 'vital signs',
  'social-history': 'social history',
  survey: 'survey answers',
  sdoh: 'social needs (SDOH) assessments',
  'clinical-test': 'clinical test results (US Core 5 coding)',
  imaging: 'imaging results',
  exam: 'exam findings',
  // US Core 6.1/7 file clinical tests (ECG, visual acuity…) under the HL7 observation category `procedure`.
  procedure: 'clinical test results',
  therapy: 'therapy observations',
  activity: 'activity observations',
  'encounter-diagnosis': 'visit diagnoses',
  'problem-list-item': 'problem list',
  'health-concern': 'health concerns',
};

const FIXED: Record<string, string> = {
  openid: 'Confirm your identity',
  fhirUser: 'Know which person in the record you are',
  profile: 'Know which person in the record you are',
  launch: 'Open with the record currently in use',
  'launch/patient': 'Know which patient record is chosen',
  'launch/encounter': 'Know which visit is chosen',
  offline_access: 'Keep access while you are not using the app',
  online_access: 'Keep access while you are signed in',
};

/**
 * Whose record a `patient/` scope opens, as the person reading the line sees it: `own` for a patient reading
 * about their own record ("your"), `patient` for someone acting on a patient's record ("this patient’s").
 */
export type RecordReader = 'own' | 'patient';

/** A plain-language line for one requested scope, e.g. "Read your lab results" or "Read this patient’s lab results". */
export function describeScope(token: string, reader: RecordReader = 'own'): string {
  const fixed = FIXED[token];
  if (fixed) return fixed;
  const scope = parseScope(token);
  if (scope.kind !== 'resource') return `Other access: ${token}`;
  return `${verbs(scope.permissions)} ${whose(scope, reader)} ${what(scope)}`;
}

function verbs(permissions: ReadonlySet<Permission>): string {
  const words: string[] = [];
  if (permissions.has('r') || permissions.has('s')) words.push('read');
  if (permissions.has('c')) words.push('add');
  if (permissions.has('u')) words.push('change');
  if (permissions.has('d')) words.push('delete');
  const last = words.pop() ?? 'use';
  const text = words.length ? `${words.join(', ')} and ${last}` : last;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function whose(scope: ResourceScope, reader: RecordReader): string {
  if (scope.context === 'patient') return reader === 'own' ? 'your' : 'this patient’s';
  if (scope.context === 'user') return 'the';
  return 'all';
}

function what(scope: ResourceScope): string {
  const category = scope.query?.find(([name]) => name === 'category')?.[1];
  if (category !== undefined) {
    const code = category.slice(category.lastIndexOf('|') + 1);
    const name = CATEGORY_NAMES[code] ?? `${typeName(scope.resourceType)} (${code})`;
    return scope.context === 'user' ? `${name} you can access` : name;
  }
  const base = scope.resourceType === '*' ? 'health records of every kind' : typeName(scope.resourceType);
  const filtered = scope.query && scope.query.length > 0 ? `${base} (only some: ${scope.query.map(([n, v]) => `${n}=${v}`).join(', ')})` : base;
  return scope.context === 'user' ? `${filtered} you can access` : filtered;
}

function typeName(type: string): string {
  return TYPE_NAMES[type] ?? type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() + ' records';
}
