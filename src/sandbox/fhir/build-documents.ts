import { plusMinutes } from './clock.ts';
import type { PatientHistory, Visit } from './build-encounters.ts';
import { profileMeta, type PatientContext, type Reference } from './patient-context.ts';
import { SHARED } from './shared-resources.ts';
import { coding, concept, loinc, SYSTEM } from './terminology.ts';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

// US Core Clinical Notes: the five note types servers SHALL support (DocumentReference.type).
const NOTE_TYPES = [
  ['11506-3', 'Progress note'],
  ['18842-5', 'Discharge summary'],
  ['34117-2', 'History and physical note'],
  ['11488-4', 'Consult note'],
  ['28570-0', 'Procedure note'],
] as const;

/**
 * Clinical notes (DocumentReference with base64 content), diagnostic report notes (radiology,
 * cardiology, pathology) whose presentedForm shares its attachment URL with a DocumentReference,
 * and the Binary that URL names.
 */
export function buildDocuments(ctx: PatientContext, history: PatientHistory, imaging: Reference[]): Reference[] {
  const { showcase } = ctx;
  const out: Reference[] = [];
  const name = `${ctx.givenName} ${ctx.familyName}`;
  const noteTypes = showcase ? NOTE_TYPES : [NOTE_TYPES[0]];
  noteTypes.forEach(([code, display], i) => {
    const visit: Visit = i === 1 || i === 4 ? history.acute : history.followUp;
    const text = `${display} for ${name}.\nSubjective: patient seen for ${visit === history.acute ? history.acuteCode.snomed[1].toLowerCase() : 'chronic condition follow-up'}.\nAssessment and plan: continue current management; return in 3 months.`;
    const suffix = `docref-note-${i + 1}`;
    ctx.add({
      resourceType: 'DocumentReference',
      id: ctx.id(suffix),
      meta: profileMeta('us-core-documentreference'),
      identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:oid:2.16.840.1.113883.19.5.99999.${ctx.index + 1}.${i + 1}` }],
      status: 'current',
      docStatus: 'final',
      type: concept(coding(SYSTEM.loinc, code, display)),
      category: [concept(coding(SYSTEM.docRefCategory, 'clinical-note', 'Clinical Note'))],
      subject: ctx.patient,
      date: plusMinutes(visit.end, 30),
      author: [ctx.practitioner(visit.practitioner)],
      custodian: { reference: `Organization/${SHARED.hospital}` },
      content: [
        {
          attachment: { contentType: 'text/plain; charset=utf-8', language: 'en-US', data: base64(text), title: display, creation: plusMinutes(visit.end, 25) },
          format: coding(SYSTEM.ihFormat, 'urn:ihe:iti:xds:2017:mimeTypeSufficient', 'mimeType Sufficient'),
        },
      ],
      context: { encounter: [visit.ref], period: { start: visit.start, end: visit.end } },
    });
    out.push(ctx.ref('DocumentReference', suffix));
  });

  // Radiology report: text in a Binary, referenced by URL from both the report and a DocumentReference.
  const acute = history.acute;
  const reports = [
    { suffix: 'report-radiology-1', category: ['LP29684-5', 'Radiology'], code: ['24627-2', 'Chest CT'], results: imaging.slice(0, 1), text: 'CT chest: no acute cardiopulmonary process. Impression: normal study.', docType: ['18748-4', 'Diagnostic imaging study'] },
    { suffix: 'report-cardiology-1', category: ['LP29708-2', 'Cardiology'], code: ['11524-6', 'EKG study'], results: imaging.slice(1, 3), text: 'ECG: normal sinus rhythm, normal intervals. Echo: normal left ventricular ejection fraction.', docType: ['11524-6', 'EKG study'] },
    ...(showcase
      ? [{ suffix: 'report-pathology-1', category: ['LP7839-6', 'Pathology'], code: ['11526-1', 'Pathology study'], results: [] as Reference[], text: 'Colon, biopsy: benign colonic mucosa, no dysplasia.', docType: ['11526-1', 'Pathology study'] }]
      : []),
  ];
  for (const report of reports) {
    const binaryId = ctx.id(`${report.suffix}-text`);
    const url = `Binary/${binaryId}`;
    const issued = plusMinutes(acute.start, 240);
    ctx.add({ resourceType: 'Binary', id: binaryId, contentType: 'text/plain', data: base64(report.text) });
    ctx.add({
      resourceType: 'DiagnosticReport',
      id: ctx.id(report.suffix),
      meta: profileMeta('us-core-diagnosticreport-note'),
      status: 'final',
      category: [concept(coding(SYSTEM.loinc, report.category[0] ?? '', report.category[1] ?? ''))],
      code: loinc(report.code[0] ?? '', report.code[1] ?? ''),
      subject: ctx.patient,
      encounter: acute.ref,
      effectiveDateTime: plusMinutes(acute.start, 120),
      issued,
      performer: [ctx.practitioner(acute.practitioner), { reference: `Organization/${SHARED.hospital}` }],
      ...(report.results.length ? { result: report.results } : {}),
      presentedForm: [{ contentType: 'text/plain', url, title: report.code[1] }],
    });
    out.push(ctx.ref('DiagnosticReport', report.suffix));
    ctx.add({
      resourceType: 'DocumentReference',
      id: ctx.id(`${report.suffix}-doc`),
      meta: profileMeta('us-core-documentreference'),
      identifier: [{ system: 'http://portico.example.org/fhir/sid/document', value: `${ctx.pid}-${report.suffix}` }],
      status: 'current',
      type: loinc(report.docType[0] ?? '', report.docType[1] ?? ''),
      category: [concept(coding(SYSTEM.docRefCategory, 'clinical-note', 'Clinical Note'))],
      subject: ctx.patient,
      date: issued,
      author: [ctx.practitioner(acute.practitioner)],
      content: [
        {
          attachment: { contentType: 'text/plain', url, title: report.code[1] },
          format: coding(SYSTEM.ihFormat, 'urn:ihe:iti:xds:2017:mimeTypeSufficient', 'mimeType Sufficient'),
        },
      ],
      context: { encounter: [acute.ref], period: { start: acute.start, end: acute.end }, related: [ctx.ref('DiagnosticReport', report.suffix)] },
    });
    out.push(ctx.ref('DocumentReference', `${report.suffix}-doc`));
  }
  return out;
}
