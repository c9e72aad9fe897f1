/**
 * An upper bound on how deeply a YAML text nests, found without parsing it. The YAML parser recurses once per
 * level, and a body nested some hundreds of levels deep overflows its stack (in V8, an overflow inside it can
 * then take the whole process down on a later request), so a body is measured before it is parsed, as JSON
 * bodies are (MAX_JSON_DEPTH).
 *
 * Every level of a YAML collection takes at least one column of indentation (YAML 1.2 §6.1), one compact
 * indicator on a line (`- `, `? `, or a mapping's `: `), or one open flow bracket (`[`, `{`). The bound is a
 * line's indentation plus the indicators on it plus the flow brackets still open: never below the real depth,
 * and above it for ordinary documents by their indentation width, which is what a limit of tens of levels leaves
 * room for. Quoted scalars (spanning lines too) and comments are skipped; a block scalar's indented text counts
 * as nesting, which only makes the bound stricter.
 */
export function yamlNestingBound(text: string): number {
  let deepest = 0;
  let openBrackets = 0;
  let quote: '"' | "'" | undefined;
  for (const line of text.split(/\r?\n/)) {
    let i = 0;
    let indicators = 0;
    if (quote === undefined) {
      while (line[i] === ' ' || line[i] === '\t') i++;
    }
    const indentation = i;
    for (; i < line.length; i++) {
      const c = line[i];
      if (quote === '"') {
        if (c === '\\') i++;
        else if (c === '"') quote = undefined;
        continue;
      }
      if (quote === "'") {
        if (c === "'" && line[i + 1] === "'") i++;
        else if (c === "'") quote = undefined;
        continue;
      }
      const next = line[i + 1];
      const separated = next === undefined || next === ' ' || next === '\t';
      if (c === '"' || c === "'") quote = c;
      else if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) break;
      else if (c === '[' || c === '{') deepest = Math.max(deepest, indentation + indicators + ++openBrackets);
      else if (c === ']' || c === '}') openBrackets = Math.max(0, openBrackets - 1);
      else if ((c === '-' || c === '?' || c === ':') && separated) deepest = Math.max(deepest, indentation + ++indicators + openBrackets);
    }
    deepest = Math.max(deepest, indentation + indicators + openBrackets);
  }
  return deepest;
}
