import type { Resource } from '../../fhir/resource.ts';
import { US_CORE_BASE } from '../../fhir/us-core/profiles.ts';
import { coding, concept, MEDICATIONS, SPECIALTIES, SYSTEM, snomed } from './terminology.ts';

/**
 * The population's shared, patient-independent resources: organizations, locations,
 * practitioners and their roles, an endpoint, and shared Medications. Their ids are fixed, so
 * every seed and every patient count refers to the same ones.
 */
export const SHARED = {
  hospital: 'org-hospital',
  clinic: 'org-clinic',
  lab: 'org-lab',
  pharmacy: 'org-pharmacy',
  payers: ['org-payer-1', 'org-payer-2'],
  hospitalLocation: 'loc-hospital',
  clinicLocation: 'loc-clinic',
  labLocation: 'loc-lab',
  pharmacyLocation: 'loc-pharmacy',
  endpoint: 'endpoint-direct',
} as const;

export const PRACTITIONER_COUNT = 12;
/** Practitioner n (1-based) in the shared pool. */
export const practitionerId = (n: number) => `pract-${String(n).padStart(2, '0')}`;
export const practitionerRoleId = (n: number) => `prrole-${String(n).padStart(2, '0')}`;
export const medicationId = (rxnorm: string) => `med-${rxnorm}`;
/** The pool's pharmacist (specialty 3336C0003X). */
export const PHARMACIST = 6;

const profile = (id: string) => ({ profile: [US_CORE_BASE + id] });

/** A valid NPI: 9 digits and a Luhn check digit computed with the 80840 prefix (per CMS). */
export function npi(nineDigits: string): string {
  const digits = `80840${nineDigits}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return nineDigits + String((10 - (sum % 10)) % 10);
}

const address = (line: string, city: string, postalCode: string) => ({
  use: 'work',
  line: [line],
  city,
  state: 'MA',
  postalCode,
  country: 'US',
});

function organization(id: string, name: string, type: [string, string], npiBase: string | undefined, line: string, phone: string): Resource {
  return {
    resourceType: 'Organization',
    id,
    meta: profile('us-core-organization'),
    identifier: npiBase ? [{ system: SYSTEM.npi, value: npi(npiBase) }] : [{ system: 'urn:oid:2.16.840.1.113883.3.7204.1.1', value: id.toUpperCase() }],
    active: true,
    type: [concept(coding(SYSTEM.organizationType, type[0], type[1]))],
    name,
    telecom: [{ system: 'phone', value: phone, use: 'work' }, { system: 'email', value: `contact@${id.replace(/^org-/, '')}.example.org`, use: 'work' }],
    address: [address(line, 'Boston', '02115')],
  };
}

function location(id: string, name: string, type: [string, string], org: string, line: string, phone: string): Resource {
  return {
    resourceType: 'Location',
    id,
    meta: profile('us-core-location'),
    identifier: [{ system: 'http://portico.example.org/location-id', value: id }],
    status: 'active',
    name,
    type: [concept(coding(SYSTEM.roleCode, type[0], type[1]))],
    telecom: [{ system: 'phone', value: phone, use: 'work' }],
    address: { line: [line], city: 'Boston', state: 'MA', postalCode: '02115', country: 'US' },
    physicalType: concept(coding(SYSTEM.locationPhysical, 'bu', 'Building')),
    managingOrganization: { reference: `Organization/${org}`, display: name },
  };
}

const GIVEN = ['Adam', 'Beatriz', 'Chen', 'Dolores', 'Ezra', 'Fatima', 'Gregory', 'Hana', 'Ivan', 'Julia', 'Kwame', 'Leila'];
const FAMILY = ['Careful', 'Alvarez', 'Wong', 'Okafor', 'Feldman', 'Haddad', 'Lindqvist', 'Sato', 'Petrov', 'Moreau', 'Mensah', 'Farouk'];

export function sharedResources(): Resource[] {
  const out: Resource[] = [
    organization(SHARED.hospital, 'Portico General Hospital', ['prov', 'Healthcare Provider'], '234567890', '1 Portico Way', '(617) 555-0100'),
    organization(SHARED.clinic, 'Portico Family Health Center', ['prov', 'Healthcare Provider'], '345678901', '200 Harbor Street', '(617) 555-0200'),
    {
      ...organization(SHARED.lab, 'Portico Reference Laboratory', ['prov', 'Healthcare Provider'], '456789012', '15 Science Park', '(617) 555-0300'),
      identifier: [{ system: SYSTEM.npi, value: npi('456789012') }, { system: SYSTEM.clia, value: '22D0987654' }],
    },
    organization(SHARED.pharmacy, 'Portico Community Pharmacy', ['prov', 'Healthcare Provider'], '567890123', '48 Main Street', '(617) 555-0400'),
    organization(SHARED.payers[0], 'Acme Health Plan', ['pay', 'Payer'], undefined, '900 Insurance Plaza', '(800) 555-0500'),
    organization(SHARED.payers[1], 'Commonwealth Medicaid', ['pay', 'Payer'], undefined, '1 Ashburton Place', '(800) 555-0600'),
    location(SHARED.hospitalLocation, 'Portico General Hospital, Main Campus', ['HOSP', 'Hospital'], SHARED.hospital, '1 Portico Way', '(617) 555-0101'),
    location(SHARED.clinicLocation, 'Portico Family Health Center', ['PC', 'primary care clinic'], SHARED.clinic, '200 Harbor Street', '(617) 555-0201'),
    location(SHARED.labLocation, 'Portico Reference Laboratory', ['HLAB', 'hospital laboratory'], SHARED.lab, '15 Science Park', '(617) 555-0301'),
    location(SHARED.pharmacyLocation, 'Portico Community Pharmacy', ['PHARM', 'Pharmacy'], SHARED.pharmacy, '48 Main Street', '(617) 555-0401'),
    {
      resourceType: 'Endpoint',
      id: SHARED.endpoint,
      status: 'active',
      connectionType: coding(SYSTEM.endpointConnection, 'direct-project', 'Direct Project'),
      name: 'Portico clinicians Direct address',
      managingOrganization: { reference: `Organization/${SHARED.hospital}` },
      payloadType: [concept(coding('urn:oid:1.3.6.1.4.1.19376.1.2.3', 'urn:hl7-org:sdwg:ccda-structuredBody:2.1', 'C-CDA Structured Body'))],
      payloadMimeType: ['application/xml'],
      address: 'mailto:clinicians@direct.portico.example.org',
    },
  ];
  for (let n = 1; n <= PRACTITIONER_COUNT; n++) {
    const given = GIVEN[n - 1] ?? 'Alex';
    const family = FAMILY[n - 1] ?? 'Doe';
    const specialty = SPECIALTIES[(n - 1) % SPECIALTIES.length] ?? SPECIALTIES[0];
    const pharmacist = n === PHARMACIST;
    const nurse = specialty[0] === '163W00000X';
    out.push({
      resourceType: 'Practitioner',
      id: practitionerId(n),
      meta: profile('us-core-practitioner'),
      identifier: [{ system: SYSTEM.npi, value: npi(String(198765430 + n)) }],
      active: true,
      name: [{ use: 'official', family, given: [given], ...(pharmacist || nurse ? {} : { prefix: ['Dr.'], suffix: ['MD'] }) }],
      telecom: [{ system: 'phone', value: `(617) 555-${String(1000 + n)}`, use: 'work' }, { system: 'email', value: `${given.toLowerCase()}.${family.toLowerCase()}@portico.example.org`, use: 'work' }],
      address: [address('1 Portico Way', 'Boston', '02115')],
      gender: n % 2 === 0 ? 'female' : 'male',
      qualification: [{ code: concept(coding('http://terminology.hl7.org/CodeSystem/v2-0360', pharmacist ? 'PharmD' : nurse ? 'RN' : 'MD', pharmacist ? 'Doctor of Pharmacy' : nurse ? 'Registered Nurse' : 'Doctor of Medicine')) }],
    });
    out.push({
      resourceType: 'PractitionerRole',
      id: practitionerRoleId(n),
      meta: profile('us-core-practitionerrole'),
      active: true,
      practitioner: { reference: `Practitioner/${practitionerId(n)}`, display: `${given} ${family}` },
      organization: { reference: `Organization/${pharmacist ? SHARED.pharmacy : n % 3 === 0 ? SHARED.hospital : SHARED.clinic}` },
      code: [concept(coding(SYSTEM.nucc, specialty[0], specialty[1]))],
      specialty: [concept(coding(SYSTEM.nucc, specialty[0], specialty[1]))],
      location: [{ reference: `Location/${pharmacist ? SHARED.pharmacyLocation : n % 3 === 0 ? SHARED.hospitalLocation : SHARED.clinicLocation}` }],
      telecom: [{ system: 'phone', value: `(617) 555-${String(1000 + n)}`, use: 'work' }],
      endpoint: [{ reference: `Endpoint/${SHARED.endpoint}` }],
    });
  }
  for (const med of MEDICATIONS) {
    out.push({
      resourceType: 'Medication',
      id: medicationId(med.rxnorm),
      meta: profile('us-core-medication'),
      code: concept(coding(SYSTEM.rxnorm, med.rxnorm, med.display)),
      status: 'active',
      form: med.unit === 'TAB' ? snomed('385055001', 'Tablet') : snomed('420317006', 'Inhalation powder'),
    });
  }
  return out;
}
