/**
 * The stored form of an exact value: its magnitude as big-endian bytes. BigInt converts to and from
 * hexadecimal in linear time (decimal takes super-linear time), and bytes are half the size of hex.
 *
 * Results own their ArrayBuffer (never a slice of Node's shared Buffer pool) so that a worker thread
 * can hand them over without copying.
 */
export function toBytes(value: bigint): Uint8Array {
  const hex = value.toString(16);
  const bytes = new Uint8Array(Math.ceil(hex.length / 2));
  Buffer.from(bytes.buffer).write(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  return bytes;
}

export function fromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`);
}

/** The characters of a string of digits as ASCII bytes. */
export function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  Buffer.from(bytes.buffer).write(text, 'latin1');
  return bytes;
}

/** A string of ASCII digits from its bytes. */
export function asciiText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
