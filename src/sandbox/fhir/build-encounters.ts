import { dateBefore, dateTimeBefore, plusMinutes } from './clock.ts';
import { profileMeta, type PatientContext, type Reference } from './patient-context.ts';
import { SHARED } from './shared-resources.ts';
import { ACUTE_DIAGNOSES, ALLERGIES, CHRONIC_PROBLEMS, coding, concept, SYSTEM } from './terminology.ts';

export interface Visit {
  ref: Reference;
  /** Start of the visit (FHIR dateTime) and how many days before the epoch it was. */
  start: string;
  end: string;
  daysAgo: number;
  practitioner: number;
}

/** The visits and conditions later builders link to. */
export interface PatientHistory {
  wellness: Visit;
  followUp: Visit;
  acute: Visit;
  /** The acute visit was an admission (else an ED visit). */
  inpatient: boolean;
  chronicIndex: number;
  chronic: Reference;
  acuteDiagnosis: Reference;
  acuteCode: (typeof ACUTE_DIAGNOSES)[number];
  healthConcern?: Reference;
}

function preventiveVisitCpt(age: number): [string, string] {
  if (age < 1) return ['99391', 'Periodic comprehensive preventive medicine reevaluation; infant (age younger than 1 year)'];
  if (age < 5) return ['99392', 'Periodic comprehensive preventive medicine reevaluation; early childhood (age 1 through 4 years)'];
  if (age < 12) return ['99393', 'Periodic comprehensive preventive medicine reevaluation; late childhood (age 5 through 11 years)'];
  if (age < 18) return ['99394', 'Periodic comprehensive preventive medicine reevaluation; adolescent (age 12 through 17 years)'];
  if (age < 40) return ['99395', 'Periodic comprehensive preventive medicine reevaluation; 18-39 years'];
  if (age < 65) return ['99396', 'Periodic comprehensive preventive medicine reevaluation; 40-64 years'];
  return ['99397', 'Periodic comprehensive preventive medicine reevaluation; 65 years and older'];
}

/** Three visits (wellness, chronic follow-up, acute ED or inpatient), the problem list and an allergy. */
export function buildEncounters(ctx: PatientContext): PatientHistory {
  const { rng, showcase } = ctx;
  const chronicIndex = showcase ? 0 : ctx.ageYears < 18 ? 3 : rng.int(0, CHRONIC_PROBLEMS.length - 1);
  const problem = CHRONIC_PROBLEMS[chronicIndex] ?? CHRONIC_PROBLEMS[0];
  const acuteCode = showcase ? ACUTE_DIAGNOSES[0] : rng.pick(ACUTE_DIAGNOSES);
  const inpatient = showcase || ctx.index % 5 === 2;
  const chronic = ctx.ref('Condition', 'condition-problem-1');
  const acuteDiagnosis = ctx.ref('Condition', 'condition-dx-1');

  let seq = 0;
  const visit = (daysAgo: number, minutes: number, kind: 'AMB' | 'EMER' | 'IMP', type: ReturnType<typeof concept>, reason: { code?: ReturnType<typeof concept>; ref?: Reference }, practitioner: number): Visit => {
    seq++;
    const start = dateTimeBefore(daysAgo, rng.int(8, 16), rng.pick([0, 15, 30, 45]));
    const end = plusMinutes(start, minutes);
    const ref = ctx.ref('Encounter', `encounter-${seq}`);
    const location = kind === 'AMB' ? SHARED.clinicLocation : SHARED.hospitalLocation;
    ctx.add({
      resourceType: 'Encounter',
      id: ctx.id(`encounter-${seq}`),
      meta: profileMeta('us-core-encounter'),
      identifier: [{ use: 'usual', system: 'http://portico.example.org/fhir/sid/encounter', value: `${ctx.pid}-V${seq}` }],
      status: 'finished',
      class: coding(SYSTEM.actCode, kind, kind === 'AMB' ? 'ambulatory' : kind === 'EMER' ? 'emergency' : 'inpatient encounter'),
      type: [type],
      subject: ctx.patient,
      participant: [
        {
          type: [concept(coding(SYSTEM.participationType, kind === 'IMP' ? 'ATND' : 'PPRF', kind === 'IMP' ? 'attender' : 'primary performer'))],
          period: { start, end },
          individual: ctx.practitioner(practitioner),
        },
      ],
      period: { start, end },
      ...(reason.code ? { reasonCode: [reason.code] } : {}),
      ...(reason.ref ? { reasonReference: [reason.ref] } : {}),
      ...(kind === 'IMP'
        ? {
            hospitalization: {
              admitSource: concept(coding('http://terminology.hl7.org/CodeSystem/admit-source', 'emd', 'From accident/emergency department')),
              dischargeDisposition: concept(coding(SYSTEM.dischargeDisposition, 'home', 'Home')),
            },
          }
        : {}),
      location: [{ location: { reference: `Location/${location}` }, status: 'completed', period: { start, end } }],
      serviceProvider: { reference: `Organization/${kind === 'AMB' ? SHARED.clinic : SHARED.hospital}` },
    });
    return { ref, start, end, daysAgo, practitioner };
  };

  const cpt = preventiveVisitCpt(ctx.ageYears);
  const checkUp = ctx.ageYears >= 18 ? (['185349003', 'Encounter for check up (procedure)'] as const) : (['410620009', 'Well child visit (procedure)'] as const);
  const wellness = visit(
    rng.int(330, 400),
    40,
    'AMB',
    concept(coding(SYSTEM.cpt, cpt[0], cpt[1]), coding(SYSTEM.snomed, checkUp[0], checkUp[1])),
    { code: concept(coding(SYSTEM.snomed, '162673000', 'General examination of patient (procedure)')) },
    ctx.pcp,
  );
  const followUp = visit(
    rng.int(100, 200),
    25,
    'AMB',
    concept(coding(SYSTEM.cpt, '99214', 'Office or other outpatient visit for the evaluation and management of an established patient, moderate medical decision making'), coding(SYSTEM.snomed, '390906007', 'Follow-up encounter (procedure)')),
    { ref: chronic },
    ctx.pcp,
  );
  const acute = visit(
    rng.int(20, 60),
    inpatient ? 60 * 24 * 2 + 90 : 180,
    inpatient ? 'IMP' : 'EMER',
    inpatient
      ? concept(coding(SYSTEM.snomed, '32485007', 'Hospital admission (procedure)'))
      : concept(coding(SYSTEM.cpt, '99283', 'Emergency department visit for the evaluation and management of a patient, moderate medical decision making'), coding(SYSTEM.snomed, '50849002', 'Emergency room admission (procedure)')),
    { code: concept(coding(SYSTEM.snomed, acuteCode.snomed[0], acuteCode.snomed[1])), ref: acuteDiagnosis },
    ctx.otherPractitioner(),
  );

  const onsetDays = showcase ? 2200 : Math.min(ctx.ageYears * 365 - 30, rng.int(700, 4000));
  ctx.add({
    resourceType: 'Condition',
    id: ctx.id('condition-problem-1'),
    meta: profileMeta('us-core-condition-problems-health-concerns'),
    extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/condition-assertedDate', valueDateTime: dateBefore(onsetDays - 10) }],
    clinicalStatus: concept(coding(SYSTEM.conditionClinical, 'active', 'Active')),
    verificationStatus: concept(coding(SYSTEM.conditionVer, 'confirmed', 'Confirmed')),
    category: [concept(coding(SYSTEM.conditionCategory, 'problem-list-item', 'Problem List Item'))],
    code: concept(coding(SYSTEM.snomed, problem.snomed[0], problem.snomed[1]), coding(SYSTEM.icd10cm, problem.icd[0], problem.icd[1])),
    subject: ctx.patient,
    onsetDateTime: dateBefore(onsetDays),
    recordedDate: dateTimeBefore(onsetDays - 10, 10),
    recorder: ctx.practitioner(),
    asserter: ctx.practitioner(),
  });
  ctx.add({
    resourceType: 'Condition',
    id: ctx.id('condition-dx-1'),
    meta: profileMeta('us-core-condition-encounter-diagnosis'),
    clinicalStatus: concept(coding(SYSTEM.conditionClinical, 'resolved', 'Resolved')),
    verificationStatus: concept(coding(SYSTEM.conditionVer, 'confirmed', 'Confirmed')),
    category: [concept(coding(SYSTEM.conditionCategory, 'encounter-diagnosis', 'Encounter Diagnosis'))],
    code: concept(coding(SYSTEM.icd10cm, acuteCode.icd[0], acuteCode.icd[1]), coding(SYSTEM.snomed, acuteCode.snomed[0], acuteCode.snomed[1])),
    subject: ctx.patient,
    encounter: acute.ref,
    onsetDateTime: dateTimeBefore(acute.daysAgo + 3, 8),
    abatementDateTime: dateTimeBefore(acute.daysAgo - 10, 8),
    recordedDate: acute.start,
    recorder: ctx.practitioner(acute.practitioner),
  });

  // A resolved problem (abatement) for some: iron deficiency anemia treated years ago.
  if (showcase || rng.chance(0.2)) {
    const resolvedOnset = Math.min(ctx.ageYears * 365 - 20, 1500);
    ctx.add({
      resourceType: 'Condition',
      id: ctx.id('condition-problem-2'),
      meta: profileMeta('us-core-condition-problems-health-concerns'),
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/condition-assertedDate', valueDateTime: dateBefore(resolvedOnset) }],
      clinicalStatus: concept(coding(SYSTEM.conditionClinical, 'resolved', 'Resolved')),
      verificationStatus: concept(coding(SYSTEM.conditionVer, 'confirmed', 'Confirmed')),
      category: [concept(coding(SYSTEM.conditionCategory, 'problem-list-item', 'Problem List Item'))],
      code: concept(coding(SYSTEM.snomed, '87522002', 'Iron deficiency anemia'), coding(SYSTEM.icd10cm, 'D50.9', 'Iron deficiency anemia, unspecified')),
      subject: ctx.patient,
      onsetDateTime: dateBefore(resolvedOnset),
      abatementDateTime: dateBefore(Math.max(resolvedOnset - 180, 1)),
      recordedDate: dateTimeBefore(resolvedOnset, 11),
      recorder: ctx.practitioner(),
    });
  }

  let healthConcern: Reference | undefined;
  if (showcase || rng.chance(0.35)) {
    healthConcern = ctx.ref('Condition', 'condition-concern-1');
    ctx.add({
      resourceType: 'Condition',
      id: ctx.id('condition-concern-1'),
      meta: profileMeta('us-core-condition-problems-health-concerns'),
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/condition-assertedDate', valueDateTime: followUp.start.slice(0, 10) }],
      clinicalStatus: concept(coding(SYSTEM.conditionClinical, 'active', 'Active')),
      verificationStatus: concept(coding(SYSTEM.conditionVer, 'unconfirmed', 'Unconfirmed')),
      category: [
        concept(coding(SYSTEM.usCoreConditionCategory, 'health-concern', 'Health Concern')),
        concept(coding(SYSTEM.usCoreCategory, 'sdoh', 'SDOH')),
      ],
      code: concept(coding(SYSTEM.snomed, '733423003', 'Food insecurity (finding)'), coding(SYSTEM.icd10cm, 'Z59.41', 'Food insecurity')),
      subject: ctx.patient,
      encounter: followUp.ref,
      onsetDateTime: followUp.start,
      recordedDate: followUp.end,
    });
  }

  const allergy = showcase ? ALLERGIES[0] : rng.pick(ALLERGIES);
  ctx.add({
    resourceType: 'AllergyIntolerance',
    id: ctx.id('allergy-1'),
    meta: profileMeta('us-core-allergyintolerance'),
    clinicalStatus: concept(coding(SYSTEM.allergyClinical, 'active', 'Active')),
    verificationStatus: concept(coding(SYSTEM.allergyVer, 'confirmed', 'Confirmed')),
    type: 'allergy',
    category: [allergy.category],
    criticality: allergy.reaction[0] === '39579001' ? 'high' : 'low',
    code: allergy.code,
    patient: ctx.patient,
    onsetDateTime: dateBefore(Math.min(ctx.ageYears * 365, 3000)),
    recordedDate: wellness.start,
    recorder: ctx.practitioner(),
    reaction: [
      {
        manifestation: [concept(coding(SYSTEM.snomed, allergy.reaction[0], allergy.reaction[1]))],
        severity: allergy.reaction[0] === '39579001' ? 'severe' : 'mild',
      },
    ],
  });

  return { wellness, followUp, acute, inpatient, chronicIndex, chronic, acuteDiagnosis, acuteCode, ...(healthConcern ? { healthConcern } : {}) };
}
