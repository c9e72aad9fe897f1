import { dateBefore, plusDays } from './clock.ts';
import { profileMeta, type PatientContext } from './patient-context.ts';
import { SHARED } from './shared-resources.ts';
import { coding, concept, ETHNICITIES, GENDER_IDENTITIES, LANGUAGES, RACES, SYSTEM } from './terminology.ts';

const EXT = 'http://hl7.org/fhir/us/core/StructureDefinition/';
const STREETS = ['Maple Street', 'Beacon Street', 'Elm Avenue', 'Harbor Road', 'Washington Street', 'Chestnut Lane'];
const CITIES = [
  ['Boston', '02118'],
  ['Cambridge', '02139'],
  ['Somerville', '02143'],
  ['Quincy', '02169'],
] as const;

/** Patient, with the US Core demographics extensions, a RelatedPerson and a Coverage. */
export function buildDemographics(ctx: PatientContext): void {
  const { rng, sex, showcase } = ctx;
  const race = showcase ? RACES[0] : rng.pick(RACES);
  const ethnicity = showcase ? ETHNICITIES[1] : rng.pick(ETHNICITIES);
  const language = showcase ? LANGUAGES[0] : rng.pick(LANGUAGES);
  const [city, zip] = rng.pick(CITIES);
  const line = `${rng.int(1, 999)} ${rng.pick(STREETS)}`;
  const phone = `(617) 555-${String(rng.int(2000, 9999))}`;
  const identity = rng.chance(0.05) ? GENDER_IDENTITIES.nonbinary : GENDER_IDENTITIES[sex];
  const extension: unknown[] = [
    {
      url: `${EXT}us-core-race`,
      extension: [
        { url: 'ombCategory', valueCoding: coding(SYSTEM.cdcRace, race[0], race[1]) },
        ...(race[0] === '2028-9' ? [{ url: 'detailed', valueCoding: coding(SYSTEM.cdcRace, '2039-6', 'Japanese') }] : []),
        { url: 'text', valueString: race[1] },
      ],
    },
    {
      url: `${EXT}us-core-ethnicity`,
      extension: [
        { url: 'ombCategory', valueCoding: coding(SYSTEM.cdcRace, ethnicity[0], ethnicity[1]) },
        ...(ethnicity[0] === '2135-2' ? [{ url: 'detailed', valueCoding: coding(SYSTEM.cdcRace, '2148-5', 'Mexican') }] : []),
        { url: 'text', valueString: ethnicity[1] },
      ],
    },
    { url: `${EXT}us-core-birthsex`, valueCode: sex === 'female' ? 'F' : 'M' },
    { url: `${EXT}us-core-sex`, valueCode: sex === 'female' ? '248152002' : '248153007' },
    { url: `${EXT}us-core-genderIdentity`, valueCodeableConcept: concept(coding(SYSTEM.snomed, identity[0], identity[1])) },
  ];
  if (showcase || race[0] === '1002-5') {
    extension.push({
      url: `${EXT}us-core-tribal-affiliation`,
      extension: [
        { url: 'tribalAffiliation', valueCodeableConcept: concept(coding(SYSTEM.tribalEntity, '187', 'Paiute-Shoshone Tribe of the Fallon Reservation and Colony, Nevada')) },
        { url: 'isEnrolled', valueBoolean: !showcase },
      ],
    });
  }
  const names: unknown[] = [{ use: 'official', family: ctx.familyName, given: [ctx.givenName, ...(rng.chance(0.4) ? [rng.pick(['Marie', 'Lee', 'Ann', 'J.'])] : [])], ...(sex === 'male' && rng.chance(0.15) ? { suffix: ['Jr.'] } : {}) }];
  // A previous name (USCDI): showcase and some adult women.
  if (showcase || (sex === 'female' && ctx.ageYears > 30 && rng.chance(0.3))) {
    names.push({ use: 'old', family: showcase ? 'Baker' : 'Miller', given: [ctx.givenName], period: { end: dateBefore(rng.int(400, 3000)) } });
  }
  if (showcase) (names[0] as { suffix?: string[] }).suffix = ['PhD'];
  // Some patients declined to give contact details: no telecom at all. US Core 6.1.0 requires system and
  // value of every Patient.telecom, and its Missing Data rules (general-requirements.html#missing-data)
  // keep data-absent-reason for required elements: an optional one without data is left out.
  const declinedTelecom = !showcase && ctx.index % 9 === 4;
  const addresses: unknown[] = [{ use: 'home', line: [line], city, state: 'MA', postalCode: zip, country: 'US', period: { start: dateBefore(rng.int(500, 3000)) } }];
  if (showcase || rng.chance(0.2)) {
    addresses.push({ use: 'old', line: ['12 Old Mill Road'], city: 'Worcester', state: 'MA', postalCode: '01608', country: 'US', period: { start: dateBefore(6000), end: dateBefore(rng.int(3001, 5000)) } });
  }
  ctx.add({
    resourceType: 'Patient',
    id: ctx.pid,
    meta: profileMeta('us-core-patient'),
    extension,
    identifier: [
      { use: 'usual', type: concept(coding(SYSTEM.v2IdType, 'MR', 'Medical Record Number')), system: 'http://portico.example.org/fhir/sid/mrn', value: `MRN${String(100000 + ctx.index)}` },
    ],
    active: true,
    name: names,
    ...(declinedTelecom
      ? {}
      : {
          telecom: [
            { system: 'phone', value: phone, use: ctx.ageYears > 17 ? 'mobile' : 'home' },
            { system: 'email', value: `${ctx.givenName}.${ctx.familyName}.${ctx.index + 1}@example.com`.toLowerCase(), use: 'home' },
          ],
        }),
    gender: sex,
    birthDate: ctx.birthDate,
    // One deceased patient in every 25 (USCDI date of death); the showcase patient is alive.
    ...(ctx.index % 25 === 24 ? { deceasedDateTime: `${dateBefore(2)}T04:10:00Z` } : { deceasedBoolean: false }),
    address: addresses,
    communication: [{ language: concept(coding(SYSTEM.bcp47, language[0], language[1])), preferred: true }],
    generalPractitioner: [ctx.practitioner()],
    managingOrganization: { reference: `Organization/${SHARED.clinic}` },
  });

  const relation = ctx.ageYears < 18 ? (['MTH', 'mother'] as const) : rng.pick([['SPS', 'spouse'], ['CHILD', 'child'], ['SIB', 'sibling']] as const);
  ctx.add({
    resourceType: 'RelatedPerson',
    id: ctx.id('relperson-1'),
    meta: profileMeta('us-core-relatedperson'),
    active: true,
    patient: ctx.patient,
    relationship: [concept(coding(SYSTEM.roleCode, relation[0], relation[1]))],
    name: [{ family: ctx.familyName, given: [relation[0] === 'MTH' ? 'Rosa' : rng.pick(['Pat', 'Sam', 'Jordan', 'Robin'])] }],
    telecom: [{ system: 'phone', value: `(617) 555-${String(rng.int(2000, 9999))}`, use: 'home' }],
    address: [{ line: [line], city, state: 'MA', postalCode: zip, country: 'US' }],
  });

  const medicaid = ctx.ageYears < 18 || rng.chance(0.25);
  const payer = medicaid ? SHARED.payers[1] : SHARED.payers[0];
  const memberId = `${medicaid ? 'MCD' : 'ACM'}${String(700000 + ctx.index * 7)}`;
  const start = plusDays(dateBefore(900), rng.int(0, 200));
  ctx.add({
    resourceType: 'Coverage',
    id: ctx.id('coverage-1'),
    meta: profileMeta('us-core-coverage'),
    identifier: [{ type: concept(coding(SYSTEM.v2IdType, 'MB', 'Member Number')), system: `http://portico.example.org/fhir/sid/${payer}-member`, value: memberId }],
    status: 'active',
    type: concept(medicaid ? coding(SYSTEM.sopt, '2', 'MEDICAID') : coding(SYSTEM.sopt, '5', 'PRIVATE HEALTH INSURANCE')),
    subscriber: ctx.patient,
    subscriberId: memberId,
    beneficiary: ctx.patient,
    dependent: '01',
    relationship: concept(coding(SYSTEM.subscriberRelationship, 'self', 'Self')),
    period: { start, end: plusDays(start, 1095) },
    payor: [{ reference: `Organization/${payer}` }],
    class: [
      { type: concept(coding(SYSTEM.coverageClass, 'group', 'Group')), value: medicaid ? 'MCD-MA-01' : 'ACME-GRP-4471', name: medicaid ? 'MassHealth Standard' : 'Acme Employer Group' },
      { type: concept(coding(SYSTEM.coverageClass, 'plan', 'Plan')), value: medicaid ? 'MH-STD' : 'ACME-PPO-500', name: medicaid ? 'MassHealth Standard Plan' : 'Acme PPO 500' },
    ],
  });
}
