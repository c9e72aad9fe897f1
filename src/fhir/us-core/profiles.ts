/**
 * US Core 6.1.0 profiles by resource type: what the sandbox data declares in meta.profile and
 * the CapabilityStatement lists as supportedProfile.
 */
export const US_CORE_VERSION = '6.1.0';
export const US_CORE_BASE = 'http://hl7.org/fhir/us/core/StructureDefinition/';
export const US_CORE_SERVER_CAPABILITY_STATEMENT = 'http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server';

const p = (...ids: string[]) => ids.map((id) => US_CORE_BASE + id);

export const US_CORE_PROFILES: Readonly<Record<string, readonly string[]>> = {
  AllergyIntolerance: p('us-core-allergyintolerance'),
  CarePlan: p('us-core-careplan'),
  CareTeam: p('us-core-careteam'),
  Condition: p('us-core-condition-encounter-diagnosis', 'us-core-condition-problems-health-concerns'),
  Coverage: p('us-core-coverage'),
  Device: p('us-core-implantable-device'),
  DiagnosticReport: p('us-core-diagnosticreport-note', 'us-core-diagnosticreport-lab'),
  DocumentReference: p('us-core-documentreference'),
  Encounter: p('us-core-encounter'),
  Goal: p('us-core-goal'),
  Immunization: p('us-core-immunization'),
  Location: p('us-core-location'),
  Medication: p('us-core-medication'),
  MedicationDispense: p('us-core-medicationdispense'),
  MedicationRequest: p('us-core-medicationrequest'),
  Observation: p(
    'us-core-observation-clinical-result',
    'us-core-observation-lab',
    'us-core-observation-occupation',
    'us-core-observation-pregnancyintent',
    'us-core-observation-pregnancystatus',
    'us-core-observation-screening-assessment',
    'us-core-observation-sexual-orientation',
    'us-core-simple-observation',
    'us-core-smokingstatus',
    'us-core-vital-signs',
    'us-core-blood-pressure',
    'us-core-bmi',
    'us-core-body-height',
    'us-core-body-temperature',
    'us-core-body-weight',
    'us-core-head-circumference',
    'us-core-heart-rate',
    'us-core-pulse-oximetry',
    'us-core-respiratory-rate',
    'pediatric-bmi-for-age',
    'pediatric-weight-for-height',
    'head-occipital-frontal-circumference-percentile',
  ),
  Organization: p('us-core-organization'),
  Patient: p('us-core-patient'),
  Practitioner: p('us-core-practitioner'),
  PractitionerRole: p('us-core-practitionerrole'),
  Procedure: p('us-core-procedure'),
  Provenance: p('us-core-provenance'),
  QuestionnaireResponse: p('us-core-questionnaireresponse'),
  RelatedPerson: p('us-core-relatedperson'),
  ServiceRequest: p('us-core-servicerequest'),
  Specimen: p('us-core-specimen'),
};
