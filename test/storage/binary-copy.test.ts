import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binaryCopyValues } from '../../src/storage/binary-copy.ts';

/** A one-column binary COPY stream as PostgreSQL writes it; `null` is a NULL value. */
function copyStream(values: (string | null)[], { extension = Buffer.alloc(0), columns = 1, flags = 0 } = {}): Buffer {
  const parts = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), int32(flags), int32(extension.length), extension];
  for (const value of values) {
    parts.push(int16(columns));
    for (let c = 0; c < columns; c++) {
      if (value === null) parts.push(int32(-1));
      else {
        const bytes = Buffer.from(value, 'utf8');
        parts.push(int32(bytes.length), bytes);
      }
    }
  }
  parts.push(int16(-1));
  return Buffer.concat(parts);
}
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

async function* pieces(bytes: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.subarray(at, cut);
    at = cut;
  }
}

async function collect(input: AsyncIterable<Uint8Array>): Promise<string> {
  const out: Uint8Array[] = [];
  for await (const piece of binaryCopyValues(input)) out.push(piece);
  return Buffer.concat(out).toString('utf8');
}

const VALUES = ['{"resourceType":"Patient","id":"a"}\n', '', null, '{"name":"Zoë 日本語 🩺","s":"back\\\\slash \\"q\\""}\n{"id":"b"}\n'];
const EXPECTED = VALUES.filter((v) => v !== null).join('');

describe('binary COPY values', () => {
  it('yields each row value as its bytes, however the stream is cut (every single cut, and byte by byte)', async () => {
    const bytes = copyStream(VALUES, { extension: Buffer.from('ext') });
    assert.equal(await collect(pieces(bytes, [])), EXPECTED);
    for (let cut = 1; cut < bytes.length; cut++) assert.equal(await collect(pieces(bytes, [cut])), EXPECTED, `cut at ${cut}`);
    assert.equal(await collect(pieces(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))), EXPECTED);
  });

  it('refuses what is not a whole one-column binary COPY stream', async () => {
    const bytes = copyStream(VALUES);
    await assert.rejects(collect(pieces(bytes.subarray(0, bytes.length - 1), [])), /ended early/);
    await assert.rejects(collect(pieces(bytes.subarray(0, 30), [])), /ended early/);
    await assert.rejects(collect(pieces(Buffer.from('a,b\n1,2\n'), [])), /ended early|not a binary COPY/);
    await assert.rejects(collect(pieces(Buffer.concat([Buffer.from('XGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8), int16(-1)]), [])), /not a binary COPY/);
    await assert.rejects(collect(pieces(copyStream(['x'], { columns: 2 }), [])), /one column, got 2/);
    // OIDs in the rows (bit 16), or a flag of an incompatible format (bits 0–15); later bits are ignorable.
    await assert.rejects(collect(pieces(copyStream(['x'], { flags: 1 << 16 }), [])), /unsupported header flags/);
    await assert.rejects(collect(pieces(copyStream(['x'], { flags: 1 }), [])), /unsupported header flags/);
    assert.equal(await collect(pieces(copyStream(['x'], { flags: 1 << 17 }), [])), 'x');
    await assert.rejects(collect(pieces(Buffer.concat([bytes, Buffer.from('x')]), [])), /after the trailer/);
  });
});
