import fhirpath from 'fhirpath';
import { issue } from '../../outcome.ts';
import type { ValidationCheck } from '../validation-check.ts';
import { isObject, type JsonObject } from './typed-values.ts';

type Report = Parameters<ValidationCheck['run']>[1];

const CQF_EXPRESSION = 'http://hl7.org/fhir/StructureDefinition/cqf-expression';
const VALUESET_PARAMETER = 'http://hl7.org/fhir/tools/StructureDefinition/valueset-parameter';
/** The environment variables FHIRPath and FHIR give every expression (fhirpath.html#vars). */
const ENVIRONMENT = new Set(['context', 'resource', 'rootResource', 'ucum', 'sct', 'loinc', 'us-zip', 'terminologies', 'server', 'factory']);
const ENVIRONMENT_PREFIXES = ['vs-', 'ext-'];
/** `%name` as FHIR uses it (names may hold '-', as the environment's `%us-zip` does), or %`name`. */
const VARIABLE = /%(?:`([^`]+)`|([A-Za-z_][A-Za-z0-9_-]*))/g;

/**
 * A parameterised ValueSet: a filter's value computed, when the value set is expanded, by an expression
 * (the R4 `cqf-expression` extension on `compose.include|exclude.filter.value`) over the parameters the
 * value set declares (the `valueset-parameter` extension). The expansion evaluates FHIRPath, so the
 * expression's language is text/fhirpath, the expression parses as FHIRPath (fhirpath.html), and each
 * `%name` it reads is a declared parameter or one of FHIRPath's environment variables. Only ValueSets are
 * looked at.
 */
export function valueSetParametersCheck(): ValidationCheck {
  return {
    name: 'valueset-parameters',
    run({ resource, resourceType }, report) {
      if (resourceType !== 'ValueSet') return;
      const valueSet = resource as JsonObject;
      const compose = valueSet.compose;
      if (!isObject(compose)) return;
      const declared = declaredParameters(valueSet);
      for (const part of ['include', 'exclude'] as const) {
        eachObject(compose[part], `ValueSet.compose.${part}`, (set, setAt) =>
          eachObject(set.filter, `${setAt}.filter`, (filter, filterAt) => {
            if (!isObject(filter._value)) return;
            eachObject(filter._value.extension, `${filterAt}.value.extension`, (extension, extensionAt) => {
              if (extension.url === CQF_EXPRESSION && isObject(extension.valueExpression)) {
                checkExpression(extension.valueExpression, `${extensionAt}.valueExpression`, declared, report);
              }
            });
          }));
      }
    },
  };
}

function declaredParameters(valueSet: JsonObject): Set<string> {
  const names = new Set<string>();
  eachObject(valueSet.extension, '', (extension) => {
    if (extension.url !== VALUESET_PARAMETER) return;
    eachObject(extension.extension, '', (part) => {
      if (part.url === 'name' && typeof part.valueCode === 'string') names.add(part.valueCode);
    });
  });
  return names;
}

function checkExpression(expression: JsonObject, at: string, declared: ReadonlySet<string>, report: Report): void {
  if (expression.language !== 'text/fhirpath') {
    report(issue('invalid', `A ValueSet filter expression's language must be 'text/fhirpath', not '${String(expression.language)}'`, `${at}.language`));
    return;
  }
  const text = expression.expression;
  if (typeof text !== 'string') return;
  try {
    fhirpath.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    report(issue('invalid', `The expression '${text}' is not valid FHIRPath: ${why}`, `${at}.expression`));
    return;
  }
  for (const match of text.matchAll(VARIABLE)) {
    const name = match[1] ?? match[2] ?? '';
    if (declared.has(name) || ENVIRONMENT.has(name) || ENVIRONMENT_PREFIXES.some((p) => name.startsWith(p))) continue;
    report(issue('invalid', `The expression '${text}' refers to the unknown parameter '${name}'`, `${at}.expression`));
  }
}

function eachObject(list: unknown, at: string, fn: (item: JsonObject, itemAt: string) => void): void {
  if (Array.isArray(list)) list.forEach((item, i) => isObject(item) && fn(item, `${at}[${i}]`));
}
