import { isMap, isPair, isScalar, isSeq, type Document } from 'yaml';

/**
 * The first problem with the mapping keys of a parsed YAML document, or undefined: a key that is not a plain
 * value (a collection or an alias), or a key repeated in one mapping (YAML 1.2 §3.2.1.1: keys are unique). One
 * pass with a set per mapping: the parser's own `uniqueKeys` check compares every key with every other, which
 * for a flat mapping of some tens of thousands of keys (well under the body limit) held the event loop for
 * seconds.
 */
export function yamlKeyProblem(doc: Document): string | undefined {
  const pending: unknown[] = [doc.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        if (!isScalar(pair.key)) return 'Map keys must be plain values';
        const key = String(pair.key.value);
        if (seen.has(key)) return 'Map keys must be unique';
        seen.add(key);
        pending.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) pending.push(item);
    }
  }
  return undefined;
}
