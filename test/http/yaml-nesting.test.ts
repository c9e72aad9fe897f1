import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Parser, type CST } from 'yaml';
import { yamlNestedDeeperThan } from '../../src/http/admin/yaml-nesting.ts';

/** How deeply the syntax tree the parser builds nests its collections (recursive: small texts only). */
function syntaxDepth(token: CST.Token | undefined): number {
  if (!token) return 0;
  if (token.type === 'document') return syntaxDepth(token.value);
  if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') return 0;
  let deepest = 0;
  for (const item of token.items) {
    const { key, value } = item as { key?: CST.Token | null; value?: CST.Token };
    deepest = Math.max(deepest, syntaxDepth(key ?? undefined), syntaxDepth(value));
  }
  return deepest + 1;
}

/** The smallest limit a text passes. */
function measured(text: string): number {
  let limit = 0;
  while (yamlNestedDeeperThan(text, limit)) limit++;
  return limit;
}

/** Pieces that make quotes, comments, block scalars, flow and block collections and errors meet. */
const PIECES = ['- ', '? ', ': ', 'a', 'b: ', '[', ']', '{', '}', ', ', '\n', ' ', '  ', "'", '"', '# c', '|\n', '>\n', '\n  ', '\n ', '&x ', '*x', '!t ', "it's", '-', ':', 'k:', '- - ', '\t', '---\n', '[a: ', 'x: [', ']\n', '...\n'];

describe('YAML nesting, measured as the parser reads', () => {
  it('is the real depth of ordinary documents, wherever quotes and comments fall', () => {
    assert.equal(measured('type: smart-app\nactive: true\n'), 1);
    assert.equal(measured("name: it's\nvalue: [[1]]\nend: ok'\n"), 3);
    assert.equal(measured('auth:\n  authorization_code:\n    redirect_uri: "a # b [["\n'), 3);
    assert.equal(measured('a:\n- b:\n  - c\n'), 4);
    assert.equal(measured('text: |\n  [[[[[[\n  - - - -\n'), 1);
    assert.equal(measured('# [[[[[[\nkeys: [{kty: EC}]\n'), 3);
  });

  it('is the depth of what the parser builds, over 5,000 random texts', () => {
    let seed = 20261207;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      let text = '';
      for (let n = 1 + random(40); n > 0; n--) text += PIECES[random(PIECES.length)];
      let real = 0;
      for (const token of new Parser().parse(text)) real = Math.max(real, syntaxDepth(token));
      assert.equal(measured(text), real, JSON.stringify(text));
    }
  });

  it('stops reading at the first level too many, however deep the text goes on', () => {
    for (const deep of ['['.repeat(100_000), '- '.repeat(100_000), Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')]) {
      assert.equal(yamlNestedDeeperThan(deep, 64), true);
    }
  });
});
