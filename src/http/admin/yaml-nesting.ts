import { Lexer, Parser, type CST } from 'yaml';

/**
 * Whether a YAML text nests its collections deeper than `maxDepth`, found before it is composed. The YAML
 * composer recurses once per level, and so does the syntax parser when one line closes many levels at once;
 * a body some thousands of levels deep overflows the stack (in V8, an overflow inside it can then take the
 * whole process down on a later request), so a body is measured first, as JSON bodies are (MAX_JSON_DEPTH).
 *
 * The measure is the parser's own syntax tree, so whatever the parser makes of the text (quoted, block and
 * plain scalars, comments, flow collections, indentation, its recovery from errors) is what is measured. The
 * text goes through the package's lexer (a flat state machine) into the syntax parser one token at a time, and
 * reading stops as soon as the collections open on the parser's stack are too many, so the parser never holds
 * more than the limit and a few levels; the finished tree is then measured whole (a collection closed as the
 * key of a new mapping, `[[x]]: y`, gains a level the stack never showed). Aliases and the mapping of an entry
 * `a: b` in a flow sequence add levels the syntax does not have: the parsed value is measured again
 * (findForbiddenValue).
 */
export function yamlNestedDeeperThan(text: string, maxDepth: number): boolean {
  const parser = new Parser();
  const documents: CST.Token[] = [];
  for (const lexeme of new Lexer().lex(text)) {
    documents.push(...parser.next(lexeme));
    if (parser.stack.length > maxDepth && openCollections(parser.stack) > maxDepth) return true;
  }
  documents.push(...parser.end());
  return documents.some((document) => treeDeeperThan(document, maxDepth));
}

const isCollection = (token: CST.Token): token is CST.BlockMap | CST.BlockSequence | CST.FlowCollection =>
  token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection';

function openCollections(stack: readonly CST.Token[]): number {
  let open = 0;
  for (const token of stack) if (isCollection(token)) open++;
  return open;
}

/** Walked with an explicit stack: no tree can overflow the call stack. */
function treeDeeperThan(root: CST.Token, maxDepth: number): boolean {
  const nodes: [token: CST.Token, depth: number][] = [[root, 0]];
  for (let next = nodes.pop(); next !== undefined; next = nodes.pop()) {
    const [token, depth] = next;
    if (token.type === 'document' && token.value) nodes.push([token.value, depth]);
    if (!isCollection(token)) continue;
    if (depth + 1 > maxDepth) return true;
    for (const item of token.items) {
      if (item.key) nodes.push([item.key, depth + 1]);
      if (item.value) nodes.push([item.value, depth + 1]);
    }
  }
  return false;
}
