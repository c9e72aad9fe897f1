import type { FhirDefinitions } from '../../definitions.ts';
import { issue } from '../../outcome.ts';
import type { ValidationCheck } from '../validation-check.ts';
import { structureIndexOf, visitTyped, type JsonObject } from './typed-values.ts';

/**
 * Attachment.size against Attachment.data, wherever an Attachment occurs (nested resources included):
 * FHIR R4 datatypes.html#Attachment defines size as "the number of bytes of data that make up this
 * attachment (before base64 encoding, if that is done)", so when the data is inline the stated size
 * is the length of the decoded data. A size given with only a url cannot be checked here.
 */
export function attachmentSizeCheck(definitions: FhirDefinitions): ValidationCheck {
  const index = structureIndexOf(definitions);
  return {
    name: 'attachment-size',
    run({ resource, resourceType }, report) {
      const visit = (value: JsonObject, at: string): void =>
        visitTyped(index, value, at, {
          value({ value: attachment, type, at: attachmentAt }) {
            if (type !== 'Attachment' || typeof attachment.data !== 'string' || typeof attachment.size !== 'number') return;
            // The structure walk has accepted data as base64Binary; Buffer skips the whitespace base64 may hold.
            const actual = Buffer.from(attachment.data, 'base64').length;
            if (attachment.size !== actual) {
              report(issue('value', `The stated attachment size ${attachment.size} does not match the size of its data (${actual} bytes)`, attachmentAt));
            }
          },
          resource: (nested, nestedAt) => visit(nested, nestedAt),
        });
      visit(resource as JsonObject, resourceType);
    },
  };
}
