import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConcurrencyGate } from '../../src/http/fhir/concurrency-gate.ts';
import { nextLimit } from '../../src/http/fhir/loop-delay-control.ts';

/** The FHIR gate's limit as the event loop's delay moves it: halved past the target, grown by one well under it. */
describe('FHIR concurrency limit under event-loop delay', () => {
  const at = (current: number, delayMs: number, saturated = true) => nextLimit(current, { ceiling: 10, targetMs: 20, delayMs, saturated });

  it('halves past the target, never below one', () => {
    assert.equal(at(10, 21), 5);
    assert.equal(at(5, 100), 2);
    assert.equal(at(1, 100), 1);
  });

  it('grows by one while the loop is well under the target and every place is taken, never above the ceiling', () => {
    assert.equal(at(4, 5), 5);
    assert.equal(at(10, 0), 10);
    assert.equal(at(4, 5, false), 4, 'not while places are free');
    assert.equal(at(4, 15), 4, 'not between half the target and the target');
  });

  it('a raised limit lets waiting requests in at once; a lowered one lets none in until enough have finished', async () => {
    const gate = createConcurrencyGate(2, 10);
    const running = [gate.enter()!, gate.enter()!];
    const waiting = [gate.enter()!, gate.enter()!, gate.enter()!];
    let admitted = 0;
    for (const w of waiting) void w.ready.then(() => admitted++);
    assert.deepEqual(gate.load(), { running: 2, waiting: 3, limit: 2 });

    gate.setLimit(3);
    await Promise.resolve();
    assert.equal(admitted, 1);
    assert.deepEqual(gate.load(), { running: 3, waiting: 2, limit: 3 });

    gate.setLimit(1);
    running[0]!.leave();
    running[1]!.leave();
    await Promise.resolve();
    assert.equal(admitted, 1, 'two finished, but one still runs and the limit is one');
    assert.deepEqual(gate.load(), { running: 1, waiting: 2, limit: 1 });
    waiting[0]!.leave();
    await Promise.resolve();
    assert.equal(admitted, 2);
    assert.deepEqual(gate.load(), { running: 1, waiting: 1, limit: 1 });
  });
});
