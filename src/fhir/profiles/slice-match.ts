import { containsPattern, equalsFixed } from './json-match.ts';
import type { ElementValue } from './element-values.ts';
import { valuesAtPath } from './element-values.ts';
import type { Discriminator, ElementRules } from './profile-tree.ts';

/** `unknown`: the discriminator cannot be decided here (a value set the server cannot expand). */
export type SliceMatch = 'yes' | 'no' | 'unknown';

export interface SliceOracle {
  /** The `profile` discriminator: whether the value validates against a profile without error. */
  conforms(value: unknown, at: string, profile: string): boolean | undefined;
  /** A `pattern`/`value` discriminator on an element fixed only by a required binding: whether its code is in the value set. */
  inValueSet(value: unknown, valueSet: string): SliceMatch;
}

/**
 * Whether a value belongs to a slice, by the slicing's discriminators (FHIR R4
 * profiling.html#discriminator): every discriminator must match.
 */
export function matchesSlice(slice: ElementRules, discriminators: readonly Discriminator[], item: ElementValue, oracle: SliceOracle): SliceMatch {
  if (discriminators.length === 0) return 'no';
  let result: SliceMatch = 'yes';
  for (const discriminator of discriminators) {
    const path = discriminator.path;
    const target = rulesAt(slice, path);
    const found = valuesAtPath(item.value, path);
    switch (discriminator.type) {
      case 'value':
      case 'pattern': {
        let expected = target?.fixed ?? target?.pattern;
        let exact = target?.fixed !== undefined;
        // An extension slice names its definition; the definition fixes Extension.url to its own URL.
        if (expected === undefined && path === 'url' && slice.typeProfiles?.[0]) {
          expected = slice.typeProfiles[0].split('|')[0];
          exact = true;
        }
        if (expected === undefined) {
          // Sliced by a required binding alone (US Core's category slices): the value set decides.
          if (target?.binding?.strength !== 'required') return 'no';
          const valueSet = target.binding.valueSet;
          const answers = found.map((v) => oracle.inValueSet(v, valueSet));
          if (answers.includes('yes')) break;
          if (answers.includes('unknown')) result = 'unknown';
          else return 'no';
          break;
        }
        if (!found.some((v) => (exact ? equalsFixed(v, expected) : containsPattern(v, expected)))) return 'no';
        break;
      }
      case 'exists': {
        const required = (target?.min ?? 0) >= 1;
        const prohibited = target?.max === 0;
        if (!required && !prohibited) return 'no';
        if (required !== found.length > 0) return 'no';
        break;
      }
      case 'type': {
        const types = target?.types;
        if (path !== '$this' || !types || !item.type) return 'no';
        if (!types.some((t) => t.toLowerCase() === item.type?.toLowerCase())) return 'no';
        break;
      }
      case 'profile': {
        const profile = target?.typeProfiles?.[0];
        if (path !== '$this' || !profile) return 'no';
        const conforms = oracle.conforms(item.value, item.at, profile);
        if (conforms === undefined) result = 'unknown';
        else if (!conforms) return 'no';
        break;
      }
      default:
        return 'no';
    }
  }
  return result;
}

/** The rules of a slice at a discriminator path (`coding.code` → the slice's coding.code element). */
function rulesAt(slice: ElementRules, path: string): ElementRules | undefined {
  if (path === '$this') return slice;
  let node: ElementRules | undefined = slice;
  for (const segment of path.split('.')) node = node?.children.get(segment);
  return node;
}

/** Extensions are sliced by url when the base says so and the profile does not restate it (R4 Element.extension). */
export const EXTENSION_SLICING = { discriminators: [{ type: 'value', path: 'url' }], rules: 'open' } as const;
