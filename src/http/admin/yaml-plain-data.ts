import { isAlias, isMap, isPair, isScalar, isSeq, type Document } from 'yaml';

/**
 * The first reason a parsed YAML document is not plain data, or undefined:
 * - an alias (`*name`): an admin resource has no use for one, and each repeats its anchor's whole value, so a body
 *   under the size limit made of anchors and their aliases parsed into tens of times its size (80 MB of JSON from
 *   0.9 MB of YAML, with seconds of CPU spent resolving them, within the parser's own alias limit);
 * - a mapping key that is not a plain value (a collection);
 * - a key repeated in one mapping (YAML 1.2 §3.2.1.1: keys are unique). One pass with a set per mapping: the
 *   parser's own `uniqueKeys` check compares every key with every other, which for a flat mapping of some tens of
 *   thousands of keys (well under the body limit) held the event loop for seconds.
 */
export function yamlDataProblem(doc: Document): string | undefined {
  const pending: unknown[] = [doc.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isAlias(node)) return `Aliases are not accepted (*${node.source}); write the value out`;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        if (isAlias(pair.key)) return `Aliases are not accepted (*${pair.key.source}); write the value out`;
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
