import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyError, parseJsonBody } from '../../src/http/json-body.ts';

describe('JSON body pre-checks', () => {
  it('accepts the same key in sibling and nested objects, and keys inside string values', () => {
    const text = JSON.stringify({
      resourceType: 'Patient',
      name: [{ family: 'A', given: ['x'] }, { family: 'B', given: ['y'] }],
      contact: [{ name: { family: 'C' } }],
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">"family": "{[\\"</div>' },
    });
    assert.deepEqual(parseJsonBody(text, 64), JSON.parse(text));
  });

  it('refuses duplicate keys, prototype keys and deep nesting', () => {
    for (const bad of ['{"a":1,"a":2}', '{"a":{"b":1,"b":2}}', '[{"x":1},{"y":{"__proto__":1}}]', '[[[[[1]]]]]']) {
      assert.throws(() => parseJsonBody(bad, 4), BodyError, bad);
    }
  });

  it('reports malformed JSON as a 400 BodyError', () => {
    assert.throws(() => parseJsonBody('{"a":', 64), (e: unknown) => e instanceof BodyError && e.status === 400);
    assert.equal(parseJsonBody('  ', 64), undefined);
  });
});
