// Kafka's murmur2 hash and default keyed partitioner. The broker routes a
// keyed record to (murmur2(key) & 0x7fffffff) % partitions, exactly as
// Kafka's Java client does (seed 0x9747b28c).

/** murmur2 of a Buffer/Uint8Array (strings are UTF-8 encoded), as a signed 32-bit int. */
export function murmur2(data) {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const length = bytes.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const tail = length & ~3;
  for (let i = 0; i < tail; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  switch (length & 3) {
    case 3:
      h ^= bytes[tail + 2] << 16;
    // falls through
    case 2:
      h ^= bytes[tail + 1] << 8;
    // falls through
    case 1:
      h ^= bytes[tail];
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a non-empty key. */
export function partitionForKey(key, partitions) {
  if (!(partitions > 0)) throw new RangeError('partitions must be positive');
  return (murmur2(key) & 0x7fffffff) % partitions;
}
