/**
 * An immutable string → string map held in one byte buffer: UTF-8 keys sorted by their bytes,
 * found by binary search. The lexicon's 400,000 entries took ~110 MB of V8 heap as Maps of
 * strings; as a table they take ~15 MB outside the heap, and a table read from disk is usable
 * at once, with nothing to parse.
 *
 * Layout (little-endian u32): count, entryStart[count + 1], valueStart[count], then the bytes:
 * for each entry `key 0x00 value 0x00`. Keys and values never hold NUL.
 */

const encoder = new TextEncoder();

/** Encodes entries (in any order) as a table. */
export function encodeTable(entries: Iterable<readonly [string, string]>): Buffer {
  const rows: { key: Buffer; value: Buffer; order: string }[] = [];
  for (const [key, value] of entries) {
    const bytes = Buffer.from(key);
    // The key's bytes as a latin1 string compare as the bytes do, and string comparison is
    // several times faster than Buffer.compare called from a sort's callback.
    rows.push({ key: bytes, value: Buffer.from(value), order: bytes.toString('latin1') });
  }
  rows.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  const count = rows.length;
  const header = 4 * (1 + count + 1 + count);
  let bytes = 0;
  for (const row of rows) bytes += row.key.length + row.value.length + 2;
  const out = Buffer.alloc(header + bytes);
  out.writeUInt32LE(count, 0);
  let at = header;
  for (let i = 0; i < count; i++) {
    const row = rows[i];
    if (!row) break;
    out.writeUInt32LE(at, 4 * (1 + i));
    row.key.copy(out, at);
    at += row.key.length + 1;
    out.writeUInt32LE(at, 4 * (1 + count + 1 + i));
    row.value.copy(out, at);
    at += row.value.length + 1;
  }
  out.writeUInt32LE(at, 4 * (1 + count));
  return out;
}

export class SortedTable {
  readonly size: number;
  readonly #bytes: Uint8Array;
  readonly #entryStart: Uint32Array;
  readonly #valueStart: Uint32Array;
  /** Reused for the key being looked up: lookups happen on one thread, one at a time. */
  #scratch = new Uint8Array(256);

  /** Reads a table written by `encodeTable`; throws when the bytes cannot be one. */
  constructor(bytes: Uint8Array) {
    const words = (offset: number, length: number): Uint32Array => {
      // A view needs 4-byte alignment; a Buffer sliced out of a file may not have it.
      const at = bytes.byteOffset + offset;
      if (at % 4 === 0) return new Uint32Array(bytes.buffer, at, length);
      return new Uint32Array(new Uint8Array(bytes.subarray(offset, offset + 4 * length)).buffer);
    };
    if (bytes.length < 8) throw new Error('not a lexicon table: too short');
    const count = words(0, 1)[0] ?? 0;
    const header = 4 * (1 + count + 1 + count);
    if (header > bytes.length) throw new Error('not a lexicon table: its index runs past its end');
    this.size = count;
    this.#bytes = bytes;
    this.#entryStart = words(4, count + 1);
    this.#valueStart = words(4 * (count + 2), count);
    if ((this.#entryStart[count] ?? 0) > bytes.length) throw new Error('not a lexicon table: entries run past its end');
  }

  get(key: string): string | undefined {
    const index = this.#find(key);
    if (index < 0) return undefined;
    const start = this.#valueStart[index] ?? 0;
    const end = (this.#entryStart[index + 1] ?? 1) - 1;
    return Buffer.from(this.#bytes.buffer, this.#bytes.byteOffset + start, end - start).toString('utf8');
  }

  has(key: string): boolean {
    return this.#find(key) >= 0;
  }

  #find(key: string): number {
    // UTF-8 needs at most three bytes per UTF-16 unit.
    if (this.#scratch.length < key.length * 3) this.#scratch = new Uint8Array(key.length * 3);
    const keyLength = encoder.encodeInto(key, this.#scratch).written;
    const bytes = this.#bytes;
    const scratch = this.#scratch;
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const start = this.#entryStart[mid] ?? 0;
      const length = (this.#valueStart[mid] ?? 1) - 1 - start;
      const shared = Math.min(length, keyLength);
      let order = 0;
      for (let i = 0; i < shared && order === 0; i++) order = (bytes[start + i] ?? 0) - (scratch[i] ?? 0);
      if (order === 0) order = length - keyLength;
      if (order === 0) return mid;
      if (order < 0) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }
}
