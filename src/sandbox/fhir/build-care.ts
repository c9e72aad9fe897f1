import { dateBefore, plusDays, plusMinutes } from './clock.ts';
import type { PatientHistory } from './build-encounters.ts';
import { profileMeta, type PatientContext, type Reference } from './patient-context.ts';
import { SHARED } from './shared-resources.ts';
import { coding, concept, DEVICES, loinc, PROCEDURES, snomed, SYSTEM } from './terminology.ts';

/** The Hunger Vital Sign questionnaire the screening observations derive from. */
export function buildQuestionnaireResponse(ctx: PatientContext, history: PatientHistory): Reference {
  const atRisk = ctx.showcase || history.healthConcern !== undefined;
  const answer = (code: string, display: string) => [{ valueCoding: coding(SYSTEM.loinc, code, display) }];
  const authored = plusMinutes(history.wellness.start, 8);
  ctx.add({
    resourceType: 'QuestionnaireResponse',
    id: ctx.id('qr-hvs-1'),
    meta: profileMeta('us-core-questionnaireresponse'),
    identifier: { system: 'http://portico.example.org/fhir/sid/questionnaire-response', value: `${ctx.pid}-HVS-1` },
    questionnaire: 'http://hl7.org/fhir/us/core/Questionnaire/hunger-vital-sign-example',
    _questionnaire: {
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/display', valueString: 'Hunger Vital Sign [HVS]' },
        { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-extension-questionnaire-uri', valueUri: 'http://loinc.org/vs/88121-9' },
      ],
    },
    status: 'completed',
    subject: ctx.patient,
    encounter: history.wellness.ref,
    authored,
    author: ctx.practitioner(history.wellness.practitioner),
    source: ctx.patient,
    item: [
      { linkId: '/88122-7', text: 'Within the past 12 months we worried whether our food would run out before we got money to buy more.', answer: atRisk ? answer('LA28397-0', 'Often true') : answer('LA28398-8', 'Never true') },
      { linkId: '/88123-5', text: "Within the past 12 months the food we bought just didn't last and we didn't have money to get more.", answer: atRisk ? answer('LA6729-3', 'Sometimes true') : answer('LA28398-8', 'Never true') },
      { linkId: '/88124-3', text: 'Food insecurity risk', answer: atRisk ? answer('LA19952-3', 'At risk') : answer('LA19983-8', 'No risk') },
      { linkId: '/household-size', text: 'How many people live in your household, including yourself?', answer: [{ valueDecimal: ctx.rng.int(1, 6) }] },
      {
        linkId: '/food-comments',
        text: 'Anything else about food access you would like to share?',
        answer: [
          {
            valueString: atRisk ? 'Food runs short at the end of the month.' : 'No concerns.',
            item: [{ linkId: '/food-comments/source', text: 'Where do you usually buy food?', answer: [{ valueString: 'Neighborhood grocery store' }] }],
          },
        ],
      },
      {
        linkId: '/assistance',
        text: 'Food assistance',
        item: [{ linkId: '/assistance/snap', text: 'Do you receive SNAP benefits?', answer: [{ valueCoding: coding(SYSTEM.loinc, atRisk ? 'LA33-6' : 'LA32-8', atRisk ? 'Yes' : 'No') }] }],
      },
    ],
  });
  return ctx.ref('QuestionnaireResponse', 'qr-hvs-1');
}

/** Orders, procedures, the care plan, care team, goal and (for some) an implanted device. */
export function buildCare(ctx: PatientContext, history: PatientHistory, related: Reference): Reference[] {
  const { rng, showcase } = ctx;
  const out: Reference[] = [];
  const add = (resourceType: string, suffix: string, body: Record<string, unknown>) => {
    ctx.add({ resourceType, id: ctx.id(suffix), ...body });
    out.push(ctx.ref(resourceType, suffix));
  };
  const adult = ctx.ageYears >= 18;
  const proc = adult ? (showcase ? PROCEDURES[1] : rng.pick(PROCEDURES)) : PROCEDURES[2];
  const acute = history.acute;
  add('ServiceRequest', 'servicerequest-1', {
    meta: profileMeta('us-core-servicerequest'),
    identifier: [{ system: 'http://portico.example.org/fhir/sid/order', value: `ORD-${ctx.pid}-1` }],
    status: 'completed',
    intent: 'order',
    category: [concept(coding(SYSTEM.snomed, '387713003', 'Surgical procedure (procedure)'))],
    code: concept(coding(SYSTEM.cpt, proc.cpt[0], proc.cpt[1]), coding(SYSTEM.snomed, proc.snomed[0], proc.snomed[1])),
    subject: ctx.patient,
    encounter: acute.ref,
    occurrencePeriod: { start: acute.start, end: acute.end },
    authoredOn: acute.start,
    requester: ctx.practitioner(acute.practitioner),
    reasonCode: [concept(coding(SYSTEM.snomed, history.acuteCode.snomed[0], history.acuteCode.snomed[1]))],
    reasonReference: [history.acuteDiagnosis],
  });
  add('Procedure', 'procedure-1', {
    meta: profileMeta('us-core-procedure'),
    basedOn: [ctx.ref('ServiceRequest', 'servicerequest-1')],
    status: 'completed',
    code: concept(coding(SYSTEM.cpt, proc.cpt[0], proc.cpt[1]), coding(SYSTEM.snomed, proc.snomed[0], proc.snomed[1])),
    subject: ctx.patient,
    encounter: acute.ref,
    performedDateTime: plusMinutes(acute.start, 90),
    performer: [{ actor: ctx.practitioner(acute.practitioner), onBehalfOf: { reference: `Organization/${SHARED.hospital}` } }],
    location: { reference: `Location/${SHARED.hospitalLocation}` },
    reasonCode: [concept(coding(SYSTEM.snomed, history.acuteCode.snomed[0], history.acuteCode.snomed[1]))],
    reasonReference: [history.acuteDiagnosis],
  });
  if (history.healthConcern) {
    add('ServiceRequest', 'servicerequest-2', {
      meta: profileMeta('us-core-servicerequest'),
      status: 'active',
      intent: 'order',
      category: [concept(coding(SYSTEM.usCoreCategory, 'sdoh', 'SDOH'))],
      code: snomed('467771000124109', 'Assistance with application for food pantry program (procedure)'),
      subject: ctx.patient,
      encounter: history.followUp.ref,
      occurrencePeriod: { start: history.followUp.start.slice(0, 10), end: plusDays(history.followUp.start.slice(0, 10), 90) },
      authoredOn: plusMinutes(history.followUp.start, 25),
      requester: ctx.practitioner(),
      reasonReference: [history.healthConcern],
    });
  }

  const start = history.followUp.start.slice(0, 10);
  const goalText = history.chronicIndex === 0 ? 'Hemoglobin A1c below 7.0%' : history.chronicIndex === 1 ? 'Blood pressure below 130/80 mm[Hg]' : 'Maintain symptom control with current treatment';
  add('Goal', 'goal-1', {
    meta: profileMeta('us-core-goal'),
    lifecycleStatus: 'active',
    achievementStatus: concept(coding(SYSTEM.goalAchievement, 'in-progress', 'In Progress')),
    description: history.chronicIndex === 0 ? { coding: [coding(SYSTEM.loinc, '4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood')], text: goalText } : { text: goalText },
    subject: ctx.patient,
    startDate: start,
    target: [
      history.chronicIndex === 0
        ? { measure: loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'), detailQuantity: { value: 7, comparator: '<', unit: '%', system: SYSTEM.ucum, code: '%' }, dueDate: plusDays(start, 180) }
        : { dueDate: plusDays(start, 180) },
    ],
    expressedBy: ctx.practitioner(),
    addresses: [history.chronic],
  });

  const careTeamId = ctx.id('careteam-1');
  add('CareTeam', 'careteam-1', {
    meta: profileMeta('us-core-careteam'),
    status: 'active',
    name: `${ctx.givenName} ${ctx.familyName} primary care team`,
    subject: ctx.patient,
    period: { start: dateBefore(1000) },
    participant: [
      { role: [snomed('116154003', 'Patient (person)')], member: ctx.patient },
      { role: [snomed('446050000', 'Primary care physician (occupation)')], member: ctx.practitioner() },
      { role: [concept(coding(SYSTEM.nucc, '163W00000X', 'Registered Nurse'))], member: ctx.practitionerRole(5) },
      { role: [snomed('133932002', 'Caregiver (person)')], member: related },
      { role: [snomed('224535009', 'Registered nurse (occupation)')], member: ctx.practitioner(11), onBehalfOf: { reference: `Organization/${SHARED.clinic}` } },
    ],
    managingOrganization: [{ reference: `Organization/${SHARED.clinic}` }],
  });

  add('CarePlan', 'careplan-1', {
    meta: profileMeta('us-core-careplan'),
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>Care plan for ${ctx.givenName} ${ctx.familyName}: ${goalText}. Review at the next follow-up visit.</p></div>`,
    },
    status: 'active',
    intent: 'plan',
    category: [concept(coding(SYSTEM.carePlanCategory, 'assess-plan', 'Assessment and Plan of Treatment'))],
    title: 'Chronic condition management',
    subject: ctx.patient,
    encounter: history.followUp.ref,
    period: { start },
    created: history.followUp.end,
    author: ctx.practitioner(),
    careTeam: [{ reference: `CareTeam/${careTeamId}` }],
    addresses: [history.chronic],
    goal: [ctx.ref('Goal', 'goal-1')],
  });

  if (showcase || ctx.index % 3 === 1) {
    const device = showcase ? DEVICES[0] : rng.pick(DEVICES);
    const lot = `${rng.int(1000, 9999)}${rng.pick(['A', 'B', 'D'])}`;
    const serial = `SN${rng.int(100000, 999999)}`;
    const made = dateBefore(acute.daysAgo + rng.int(120, 400));
    const expires = plusDays(made, 3650);
    const yymmdd = (d: string) => d.slice(2, 4) + d.slice(5, 7) + d.slice(8, 10);
    add('Device', 'device-1', {
      meta: profileMeta('us-core-implantable-device'),
      udiCarrier: [
        {
          deviceIdentifier: device.di,
          issuer: 'http://hl7.org/fhir/NamingSystem/gs1-di',
          jurisdiction: 'http://hl7.org/fhir/NamingSystem/fda-udi',
          carrierHRF: `(01)${device.di}(11)${yymmdd(made)}(17)${yymmdd(expires)}(10)${lot}(21)${serial}`,
        },
      ],
      distinctIdentifier: `${device.di}-${serial}`,
      status: 'active',
      manufacturer: device.manufacturer,
      manufactureDate: made,
      expirationDate: expires,
      lotNumber: lot,
      serialNumber: serial,
      type: concept(coding(SYSTEM.snomed, device.type[0], device.type[1])),
      patient: ctx.patient,
    });
  }
  return out;
}
