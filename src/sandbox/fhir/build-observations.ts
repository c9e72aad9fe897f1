import type { Resource } from '../../fhir/resource.ts';
import { US_CORE_BASE } from '../../fhir/us-core/profiles.ts';
import { dateBefore, dateTimeBefore, plusMinutes } from './clock.ts';
import type { PatientHistory, Visit } from './build-encounters.ts';
import type { PatientContext, Reference } from './patient-context.ts';
import { SHARED } from './shared-resources.ts';
import { coding, concept, loinc, OCCUPATIONS, SEXUAL_ORIENTATIONS, SMOKING_STATUSES, snomed, SYSTEM } from './terminology.ts';

const category = (code: string, display: string, system: string = SYSTEM.obsCategory) => concept(coding(system, code, display));
const VITAL = category('vital-signs', 'Vital Signs');
const LAB = category('laboratory', 'Laboratory');
const SOCIAL = category('social-history', 'Social History');
const SURVEY = category('survey', 'Survey');
const SDOH = category('sdoh', 'SDOH', SYSTEM.usCoreCategory);

const quantity = (value: number, unit: string, code = unit) => ({ value, unit, system: SYSTEM.ucum, code });

interface ObservationInput {
  suffix: string;
  profiles: string[];
  category: ReturnType<typeof concept>[];
  code: ReturnType<typeof concept>;
  /** effectiveDateTime; omitted when `extra` carries another effective[x]. */
  at?: string;
  visit?: Visit;
  value?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

function observation(ctx: PatientContext, input: ObservationInput): Reference {
  ctx.add({
    resourceType: 'Observation',
    id: ctx.id(input.suffix),
    meta: { profile: input.profiles.map((p) => US_CORE_BASE + p) },
    status: 'final',
    category: input.category,
    code: input.code,
    subject: ctx.patient,
    ...(input.visit ? { encounter: input.visit.ref } : {}),
    ...(input.at ? { effectiveDateTime: input.at } : {}),
    ...input.value,
    ...input.extra,
  } as Resource);
  return ctx.ref('Observation', input.suffix);
}

/** Growth expectations by age: rough, but plausible, height (cm) and weight (kg). */
function growth(ageYears: number, rngOffset: number): { height: number; weight: number } {
  if (ageYears < 1.5) return { height: 74 + rngOffset, weight: 9.5 + rngOffset / 4 };
  if (ageYears < 18) return { height: 86 + ageYears * 6 + rngOffset, weight: 12 + ageYears * 3 + rngOffset / 2 };
  return { height: 160 + rngOffset * 2.5, weight: 62 + rngOffset * 3 };
}

/** The vital signs panel taken at a visit; returns the observation references. */
function vitalSigns(ctx: PatientContext, visit: Visit, n: number, ageYears: number): Reference[] {
  const { rng } = ctx;
  const at = plusMinutes(visit.start, 5);
  const vs = (suffix: string, profile: string, code: string, display: string, value: Record<string, unknown>) =>
    observation(ctx, { suffix: `vs-${suffix}-${n}`, profiles: [profile, 'us-core-vital-signs'], category: [VITAL], code: loinc(code, display), at, visit, value });
  const r = rng.decimal(-4, 4, 1);
  const { height, weight } = growth(ageYears, r);
  const h = Math.round(height * 10) / 10;
  const w = Math.round(weight * 10) / 10;
  const refs = [
    vs('height', 'us-core-body-height', '8302-2', 'Body height', { valueQuantity: quantity(h, 'cm') }),
    vs('weight', 'us-core-body-weight', '29463-7', 'Body weight', { valueQuantity: quantity(w, 'kg') }),
    vs('temperature', 'us-core-body-temperature', '8310-5', 'Body temperature', { valueQuantity: quantity(rng.decimal(36.4, 37.4, 1), 'Cel') }),
    vs('heart-rate', 'us-core-heart-rate', '8867-4', 'Heart rate', { valueQuantity: quantity(ageYears < 2 ? rng.int(100, 140) : rng.int(58, 96), '/min') }),
    vs('respiratory-rate', 'us-core-respiratory-rate', '9279-1', 'Respiratory rate', { valueQuantity: quantity(ageYears < 2 ? rng.int(26, 40) : rng.int(12, 20), '/min') }),
  ];
  if (ageYears >= 2) {
    refs.push(vs('bmi', 'us-core-bmi', '39156-5', 'Body mass index (BMI) [Ratio]', { valueQuantity: quantity(Math.round((w / (h / 100) ** 2) * 10) / 10, 'kg/m2') }));
    const systolic = rng.int(104, 148);
    const diastolic = systolic - rng.int(35, 50);
    // At some acute visits the cuff reading failed for one component (US Core missing data).
    const absent = n === 2 && (ctx.showcase ? 'diastolic' : ctx.index % 4 === 1 ? 'systolic' : undefined);
    const missing = { dataAbsentReason: concept(coding(SYSTEM.dataAbsentReason, 'error', 'Error')) };
    refs.push(
      vs('blood-pressure', 'us-core-blood-pressure', '85354-9', 'Blood pressure panel with all children optional', {
        component: [
          { code: loinc('8480-6', 'Systolic blood pressure'), ...(absent === 'systolic' ? missing : { valueQuantity: quantity(systolic, 'mm[Hg]') }) },
          { code: loinc('8462-4', 'Diastolic blood pressure'), ...(absent === 'diastolic' ? missing : { valueQuantity: quantity(diastolic, 'mm[Hg]') }) },
        ],
      }),
    );
  }
  return refs;
}

/** Pulse oximetry; on supplemental oxygen (flow rate and concentration components) during an admission. */
function pulseOximetry(ctx: PatientContext, visit: Visit, n: number, onOxygen: boolean): Reference {
  return observation(ctx, {
    suffix: `vs-pulse-ox-${n}`,
    profiles: ['us-core-pulse-oximetry', 'us-core-vital-signs'],
    category: [VITAL],
    code: concept(coding(SYSTEM.loinc, '59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'), coding(SYSTEM.loinc, '2708-6', 'Oxygen saturation in Arterial blood')),
    at: plusMinutes(visit.start, 20),
    visit,
    value: {
      valueQuantity: quantity(ctx.rng.int(onOxygen ? 92 : 95, onOxygen ? 96 : 100), '%'),
      ...(onOxygen
        ? {
            component: [
              { code: loinc('3151-8', 'Inhaled oxygen flow rate'), valueQuantity: quantity(2, 'L/min') },
              { code: loinc('3150-0', 'Inhaled oxygen concentration'), valueQuantity: quantity(28, '%') },
            ],
          }
        : {}),
    },
  });
}

/** Pediatric growth percentiles. `daysAgo` places them in the patient's infancy/childhood. */
function pediatricObservations(ctx: PatientContext, infantDaysAgo: number | undefined, childDaysAgo: number | undefined): void {
  const { rng } = ctx;
  if (infantDaysAgo !== undefined) {
    const at = dateTimeBefore(infantDaysAgo, 10);
    const vs = (suffix: string, profiles: string[], code: string, display: string, value: Record<string, unknown>) =>
      observation(ctx, { suffix, profiles: [...profiles, 'us-core-vital-signs'], category: [VITAL], code: loinc(code, display), at, value });
    vs('vs-head-circumference-1', ['us-core-head-circumference'], '9843-4', 'Head Occipital-frontal circumference', { valueQuantity: quantity(rng.decimal(44, 48, 1), 'cm') });
    vs('vs-head-percentile-1', ['head-occipital-frontal-circumference-percentile'], '8289-1', 'Head Occipital-frontal circumference Percentile', { valueQuantity: quantity(rng.int(10, 90), '%') });
    vs('vs-weight-for-length-1', ['pediatric-weight-for-height'], '77606-2', 'Weight-for-length Per age and sex', { valueQuantity: quantity(rng.int(10, 90), '%') });
  }
  if (childDaysAgo !== undefined) {
    observation(ctx, {
      suffix: 'vs-bmi-percentile-1',
      profiles: ['pediatric-bmi-for-age', 'us-core-vital-signs'],
      category: [VITAL],
      code: loinc('59576-9', 'Body mass index (BMI) [Percentile] Per age and sex'),
      at: dateTimeBefore(childDaysAgo, 11),
      value: { valueQuantity: quantity(rng.int(15, 85), '%') },
    });
  }
}

export interface LabResults {
  specimen: Reference;
  cmp: Reference[];
  hba1c: Reference[];
  other: Reference[];
}

/** Laboratory results: HbA1c (LOINC 4548-4), a metabolic panel, urinalysis; one Specimen. */
function labs(ctx: PatientContext, history: PatientHistory): LabResults {
  const { rng, showcase } = ctx;
  const visit = history.followUp;
  const specimenId = ctx.id('specimen-1');
  const collected = plusMinutes(visit.start, 15);
  ctx.add({
    resourceType: 'Specimen',
    id: specimenId,
    meta: { profile: [US_CORE_BASE + 'us-core-specimen'] },
    identifier: [{ system: 'http://portico.example.org/fhir/sid/specimen', value: `SPC-${ctx.pid}-1` }],
    accessionIdentifier: { system: 'http://portico.example.org/fhir/sid/accession', value: `ACC${String(500000 + ctx.index)}` },
    status: 'available',
    type: snomed('122555007', 'Venous blood specimen (specimen)'),
    subject: ctx.patient,
    receivedTime: plusMinutes(collected, 90),
    collection: { collector: ctx.practitioner(5), collectedDateTime: collected, bodySite: snomed('368209003', 'Right upper arm structure (body structure)') },
  });
  const specimen = { reference: `Specimen/${specimenId}` };
  const issued = plusMinutes(collected, 60 * 26);
  const lab = (suffix: string, code: string, display: string, at: string, v: Visit, value: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    observation(ctx, {
      suffix,
      profiles: ['us-core-observation-lab'],
      category: [LAB],
      code: loinc(code, display),
      at,
      visit: v,
      value,
      extra: { issued: plusMinutes(at, 60 * 26), performer: [{ reference: `Organization/${SHARED.lab}` }], ...extra },
    });
  const range = (low: number | undefined, high: number, unit: string) => ({
    referenceRange: [{ ...(low === undefined ? {} : { low: quantity(low, unit) }), high: quantity(high, unit) }],
  });
  const flag = (value: number, high: number) => ({
    interpretation: [concept(coding(SYSTEM.interpretation, value > high ? 'H' : 'N', value > high ? 'High' : 'Normal'))],
  });

  // HbA1c: twice for the showcase patient and diabetics (the seeds' `code=4548-4` search), else once.
  const diabetic = history.chronicIndex === 0;
  const hba1c: Reference[] = [];
  const a1cValues = diabetic ? [rng.decimal(7.4, 8.6, 1), rng.decimal(6.6, 7.3, 1)] : ctx.ageYears >= 18 ? [rng.decimal(4.9, 5.8, 1)] : [];
  const a1cVisits = a1cValues.length === 2 ? [history.wellness, visit] : [visit];
  a1cValues.forEach((value, i) => {
    const v = a1cVisits[i] ?? visit;
    const at = plusMinutes(v.start, 15);
    hba1c.push(lab(`lab-hba1c-${i + 1}`, '4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', at, v, { valueQuantity: quantity(value, '%') }, { ...flag(value, 5.6), ...range(undefined, 5.6, '%'), ...(v === visit ? { specimen } : {}) }));
  });
  const glucose = rng.int(diabetic ? 110 : 72, diabetic ? 190 : 105);
  const creatinine = rng.decimal(0.6, 1.2, 2);
  const cmp = [
    lab('lab-glucose-1', '2345-7', 'Glucose [Mass/volume] in Serum or Plasma', collected, visit, { valueQuantity: quantity(glucose, 'mg/dL') }, { ...flag(glucose, 99), ...range(70, 99, 'mg/dL'), specimen }),
    lab('lab-creatinine-1', '2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', collected, visit, { valueQuantity: quantity(creatinine, 'mg/dL') }, { ...flag(creatinine, 1.3), ...range(0.6, 1.3, 'mg/dL'), specimen }),
  ];
  // A missing result: the potassium sample haemolysed (dataAbsentReason instead of a value).
  if (showcase || ctx.index % 4 === 1) {
    cmp.push(lab('lab-potassium-1', '2823-3', 'Potassium [Moles/volume] in Serum or Plasma', collected, visit, { dataAbsentReason: concept(coding(SYSTEM.dataAbsentReason, 'error', 'Error')) }, { specimen, note: [{ text: 'Specimen hemolyzed; please recollect.' }] }));
  } else {
    const k = rng.decimal(3.6, 5.0, 1);
    cmp.push(lab('lab-potassium-1', '2823-3', 'Potassium [Moles/volume] in Serum or Plasma', collected, visit, { valueQuantity: quantity(k, 'mmol/L') }, { ...flag(k, 5.1), ...range(3.5, 5.1, 'mmol/L'), specimen }));
  }
  const other: Reference[] = [];
  if (showcase || rng.chance(0.4)) {
    const at = plusMinutes(visit.start, 10);
    other.push(lab('lab-urine-color-1', '5778-6', 'Color of Urine', at, visit, { valueCodeableConcept: snomed('371244009', 'Yellow color (qualifier value)') }));
    other.push(lab('lab-urine-appearance-1', '5767-9', 'Appearance of Urine', at, visit, { valueString: 'Clear' }));
  }
  ctx.add({
    resourceType: 'DiagnosticReport',
    id: ctx.id('report-lab-1'),
    meta: { profile: [US_CORE_BASE + 'us-core-diagnosticreport-lab'] },
    status: 'final',
    category: [concept(coding(SYSTEM.v2DiagService, 'LAB', 'Laboratory'))],
    code: loinc('24323-8', 'Comprehensive metabolic 2000 panel - Serum or Plasma'),
    subject: ctx.patient,
    encounter: visit.ref,
    effectiveDateTime: collected,
    issued,
    performer: [{ reference: `Organization/${SHARED.lab}` }, ctx.practitioner(visit.practitioner)],
    specimen: [specimen],
    result: cmp,
  });
  const latestA1c = hba1c[hba1c.length - 1];
  if (latestA1c) {
    ctx.add({
      resourceType: 'DiagnosticReport',
      id: ctx.id('report-lab-2'),
      meta: { profile: [US_CORE_BASE + 'us-core-diagnosticreport-lab'] },
      status: 'final',
      category: [concept(coding(SYSTEM.v2DiagService, 'LAB', 'Laboratory'))],
      code: loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'),
      subject: ctx.patient,
      encounter: visit.ref,
      effectiveDateTime: collected,
      issued,
      performer: [ctx.practitioner(visit.practitioner)],
      result: [latestA1c],
    });
  }
  return { specimen, cmp, hba1c, other };
}

/** Social history, SDOH and screening observations. `questionnaireResponse` is what the HVS panel derives from. */
function socialAndScreening(ctx: PatientContext, history: PatientHistory, questionnaireResponse: Reference): void {
  const { rng, showcase } = ctx;
  const visit = history.wellness;
  const at = plusMinutes(visit.start, 10);
  const adult = ctx.ageYears >= 18;
  const smoking = !adult ? SMOKING_STATUSES[0] : showcase ? SMOKING_STATUSES[1] : rng.pick(SMOKING_STATUSES);
  observation(ctx, {
    suffix: 'social-smoking-1',
    profiles: ['us-core-smokingstatus'],
    category: [SOCIAL],
    code: loinc('72166-2', 'Tobacco smoking status'),
    at,
    visit,
    value: { valueCodeableConcept: concept(coding(SYSTEM.snomed, smoking[0], smoking[1])) },
    extra: { issued: plusMinutes(at, 5), performer: [ctx.practitioner(visit.practitioner)] },
  });
  if (adult) {
    const declined = ctx.index % 9 === 4;
    const orientation = rng.pick(SEXUAL_ORIENTATIONS);
    observation(ctx, {
      suffix: 'social-sexual-orientation-1',
      profiles: ['us-core-observation-sexual-orientation'],
      category: [SOCIAL],
      code: loinc('76690-7', 'Sexual orientation'),
      at,
      visit,
      value: { valueCodeableConcept: declined ? concept(coding(SYSTEM.nullFlavor, 'ASKU', 'Asked but no answer')) : concept(coding(SYSTEM.snomed, orientation[0], orientation[1])) },
    });
    const job = showcase ? OCCUPATIONS[1] : rng.pick(OCCUPATIONS);
    observation(ctx, {
      suffix: 'social-occupation-1',
      profiles: ['us-core-observation-occupation'],
      category: [SOCIAL],
      code: loinc('11341-5', 'History of Occupation'),
      visit,
      value: { valueCodeableConcept: concept(coding(SYSTEM.odhOccupation, job.occupation[0], job.occupation[1])) },
      extra: {
        effectivePeriod: { start: dateBefore(rng.int(800, 4000)) },
        component: [{ code: loinc('86188-0', 'History of Occupation industry'), valueCodeableConcept: concept(coding(SYSTEM.odhIndustry, job.industry[0], job.industry[1])) }],
      },
    });
  }
  if (ctx.sex === 'female' && ctx.ageYears >= 15 && ctx.ageYears <= 50) {
    observation(ctx, {
      suffix: 'social-pregnancy-status-1',
      profiles: ['us-core-observation-pregnancystatus'],
      category: [SOCIAL],
      code: loinc('82810-3', 'Pregnancy status'),
      at,
      visit,
      value: { valueCodeableConcept: snomed('60001007', 'Not pregnant (finding)') },
    });
    const wants = showcase || rng.chance(0.3);
    observation(ctx, {
      suffix: 'social-pregnancy-intent-1',
      profiles: ['us-core-observation-pregnancyintent'],
      category: [SOCIAL],
      code: loinc('86645-9', 'Pregnancy intention in the next year - Reported'),
      at,
      visit,
      value: { valueCodeableConcept: wants ? snomed('454381000124105', 'Wants to become pregnant (finding)') : snomed('454391000124108', 'Does not want to become pregnant (finding)') },
    });
  }

  // Hunger Vital Sign: two item answers and the derived risk, grouped in a panel (hasMember).
  const atRisk = showcase || history.healthConcern !== undefined;
  const answer = (code: string, display: string) => concept(coding(SYSTEM.loinc, code, display));
  const screening = (suffix: string, code: string, display: string, value: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    observation(ctx, {
      suffix,
      profiles: ['us-core-observation-screening-assessment'],
      category: [SURVEY, SDOH],
      code: loinc(code, display),
      at,
      visit,
      value,
      extra: { performer: [ctx.patient], derivedFrom: [questionnaireResponse], ...extra },
    });
  const items = [
    screening('screening-hvs-1-q1', '88122-7', 'Within the past 12 months we worried whether our food would run out before we got money to buy more [U.S. FSS]', {
      valueCodeableConcept: atRisk ? answer('LA28397-0', 'Often true') : answer('LA28398-8', 'Never true'),
    }),
    screening('screening-hvs-1-q2', '88123-5', "Within the past 12 months the food we bought just didn't last and we didn't have money to get more [U.S. FSS]", {
      valueCodeableConcept: atRisk ? answer('LA6729-3', 'Sometimes true') : answer('LA28398-8', 'Never true'),
    }),
    screening('screening-hvs-1-risk', '88124-3', 'Food insecurity risk [HVS]', {
      valueCodeableConcept: atRisk ? answer('LA19952-3', 'At risk') : answer('LA19983-8', 'No risk'),
    }),
  ];
  screening('screening-hvs-1', '88121-9', 'Hunger Vital Sign [HVS]', {}, { hasMember: items });
  if (ctx.ageYears >= 12) {
    observation(ctx, {
      suffix: 'screening-phq2-1',
      profiles: ['us-core-observation-screening-assessment'],
      category: [SURVEY, category('cognitive-status', 'Cognitive Status', SYSTEM.usCoreCategory)],
      code: loinc('55758-7', 'Patient Health Questionnaire 2 item (PHQ-2) total score [Reported]'),
      at,
      visit,
      value: { valueQuantity: { value: rng.int(0, showcase ? 2 : 6), unit: '{score}', system: SYSTEM.ucum, code: '{score}' } },
      extra: { performer: [ctx.practitioner(visit.practitioner)] },
    });
  }
  if (showcase || rng.chance(0.3)) {
    observation(ctx, {
      suffix: 'screening-housing-1',
      profiles: ['us-core-observation-screening-assessment'],
      category: [SURVEY, SDOH],
      code: loinc('71802-3', 'Housing status'),
      at,
      visit,
      value: { valueString: 'Lives in a rented apartment with family; housing is stable.' },
      extra: { performer: [ctx.patient] },
    });
  }

  // Simple observations: an SDOH finding (derived from the HVS panel), a functional status and an exam finding.
  observation(ctx, {
    suffix: 'simple-food-1',
    profiles: ['us-core-simple-observation'],
    category: [SDOH],
    code: snomed('1078229009', 'Food insecurity risk (observable entity)'),
    at,
    visit,
    value: { valueBoolean: atRisk },
    extra: { performer: [ctx.practitioner(visit.practitioner)], derivedFrom: [ctx.ref('Observation', 'screening-hvs-1')] },
  });
  if (showcase || ctx.ageYears >= 65 || rng.chance(0.2)) {
    observation(ctx, {
      suffix: 'simple-functional-1',
      profiles: ['us-core-simple-observation'],
      category: [category('functional-status', 'Functional Status', SYSTEM.usCoreCategory)],
      code: loinc('75246-9', 'Ability to walk [CMS Assessment]'),
      at,
      visit,
      value: { valueCodeableConcept: snomed('165245003', 'Able to walk (finding)') },
      extra: { performer: [ctx.practitioner(visit.practitioner)] },
    });
  }
  observation(ctx, {
    suffix: 'simple-household-1',
    profiles: ['us-core-simple-observation'],
    category: [SDOH],
    code: loinc('63512-8', 'How many family members, including yourself, do you currently live with?'),
    at,
    visit,
    value: { valueQuantity: { value: rng.int(1, 6), unit: 'people', system: SYSTEM.ucum, code: '{#}' } },
    extra: { performer: [ctx.patient] },
  });
  observation(ctx, {
    suffix: 'simple-exam-1',
    profiles: ['us-core-simple-observation'],
    category: [category('exam', 'Exam')],
    code: loinc('10191-5', 'Physical findings of Abdomen'),
    at,
    visit,
    value: { valueString: 'Abdomen soft, non-tender, non-distended. Normal bowel sounds.' },
    extra: { performer: [ctx.practitioner(visit.practitioner)] },
  });
}

/** Non-laboratory clinical results (imaging), referenced by the radiology/cardiology reports. */
function clinicalResults(ctx: PatientContext, visit: Visit): Reference[] {
  const at = plusMinutes(visit.start, 120);
  return [
    observation(ctx, {
      suffix: 'result-xray-1',
      profiles: ['us-core-observation-clinical-result'],
      category: [category('imaging', 'Imaging')],
      code: loinc('24627-2', 'Chest CT'),
      at,
      visit,
      value: { valueString: 'No acute cardiopulmonary process.' },
      extra: { issued: plusMinutes(at, 60), performer: [ctx.practitioner(visit.practitioner)] },
    }),
    observation(ctx, {
      suffix: 'result-ecg-1',
      profiles: ['us-core-observation-clinical-result'],
      category: [category('procedure', 'Procedure')],
      code: loinc('8625-6', 'P-R Interval'),
      at,
      visit,
      value: { valueQuantity: quantity(ctx.rng.int(120, 200), 'ms'), interpretation: [concept(coding(SYSTEM.interpretation, 'N', 'Normal'))] },
      extra: { issued: plusMinutes(at, 30), performer: [ctx.practitioner(visit.practitioner)] },
    }),
    observation(ctx, {
      suffix: 'result-echo-1',
      profiles: ['us-core-observation-clinical-result'],
      category: [category('imaging', 'Imaging')],
      code: loinc('10230-1', 'Left ventricular Ejection fraction'),
      at,
      visit,
      value: { valueCodeableConcept: snomed('17621005', 'Normal (qualifier value)') },
      extra: { issued: plusMinutes(at, 60), performer: [ctx.practitioner(visit.practitioner)] },
    }),
  ];
}

export interface ObservationRefs {
  labs: LabResults;
  vitals: Reference[];
  imaging: Reference[];
}

export function buildObservations(ctx: PatientContext, history: PatientHistory, questionnaireResponse: Reference): ObservationRefs {
  const vitals = [
    ...vitalSigns(ctx, history.wellness, 1, ctx.ageYears),
    ...vitalSigns(ctx, history.acute, 2, ctx.ageYears),
    pulseOximetry(ctx, history.wellness, 1, false),
    pulseOximetry(ctx, history.acute, 2, ctx.showcase || ctx.index % 5 === 2),
  ];
  if (ctx.showcase) pediatricObservations(ctx, (ctx.ageYears - 1) * 365, (ctx.ageYears - 10) * 365);
  else if (ctx.ageYears < 2) pediatricObservations(ctx, history.wellness.daysAgo, undefined);
  else if (ctx.ageYears < 18) pediatricObservations(ctx, undefined, history.wellness.daysAgo);
  const labResults = labs(ctx, history);
  socialAndScreening(ctx, history, questionnaireResponse);
  return { labs: labResults, vitals, imaging: clinicalResults(ctx, history.acute) };
}
