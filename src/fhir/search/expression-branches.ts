/**
 * The parts of a shared SearchParameter expression that apply to one resource type.
 * R4 expressions union several bases (`AllergyIntolerance.patient | CarePlan.subject.where(resolve() is Patient)`)
 * and filter references with `resolve()`, which cannot fetch at index time: a branch
 * `X.where(resolve() is T)` becomes `X` with a target-type filter on the reference string.
 */
export interface ExpressionBranch {
  expression: string;
  /** Keep only references whose target type is this (from `.where(resolve() is T)`). */
  targetType?: string;
}

const RESOLVE_FILTER = /^(.*)\.where\(\s*resolve\(\)\s+is\s+([A-Za-z]+)\s*\)$/s;

export function branchesFor(expression: string, resourceType: string, isResourceType: (name: string) => boolean): ExpressionBranch[] {
  const branches: ExpressionBranch[] = [];
  for (const raw of splitUnion(expression)) {
    const branch = raw.trim();
    const root = /^\(*\s*([A-Za-z]+)/.exec(branch)?.[1];
    if (root && root !== resourceType && root !== 'Resource' && root !== 'DomainResource' && isResourceType(root)) continue;
    const filtered = RESOLVE_FILTER.exec(branch);
    if (filtered && !filtered[1]?.includes('resolve(')) {
      branches.push({ expression: filtered[1] ?? '', targetType: filtered[2] ?? '' });
    } else if (!branch.includes('resolve(')) {
      branches.push({ expression: branch });
    }
  }
  return branches;
}

/** Splits on `|` outside parentheses and string literals. */
function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === "'") quote = false;
    } else if (c === "'") quote = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(expression.slice(start));
  return parts;
}
