import type { ExportService } from '../bulk/export-service.ts';
import type { Terminology } from '../terminology/terminology.ts';
import { codeSystemLookupOperation } from './code-system-lookup.ts';
import { everythingOperation } from './everything.ts';
import { exportOperation } from './export.ts';
import type { FhirOperation } from './operation.ts';
import { validateCodeOperation } from './validate-code.ts';
import { validateOperation } from './validate.ts';
import { valueSetExpandOperation } from './value-set-expand.ts';

/** The services operations run on; an operation whose service is absent is not offered. */
export interface OperationServices {
  /** Bulk Data export (`$export`). */
  bulkExport?: Pick<ExportService, 'kickOff'>;
  /** The resource types served: where `$validate` is offered (type and instance level). */
  resourceTypes?: Iterable<string>;
  /** Code systems and value sets (`$expand`, `$lookup`, `$validate-code`). */
  terminology?: Terminology;
}

/** Every FHIR operation this server runs (FHIR R4 operations.html), one file each; the router dispatches them by name. */
export function fhirOperations(services: OperationServices): FhirOperation[] {
  return [
    ...(services.bulkExport ? [exportOperation(services.bulkExport)] : []),
    everythingOperation(),
    ...(services.resourceTypes ? [validateOperation(services.resourceTypes)] : []),
    ...(services.terminology ? [valueSetExpandOperation(services.terminology), codeSystemLookupOperation(services.terminology), validateCodeOperation(services.terminology)] : []),
  ];
}
