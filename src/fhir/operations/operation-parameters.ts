import type { FhirRequest } from '../interaction.ts';
import { badRequest } from '../outcome.ts';

/** A Parameters.parameter as sent in a POST body (FHIR R4 parameters.html). */
interface ParameterEntry {
  name?: unknown;
  [valueX: string]: unknown;
}

/**
 * The input parameters of an operation (FHIR R4 operations.html#request): the query string's for GET, and for
 * POST those of the body's Parameters resource (and of the query string, which POST may use too). Each
 * accessor answers the one value of a parameter, and refuses with 400 what it cannot be.
 */
export interface OperationParameters {
  string(name: string): string | undefined;
  /** A non-negative integer (`count`, `offset`). */
  count(name: string): number | undefined;
  /** A Coding: only from a POST body's valueCoding. */
  coding(name: string): { system?: string; code?: string; version?: string; display?: string } | undefined;
  codeableConcept(name: string): { coding?: { system?: string; code?: string; version?: string; display?: string }[] } | undefined;
}

const STRING_VALUES = ['valueString', 'valueUri', 'valueCode', 'valueCanonical', 'valueUrl', 'valueId', 'valueInteger', 'valueUnsignedInt', 'valuePositiveInt', 'valueBoolean'];

export function operationParameters(request: FhirRequest): OperationParameters {
  const body = request.method === 'POST' ? request.body : undefined;
  let entries: ParameterEntry[] = [];
  if (body !== undefined && body !== null) {
    const parameters = body as { resourceType?: unknown; parameter?: unknown };
    if (typeof body !== 'object' || parameters.resourceType !== 'Parameters') throw badRequest('The body of an operation must be a Parameters resource');
    if (parameters.parameter !== undefined && !Array.isArray(parameters.parameter)) throw badRequest('Parameters.parameter must be an array', 'Parameters.parameter');
    entries = ((parameters.parameter ?? []) as unknown[]).filter((p): p is ParameterEntry => typeof p === 'object' && p !== null);
  }

  const all = (name: string): unknown[] => [
    ...request.query.filter(([k]) => k === name).map(([, v]) => v),
    ...entries.filter((p) => p.name === name).map((p) => {
      const key = Object.keys(p).find((k) => k.startsWith('value'));
      return key !== undefined ? { key, value: p[key] } : undefined;
    }),
  ];
  const one = (name: string): unknown => {
    const values = all(name);
    if (values.length > 1) throw badRequest(`The parameter ${name} may be given once`);
    return values[0];
  };

  const string = (name: string): string | undefined => {
    const value = one(name);
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    const { key, value: v } = value as { key: string; value: unknown };
    if (!STRING_VALUES.includes(key) || (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) throw badRequest(`The parameter ${name} must be a primitive value`);
    return String(v);
  };
  const complex = <T>(name: string, key: string): T | undefined => {
    const value = one(name);
    if (value === undefined) return undefined;
    const v = typeof value === 'object' ? (value as { key: string; value: unknown }) : undefined;
    if (!v || v.key !== key || typeof v.value !== 'object' || v.value === null || Array.isArray(v.value)) throw badRequest(`The parameter ${name} must be a ${key}, in a POST body`);
    return v.value as T;
  };
  return {
    string,
    count(name) {
      const text = string(name);
      if (text === undefined) return undefined;
      if (!/^\d{1,9}$/.test(text)) throw badRequest(`The parameter ${name} must be a non-negative integer, not '${text}'`);
      return Number(text);
    },
    coding: (name) => complex(name, 'valueCoding'),
    codeableConcept: (name) => complex(name, 'valueCodeableConcept'),
  };
}
