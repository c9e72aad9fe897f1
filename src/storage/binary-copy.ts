/** The 11-byte signature that opens a binary COPY stream (PostgreSQL docs, COPY, "Binary Format"). */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags field (4 bytes), header extension length (4 bytes). */
const HEADER_BYTES = 19;

type State = 'header' | 'extension' | 'tuple' | 'length' | 'value' | 'trailer';

/**
 * The values of a one-column `COPY … TO STDOUT (FORMAT binary)` stream, as raw bytes: each row's
 * value in pieces as they arrive (views of the input, never copied or decoded). A NULL yields
 * nothing. Throws on anything that is not a well-formed one-column stream, or one cut short.
 */
export async function* binaryCopyValues(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let state: State = 'header';
  // The bytes so far of a fixed-size field (header, field count, length) split across pieces.
  let head = Buffer.alloc(0);
  // Bytes of the current value (or header extension) still to come.
  let left = 0;
  for await (const piece of input) {
    const data = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let at = 0;
    while (at < data.length) {
      if (state === 'value' || state === 'extension') {
        const take = Math.min(left, data.length - at);
        if (state === 'value') yield data.subarray(at, at + take);
        at += take;
        left -= take;
        if (left === 0) state = 'tuple';
        continue;
      }
      if (state === 'trailer') throw new Error('binary COPY: data after the trailer');
      const need = state === 'header' ? HEADER_BYTES : state === 'tuple' ? 2 : 4;
      const take = Math.min(need - head.length, data.length - at);
      head = Buffer.concat([head, data.subarray(at, at + take)]);
      at += take;
      if (head.length < need) break;
      const field = head;
      head = Buffer.alloc(0);
      if (state === 'header') {
        if (!field.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('binary COPY: not a binary COPY stream');
        // Bits 0–15 flag incompatible format changes, bit 16 OIDs in the rows: neither is read here.
        if ((field.readUInt32BE(11) & 0x1ffff) !== 0) throw new Error('binary COPY: unsupported header flags');
        left = field.readUInt32BE(15);
        state = left > 0 ? 'extension' : 'tuple';
      } else if (state === 'tuple') {
        const fields = field.readInt16BE(0);
        if (fields === -1) state = 'trailer';
        else if (fields !== 1) throw new Error(`binary COPY: expected rows of one column, got ${fields}`);
        else state = 'length';
      } else {
        const length = field.readInt32BE(0);
        if (length === -1) state = 'tuple';
        else if (length < 0) throw new Error(`binary COPY: bad value length ${length}`);
        else {
          left = length;
          state = length > 0 ? 'value' : 'tuple';
        }
      }
    }
  }
  if (state !== 'trailer') throw new Error('binary COPY: the stream ended early');
}
