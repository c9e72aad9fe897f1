import { dateTimeBefore, plusMinutes } from './clock.ts';
import type { PatientHistory } from './build-encounters.ts';
import { profileMeta, type PatientContext, type Reference } from './patient-context.ts';
import { medicationId, PHARMACIST, SHARED } from './shared-resources.ts';
import { ACUTE_MEDICATION, coding, concept, MEDICATIONS, SYSTEM, VACCINES } from './terminology.ts';

const COMMUNITY = concept(coding(SYSTEM.medRequestCategory, 'community', 'Community'));
const DISCHARGE = concept(coding(SYSTEM.medRequestCategory, 'discharge', 'Discharge'));

function dosage(text: string, dose: number, unit: string, frequency: number, period: number, periodUnit: string, asNeeded = false) {
  return [
    {
      text,
      timing: { repeat: { frequency, period, periodUnit } },
      ...(asNeeded ? { asNeededBoolean: true } : {}),
      route: concept(coding(SYSTEM.snomed, unit === '{puff}' ? '18679011000001101' : '26643006', unit === '{puff}' ? 'Inhalation' : 'Oral route')),
      doseAndRate: [{ type: concept(coding('http://terminology.hl7.org/CodeSystem/dose-rate-type', 'ordered', 'Ordered')), doseQuantity: { value: dose, unit, system: SYSTEM.ucum, code: unit === 'TAB' ? '{tbl}' : unit } }],
    },
  ];
}

/**
 * Medication orders (coded, a shared Medication by reference, a contained Medication), a
 * dispense, and immunizations.
 */
export function buildMedications(ctx: PatientContext, history: PatientHistory): Reference[] {
  const { rng, showcase } = ctx;
  const med = MEDICATIONS[history.chronicIndex] ?? MEDICATIONS[0];
  const chronicVisit = history.followUp;
  const out: Reference[] = [];
  const times = med.sig.includes('every 6 hours') ? [4, 1] : med.sig.includes('every 8 hours') ? [3, 1] : [1, 1];

  // The chronic medication: a shared Medication by reference (US Core: medicationReference).
  ctx.add({
    resourceType: 'MedicationRequest',
    id: ctx.id('medrequest-1'),
    meta: profileMeta('us-core-medicationrequest'),
    status: 'active',
    intent: 'order',
    category: [COMMUNITY],
    reportedBoolean: false,
    medicationReference: { reference: `Medication/${medicationId(med.rxnorm)}`, display: med.display },
    subject: ctx.patient,
    encounter: chronicVisit.ref,
    authoredOn: plusMinutes(chronicVisit.start, 20),
    requester: ctx.practitioner(chronicVisit.practitioner),
    reasonReference: [history.chronic],
    dosageInstruction: dosage(med.sig, med.dose, med.unit, times[0] ?? 1, times[1] ?? 1, 'd', med.sig.includes('as needed')),
    dispenseRequest: {
      validityPeriod: { start: chronicVisit.start.slice(0, 10) },
      numberOfRepeatsAllowed: 3,
      quantity: { value: 90, unit: med.unit === 'TAB' ? 'TAB' : 'inhaler', system: SYSTEM.ucum, code: med.unit === 'TAB' ? '{tbl}' : '{inhaler}' },
      expectedSupplyDuration: { value: 90, unit: 'days', system: SYSTEM.ucum, code: 'd' },
    },
  });
  out.push(ctx.ref('MedicationRequest', 'medrequest-1'));

  // The acute antibiotic, coded inline (medicationCodeableConcept), for the acute diagnosis.
  const acute = history.acute;
  ctx.add({
    resourceType: 'MedicationRequest',
    id: ctx.id('medrequest-2'),
    meta: profileMeta('us-core-medicationrequest'),
    status: 'completed',
    intent: 'order',
    category: [history.inpatient ? DISCHARGE : COMMUNITY],
    reportedBoolean: false,
    medicationCodeableConcept: concept(coding(SYSTEM.rxnorm, ACUTE_MEDICATION.rxnorm, ACUTE_MEDICATION.display)),
    subject: ctx.patient,
    encounter: acute.ref,
    authoredOn: plusMinutes(acute.end, -15),
    requester: ctx.practitioner(acute.practitioner),
    reasonCode: [concept(coding(SYSTEM.icd10cm, history.acuteCode.icd[0], history.acuteCode.icd[1]))],
    reasonReference: [history.acuteDiagnosis],
    dosageInstruction: dosage('Take 2 capsules by mouth three times daily for 10 days', 2, '{capsule}', 3, 1, 'd'),
    dispenseRequest: {
      numberOfRepeatsAllowed: 0,
      quantity: { value: 60, unit: 'capsule', system: SYSTEM.ucum, code: '{capsule}' },
      expectedSupplyDuration: { value: 10, unit: 'days', system: SYSTEM.ucum, code: 'd' },
    },
  });
  out.push(ctx.ref('MedicationRequest', 'medrequest-2'));

  // A patient-reported over-the-counter medication with a contained Medication.
  if (showcase || rng.chance(0.3)) {
    ctx.add({
      resourceType: 'MedicationRequest',
      id: ctx.id('medrequest-3'),
      meta: profileMeta('us-core-medicationrequest'),
      contained: [
        {
          resourceType: 'Medication',
          id: 'otc',
          meta: profileMeta('us-core-medication'),
          code: concept(coding(SYSTEM.rxnorm, '1191', 'aspirin')),
          form: concept(coding(SYSTEM.snomed, '385055001', 'Tablet')),
        },
      ],
      status: 'active',
      intent: 'plan',
      category: [COMMUNITY],
      reportedReference: ctx.practitioner(),
      medicationReference: { reference: '#otc', display: 'aspirin' },
      subject: ctx.patient,
      encounter: history.wellness.ref,
      authoredOn: plusMinutes(history.wellness.start, 30),
      requester: ctx.practitioner(),
      reasonCode: [concept(coding(SYSTEM.snomed, '84114007', 'Heart failure (disorder)'))],
      dosageInstruction: dosage('Take 1 tablet (81 mg) by mouth once daily', 1, 'TAB', 1, 1, 'd'),
    });
    out.push(ctx.ref('MedicationRequest', 'medrequest-3'));
  }

  // The pharmacy's first fill of the chronic order.
  const handed = plusMinutes(chronicVisit.end, 60 * 5);
  ctx.add({
    resourceType: 'MedicationDispense',
    id: ctx.id('meddispense-1'),
    meta: profileMeta('us-core-medicationdispense'),
    status: 'completed',
    medicationReference: { reference: `Medication/${medicationId(med.rxnorm)}`, display: med.display },
    subject: ctx.patient,
    context: chronicVisit.ref,
    performer: [{ actor: { reference: `Organization/${SHARED.pharmacy}` } }, { actor: ctx.practitioner(PHARMACIST) }],
    location: { reference: `Location/${SHARED.pharmacyLocation}` },
    authorizingPrescription: [ctx.ref('MedicationRequest', 'medrequest-1')],
    type: concept(coding(SYSTEM.actCode, 'FF', 'First Fill')),
    quantity: { value: 90, unit: med.unit === 'TAB' ? 'TAB' : 'inhaler', system: SYSTEM.ucum, code: med.unit === 'TAB' ? '{tbl}' : '{inhaler}' },
    daysSupply: { value: 90, unit: 'days', system: SYSTEM.ucum, code: 'd' },
    whenPrepared: plusMinutes(handed, -120),
    whenHandedOver: handed,
    dosageInstruction: dosage(med.sig, med.dose, med.unit, times[0] ?? 1, times[1] ?? 1, 'd', med.sig.includes('as needed')),
  });
  out.push(ctx.ref('MedicationDispense', 'meddispense-1'));

  // Immunizations: seasonal flu at the wellness visit, one more vaccine, and (some) a refusal.
  const immunization = (n: number, vaccine: (typeof VACCINES)[number], occurrence: string, encounter: Reference | undefined, done: boolean) => {
    ctx.add({
      resourceType: 'Immunization',
      id: ctx.id(`immunization-${n}`),
      meta: profileMeta('us-core-immunization'),
      status: done ? 'completed' : 'not-done',
      ...(done ? {} : { statusReason: concept(coding(SYSTEM.actReason, 'PATOBJ', 'patient objection')) }),
      vaccineCode: concept(coding(SYSTEM.cvx, vaccine.cvx, vaccine.display), coding(SYSTEM.ndc, vaccine.ndc, vaccine.ndcDisplay)),
      patient: ctx.patient,
      ...(encounter ? { encounter } : {}),
      occurrenceDateTime: occurrence,
      primarySource: done,
      ...(done
        ? {
            location: { reference: `Location/${SHARED.clinicLocation}` },
            lotNumber: `LOT${String(rng.int(10000, 99999))}`,
            site: concept(coding('http://terminology.hl7.org/CodeSystem/v3-ActSite', 'LA', 'left arm')),
            route: concept(coding('http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration', 'IM', 'Injection, intramuscular')),
            performer: [{ function: concept(coding('http://terminology.hl7.org/CodeSystem/v2-0443', 'AP', 'Administering Provider')), actor: ctx.practitioner(5) }],
          }
        : {}),
    });
    out.push(ctx.ref('Immunization', `immunization-${n}`));
  };
  immunization(1, VACCINES[0], plusMinutes(history.wellness.start, 35), history.wellness.ref, true);
  const second = ctx.ageYears < 2 ? VACCINES[3] : showcase ? VACCINES[1] : rng.pick([VACCINES[1], VACCINES[2]]);
  immunization(2, second, dateTimeBefore(history.wellness.daysAgo + rng.int(200, 600), 14), undefined, true);
  if (showcase || rng.chance(0.15)) immunization(3, VACCINES[1], plusMinutes(history.followUp.start, 30), history.followUp.ref, false);
  return out;
}
