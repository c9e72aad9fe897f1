/**
 * Code systems and the realistic codes the sandbox population draws from (LOINC, SNOMED CT,
 * RxNorm, CVX, ICD-10-CM, CPT, NUCC, UCUM, HL7 terminology). Codes follow the US Core 6.1.0
 * bindings and examples.
 */
export const SYSTEM = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  ndc: 'http://hl7.org/fhir/sid/ndc',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  cpt: 'http://www.ama-assn.org/go/cpt',
  nucc: 'http://nucc.org/provider-taxonomy',
  ucum: 'http://unitsofmeasure.org',
  npi: 'http://hl7.org/fhir/sid/us-npi',
  clia: 'urn:oid:2.16.840.1.113883.4.7',
  cdcRace: 'urn:oid:2.16.840.1.113883.6.238',
  bcp47: 'urn:ietf:bcp:47',
  sopt: 'urn:oid:2.16.840.1.113883.3.221.5',
  odhOccupation: 'urn:oid:2.16.840.1.114222.4.5.327',
  odhIndustry: 'urn:oid:2.16.840.1.114222.4.5.330',
  obsCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  usCoreCategory: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  usCoreConditionCategory: 'http://hl7.org/fhir/us/core/CodeSystem/condition-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVer: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVer: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  v2IdType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  v2DiagService: 'http://terminology.hl7.org/CodeSystem/v2-0074',
  dischargeDisposition: 'http://terminology.hl7.org/CodeSystem/discharge-disposition',
  dataAbsentReason: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
  interpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  medRequestCategory: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
  carePlanCategory: 'http://hl7.org/fhir/us/core/CodeSystem/careplan-category',
  docRefCategory: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
  provenanceParticipant: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
  usCoreProvenanceParticipant: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-provenance-participant-type',
  coverageClass: 'http://terminology.hl7.org/CodeSystem/coverage-class',
  subscriberRelationship: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship',
  organizationType: 'http://terminology.hl7.org/CodeSystem/organization-type',
  goalAchievement: 'http://terminology.hl7.org/CodeSystem/goal-achievement',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  nullFlavor: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor',
  ihFormat: 'http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode',
  v2Degree: 'http://terminology.hl7.org/CodeSystem/v2-0360|2.7',
  endpointConnection: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type',
  locationPhysical: 'http://terminology.hl7.org/CodeSystem/location-physical-type',
  tribalEntity: 'http://terminology.hl7.org/CodeSystem/v3-TribalEntityUS',
} as const;

export interface Coding {
  system: string;
  code: string;
  display: string;
}

export interface CodeableConcept {
  coding: Coding[];
  text: string;
}

export const coding = (system: string, code: string, display: string): Coding => ({ system, code, display });

/** A CodeableConcept whose text is the first coding's display. */
export function concept(...codings: Coding[]): CodeableConcept {
  return { coding: codings, text: codings[0]?.display ?? '' };
}

export const loinc = (code: string, display: string) => concept(coding(SYSTEM.loinc, code, display));
export const snomed = (code: string, display: string) => concept(coding(SYSTEM.snomed, code, display));

/** Chronic problems: SNOMED CT with the ICD-10-CM equivalent. */
export const CHRONIC_PROBLEMS = [
  { snomed: ['44054006', 'Diabetes mellitus type 2'], icd: ['E11.9', 'Type 2 diabetes mellitus without complications'] },
  { snomed: ['38341003', 'Hypertensive disorder, systemic arterial'], icd: ['I10', 'Essential (primary) hypertension'] },
  { snomed: ['55822004', 'Hyperlipidemia'], icd: ['E78.5', 'Hyperlipidemia, unspecified'] },
  { snomed: ['195967001', 'Asthma'], icd: ['J45.909', 'Unspecified asthma, uncomplicated'] },
  { snomed: ['35489007', 'Depressive disorder'], icd: ['F32.A', 'Depression, unspecified'] },
  { snomed: ['396275006', 'Osteoarthritis'], icd: ['M19.90', 'Unspecified osteoarthritis, unspecified site'] },
] as const;

/** Acute problems diagnosed at an encounter (ICD-10-CM). */
export const ACUTE_DIAGNOSES = [
  { icd: ['J20.9', 'Acute bronchitis, unspecified'], snomed: ['10509002', 'Acute bronchitis'] },
  { icd: ['J02.9', 'Acute pharyngitis, unspecified'], snomed: ['363746003', 'Acute pharyngitis'] },
  { icd: ['N39.0', 'Urinary tract infection, site not specified'], snomed: ['68566005', 'Urinary tract infectious disease'] },
  { icd: ['S93.401A', 'Sprain of unspecified ligament of right ankle, initial encounter'], snomed: ['44465007', 'Sprain of ankle'] },
  { icd: ['J06.9', 'Acute upper respiratory infection, unspecified'], snomed: ['54150009', 'Upper respiratory infection'] },
] as const;

/** Medications (RxNorm clinical drugs) matched to the chronic problem they treat (index in CHRONIC_PROBLEMS). */
export const MEDICATIONS = [
  { rxnorm: '860975', display: '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet', problem: 0, dose: 1, unit: 'TAB', sig: 'Take 1 tablet by mouth once daily with the evening meal' },
  { rxnorm: '314076', display: 'lisinopril 10 MG Oral Tablet', problem: 1, dose: 1, unit: 'TAB', sig: 'Take 1 tablet by mouth once daily' },
  { rxnorm: '617312', display: 'atorvastatin 10 MG Oral Tablet', problem: 2, dose: 1, unit: 'TAB', sig: 'Take 1 tablet by mouth once daily at bedtime' },
  { rxnorm: '745679', display: '200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler', problem: 3, dose: 2, unit: '{puff}', sig: 'Inhale 2 puffs every 6 hours as needed for wheezing' },
  { rxnorm: '312938', display: 'sertraline 50 MG Oral Tablet', problem: 4, dose: 1, unit: 'TAB', sig: 'Take 1 tablet by mouth once daily' },
  { rxnorm: '310965', display: 'ibuprofen 200 MG Oral Tablet', problem: 5, dose: 2, unit: 'TAB', sig: 'Take 2 tablets by mouth every 8 hours as needed for pain' },
] as const;

/** Antibiotic for acute diagnoses. */
export const ACUTE_MEDICATION = { rxnorm: '308182', display: 'amoxicillin 250 MG Oral Capsule' } as const;

export const VACCINES = [
  { cvx: '140', display: 'Influenza, seasonal, injectable, preservative free', ndc: '49281-0421-50', ndcDisplay: 'Fluzone Quadrivalent' },
  { cvx: '208', display: 'SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose', ndc: '59267-1000-01', ndcDisplay: 'Pfizer-BioNTech COVID-19 Vaccine' },
  { cvx: '115', display: 'Tdap', ndc: '58160-0842-11', ndcDisplay: 'Boostrix' },
  { cvx: '133', display: 'Pneumococcal conjugate PCV 13', ndc: '0005-1971-02', ndcDisplay: 'Prevnar 13' },
] as const;

export const ALLERGIES = [
  { code: concept(coding(SYSTEM.rxnorm, '7980', 'Penicillin G'), coding(SYSTEM.snomed, '373270004', 'Substance with penicillin structure and antibacterial mechanism of action (substance)')), category: 'medication', reaction: ['247472004', 'Wheal (finding)'] },
  { code: concept(coding(SYSTEM.rxnorm, '2670', 'Codeine')), category: 'medication', reaction: ['422587007', 'Nausea (finding)'] },
  { code: concept(coding(SYSTEM.snomed, '227493005', 'Cashew nuts (substance)')), category: 'food', reaction: ['39579001', 'Anaphylaxis (disorder)'] },
  { code: concept(coding(SYSTEM.snomed, '256259004', 'Pollen (substance)')), category: 'environment', reaction: ['76067001', 'Sneezing (finding)'] },
] as const;

export const PROCEDURES = [
  { cpt: ['45378', 'Colonoscopy, flexible; diagnostic'], snomed: ['73761001', 'Colonoscopy (procedure)'] },
  { cpt: ['93000', 'Electrocardiogram, routine ECG with at least 12 leads; with interpretation and report'], snomed: ['29303009', 'Electrocardiographic procedure (procedure)'] },
  { cpt: ['71046', 'Radiologic examination, chest; 2 views'], snomed: ['399208008', 'Plain chest X-ray (procedure)'] },
] as const;

/** Implantable devices (SNOMED type) with their UDI parts. */
export const DEVICES = [
  { type: ['14106009', 'Cardiac pacemaker, device (physical object)'], di: '00643169007222', manufacturer: 'Medtronic' },
  { type: ['705643001', 'Coronary artery stent (physical object)'], di: '08717648200274', manufacturer: 'Boston Scientific' },
  { type: ['468063009', 'Coated femoral stem prosthesis, modular (physical object)'], di: '09504000059118', manufacturer: 'Stryker' },
] as const;

export const RACES = [
  ['2106-3', 'White'],
  ['2054-5', 'Black or African American'],
  ['2028-9', 'Asian'],
  ['1002-5', 'American Indian or Alaska Native'],
  ['2076-8', 'Native Hawaiian or Other Pacific Islander'],
] as const;

export const ETHNICITIES = [
  ['2135-2', 'Hispanic or Latino'],
  ['2186-5', 'Not Hispanic or Latino'],
] as const;

export const LANGUAGES = [
  ['en-US', 'English (United States)'],
  ['es', 'Spanish'],
  ['vi', 'Vietnamese'],
] as const;

export const OCCUPATIONS = [
  { occupation: ['29-1141.00.000000', 'Registered Nurses'], industry: ['622100', 'General medical and surgical hospitals'] },
  { occupation: ['15-1252.00.000000', 'Software Developers'], industry: ['541511', 'Custom computer programming services'] },
  { occupation: ['25-2021.00.000000', 'Elementary School Teachers, Except Special Education'], industry: ['611110', 'Elementary and secondary schools'] },
  { occupation: ['53-3032.00.000000', 'Heavy and Tractor-Trailer Truck Drivers'], industry: ['484121', 'General freight trucking, long-distance, truckload'] },
] as const;

export const SMOKING_STATUSES = [
  ['266919005', 'Never smoked tobacco (finding)'],
  ['8517006', 'Ex-smoker (finding)'],
  ['449868002', 'Smokes tobacco daily (finding)'],
  ['428041000124106', 'Occasional tobacco smoker (finding)'],
] as const;

export const SEXUAL_ORIENTATIONS = [
  ['20430005', 'Heterosexual (finding)'],
  ['38628009', 'Homosexual (finding)'],
  ['42035005', 'Bisexual (finding)'],
] as const;

export const GENDER_IDENTITIES = {
  female: ['446141000124107', 'Identifies as female gender (finding)'],
  male: ['446151000124109', 'Identifies as male gender (finding)'],
  nonbinary: ['33791000087105', 'Identifies as nonbinary gender (finding)'],
} as const;

/** NUCC provider taxonomy (role and specialty of PractitionerRole). */
export const SPECIALTIES = [
  ['207Q00000X', 'Family Medicine Physician'],
  ['207R00000X', 'Internal Medicine Physician'],
  ['208000000X', 'Pediatrics Physician'],
  ['207RC0000X', 'Cardiovascular Disease Physician'],
  ['163W00000X', 'Registered Nurse'],
  ['3336C0003X', 'Community/Retail Pharmacy'],
] as const;
