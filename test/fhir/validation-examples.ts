/**
 * Realistic, valid R4 resources shaped like US Core examples: the validator must accept every one
 * of them unchanged.
 */
export const validExamples: Record<string, Record<string, unknown>> = {
  patient: {
    resourceType: 'Patient',
    id: 'example',
    meta: {
      profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'],
      security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST' }],
    },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Amy V. Shaw</div>' },
    extension: [
      {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
        extension: [
          { url: 'ombCategory', valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2106-3', display: 'White' } },
          { url: 'detailed', valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '1586-7', display: 'Shoshone' } },
          { url: 'text', valueString: 'Mixed' },
        ],
      },
      {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity',
        extension: [
          { url: 'ombCategory', valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2135-2', display: 'Hispanic or Latino' } },
          { url: 'text', valueString: 'Hispanic or Latino' },
        ],
      },
      { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex', valueCode: 'F' },
    ],
    identifier: [
      {
        use: 'usual',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical Record Number' }], text: 'Medical Record Number' },
        system: 'http://hospital.smarthealthit.org',
        value: '1032702',
      },
    ],
    active: true,
    name: [
      { use: 'old', family: 'Shaw', given: ['Amy', 'V.'], period: { start: '2016-12-06', end: '2020-07-22' } },
      { family: 'Baxter', given: ['Amy', 'V.'], suffix: ['PharmD'], period: { start: '2020-07-22' } },
    ],
    telecom: [
      { system: 'phone', value: '555-555-5555', use: 'home' },
      { system: 'email', value: 'amy.shaw@example.com' },
    ],
    gender: 'female',
    birthDate: '1987-02-20',
    _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1987-02-20T09:30:00-05:00' }] },
    deceasedBoolean: false,
    address: [
      { use: 'home', line: ['49 Meadow St'], city: 'Mounds', state: 'OK', postalCode: '74047', country: 'US', period: { start: '1987-02-20' } },
    ],
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en-US' }] }, preferred: true }],
  },
  observation: {
    resourceType: 'Observation',
    id: 'blood-pressure',
    meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-blood-pressure'] },
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }], text: 'Vital Signs' }],
    code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }], text: 'Blood pressure systolic and diastolic' },
    subject: { reference: 'Patient/example' },
    encounter: { display: 'GP Visit' },
    effectiveDateTime: '1999-07-02',
    issued: '1999-07-03T09:30:00.000Z',
    performer: [{ reference: 'Practitioner/practitioner-1' }],
    interpretation: [{ text: 'Normal' }],
    component: [
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] },
        valueQuantity: { value: 109, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      },
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8462-4', display: 'Diastolic blood pressure' }] },
        valueQuantity: { value: 44.5, comparator: '<', unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
        referenceRange: [{ low: { value: 60, unit: 'mmHg' }, high: { value: 80, unit: 'mmHg' } }],
      },
    ],
  },
  bodyWeight: {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
    subject: { reference: 'Patient/example' },
    effectivePeriod: { start: '2024-01-01T10:00:00Z', end: '2024-01-01T10:05:00Z' },
    valueQuantity: { value: 185, unit: 'lbs', system: 'http://unitsofmeasure.org', code: '[lb_av]' },
    note: [{ authorString: 'nurse', time: '2024-01-01T10:06:00+01:00', text: 'after **lunch**' }],
  },
  condition: {
    resourceType: 'Condition',
    id: 'condition-1',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
    code: { coding: [{ system: 'http://snomed.info/sct', code: '442311008', display: 'Liveborn born in hospital' }], text: 'Single liveborn, born in hospital' },
    subject: { reference: 'Patient/example' },
    onsetAge: { value: 52, unit: 'years', system: 'http://unitsofmeasure.org', code: 'a' },
    abatementString: 'resolved in childhood',
    recordedDate: '2016-08-10T07:15:07-08:00',
  },
  encounter: {
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    type: [{ coding: [{ system: 'http://snomed.info/sct', code: '99213' }], text: 'Office Visit' }],
    subject: { reference: 'Patient/example', display: 'Amy V. Baxter' },
    participant: [{ individual: { reference: 'Practitioner/practitioner-1' }, period: { start: '2015-11-01T17:00:14-05:00' } }],
    period: { start: '2015-11-01T17:00:14-05:00', end: '2015-11-01T18:00:14-05:00' },
    length: { value: 60, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' },
    hospitalization: { dischargeDisposition: { text: 'home' } },
    location: [{ location: { reference: 'Location/hl7east' } }],
  },
  medicationRequest: {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    reportedBoolean: false,
    medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '582620', display: 'Nizatidine 15 MG/ML Oral Solution [Axid]' }], text: 'Nizatidine 15 MG/ML Oral Solution [Axid]' },
    subject: { reference: 'Patient/example' },
    authoredOn: '2008-04-05',
    requester: { reference: 'Practitioner/practitioner-1' },
    dosageInstruction: [
      {
        sequence: 1,
        text: '10 mL bid',
        timing: { repeat: { boundsPeriod: { start: '2008-04-05' }, frequency: 2, period: 1, periodUnit: 'd', timeOfDay: ['08:00:00', '20:00:00'] }, code: { text: 'BID' } },
        asNeededBoolean: false,
        route: { text: 'oral' },
        doseAndRate: [{ type: { text: 'ordered' }, doseQuantity: { value: 10, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' } }],
      },
    ],
    dispenseRequest: { numberOfRepeatsAllowed: 1, quantity: { value: 480, unit: 'mL' }, expectedSupplyDuration: { value: 30, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' } },
  },
  documentReference: {
    resourceType: 'DocumentReference',
    identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:oid:2.16.840.1.113883.19.5.99999.1' }],
    status: 'current',
    type: { coding: [{ system: 'http://loinc.org', code: '34133-9' }] },
    category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note' }] }],
    subject: { reference: 'Patient/example' },
    date: '2016-12-20T10:00:00Z',
    content: [
      {
        attachment: { contentType: 'text/plain', language: 'en-US', data: 'SGVsbG8gV29ybGQ=', title: 'Note', creation: '2016-12-20T10:00:00Z', size: 11 },
        format: { system: 'urn:oid:1.3.6.1.4.1.19376.1.2.3', code: 'urn:ihe:pcc:handp:2008' },
      },
    ],
    context: { period: { start: '2016-12-19', end: '2016-12-20' } },
  },
  transaction: {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a',
        resource: { resourceType: 'Patient', active: true, name: [{ family: 'Smith', given: ['Jo'] }] },
        request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=http://example.org|12345' },
      },
      {
        fullUrl: 'urn:uuid:88f151c0-a954-468a-88bd-5ae15c08e059',
        resource: {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'heart rate' },
          subject: { reference: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a' },
          valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
        },
        request: { method: 'PUT', url: 'Observation?identifier=abc', ifMatch: 'W/"1"' },
      },
      { request: { method: 'DELETE', url: 'Patient/old-1' } },
    ],
  },
  questionnaireResponse: {
    resourceType: 'QuestionnaireResponse',
    questionnaire: 'http://example.org/Questionnaire/phq-2|1.0',
    status: 'completed',
    subject: { reference: 'Patient/example' },
    authored: '2024-02-01T12:00:00+00:00',
    item: [
      {
        linkId: 'group-1',
        text: 'Screening',
        item: [
          { linkId: '1.1', answer: [{ valueCoding: { system: 'http://loinc.org', code: 'LA6568-5', display: 'Not at all' } }] },
          {
            linkId: '1.2',
            answer: [{ valueBoolean: true, item: [{ linkId: '1.2.1', answer: [{ valueString: 'Since last month' }, { valueInteger: 3 }] }] }],
          },
          { linkId: '1.3', answer: [{ valueDate: '2024-01-31' }, { valueDecimal: 2.5 }, { valueQuantity: { value: 1, unit: 'h' } }] },
        ],
      },
    ],
  },
  provenance: {
    resourceType: 'Provenance',
    target: [{ reference: 'Patient/example' }],
    recorded: '2019-07-09T15:26:23.217+00:00',
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author' }] },
        who: { reference: 'Practitioner/practitioner-1' },
        onBehalfOf: { reference: 'Organization/org-1' },
      },
    ],
    entity: [{ role: 'source', what: { display: 'import' }, agent: [{ who: { display: 'upstream system' } }] }],
  },
  goal: {
    resourceType: 'Goal',
    lifecycleStatus: 'active',
    description: { text: 'Patient is targeting a pulse oximetry of 92% and a weight of 195 lbs' },
    subject: { reference: 'Patient/example' },
    startDate: '2024-01-01',
    target: [{ measure: { text: 'weight' }, detailQuantity: { value: 195, unit: 'lbs' }, dueDate: '2024-12-31' }, { dueDuration: { value: 6, unit: 'months', system: 'http://unitsofmeasure.org', code: 'mo' } }],
  },
  carePlan: {
    resourceType: 'CarePlan',
    text: {
      status: 'additional',
      div: '<div xmlns="http://www.w3.org/1999/xhtml"><p><b>Assessment</b>: Weight management.</p><ul><li>Diet</li></ul></div>',
    },
    status: 'active',
    intent: 'plan',
    category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/careplan-category', code: 'assess-plan' }] }],
    subject: { reference: 'Patient/example' },
    period: { start: '2024-01-01' },
    activity: [{ detail: { status: 'in-progress', code: { text: 'walk' }, scheduledTiming: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } }, dailyAmount: { value: 30, unit: 'min' } } }],
  },
  containedMedication: {
    resourceType: 'MedicationRequest',
    contained: [{ resourceType: 'Medication', id: 'med1', code: { text: 'Amoxicillin 250mg' }, form: { text: 'capsule' } }],
    status: 'active',
    intent: 'order',
    medicationReference: { reference: '#med1' },
    subject: { reference: 'Patient/example' },
  },
  parameters: {
    resourceType: 'Parameters',
    parameter: [
      { name: 'count', valueInteger: 10 },
      { name: 'resource', resource: { resourceType: 'Patient', gender: 'unknown' } },
      { name: 'group', part: [{ name: 'inner', valueUri: 'urn:oid:1.2.3' }] },
    ],
  },
};
