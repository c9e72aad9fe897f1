import type { ExportService } from '../bulk/export-service.ts';
import type { Terminology } from '../terminology/terminology.ts';
import { codeSystemLookupOperation } from './code-system-lookup.ts';
import { exportOperation } from './export.ts';
import type { FhirOperation } from './operation.ts';
import { validateCodeOperation } from './validate-code.ts';
import { valueSetExpandOperation } from './value-set-expand.ts';

/** The services operations run on; an operation whose service is absent is not offered. */
export interface OperationServices {
  /** Bulk Data export (`$export`). */
  bulkExport?: Pick<ExportService, 'kickOff'>;
  /** Code systems and value sets (`$expand`, `$lookup`, `$validate-code`). */
  terminology?: Terminology;
}

/** Every FHIR operation this server runs (FHIR R4 operations.html), one file each; the router dispatches them by name. */
export function fhirOperations(services: OperationServices): FhirOperation[] {
  return [
    ...(services.bulkExport ? [exportOperation(services.bulkExport)] : []),
    ...(services.terminology ? [valueSetExpandOperation(services.terminology), codeSystemLookupOperation(services.terminology), validateCodeOperation(services.terminology)] : []),
  ];
}
