// Hand-written protobuf encoding of the producer's hot path: a whole
// ProduceRequest written into one Buffer per batch, instead of
// proto-loader (protobufjs) building and encoding an object per record
// (docs/PERFORMANCE.md, "Node.js"). The layouts are those of
// protos/eventlog/v1/eventlog.proto (field numbers and wire types are fixed by
// the v1 contract); every other message still goes through proto-loader.
//
//   Record          key=1 bytes, value=2 bytes, headers=3 Header, timestamp_ms=4 int64
//   Header          key=1 string, value=2 bytes
//   ProduceRequest  topic=1 string, partition=2 optional int32, records=3 Record,
//                   acks=4 enum, request_id=5 uint64
//
// A record here is {key, value, headers: [[string, Uint8Array]], timestampMs}
// with key/value Uint8Arrays and timestampMs a safe-integer Number or a BigInt.

const U64 = (1n << 64n) - 1n;

function varintSize(n) {
  // n: a non-negative Number below 2^53
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf, pos, n) {
  while (n >= 0x80) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

// int64/uint64 fields: safe non-negative Numbers go the fast way; negative
// values and BigInts as their 64-bit two's complement.
function int64Size(n) {
  if (typeof n === 'number' && n >= 0) return varintSize(n);
  let v = BigInt.asUintN(64, BigInt(n));
  let size = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    size++;
  }
  return size;
}

function writeInt64(buf, pos, n) {
  if (typeof n === 'number' && n >= 0) return writeVarint(buf, pos, n);
  let v = BigInt.asUintN(64, BigInt(n)) & U64;
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}

function fieldSize(length) {
  return 1 + varintSize(length) + length;
}

function headerSize(key, value) {
  return fieldSize(Buffer.byteLength(key)) + (value.length > 0 ? fieldSize(value.length) : 0);
}

function recordSize(r) {
  let size = 0;
  if (r.key.length > 0) size += fieldSize(r.key.length);
  if (r.value.length > 0) size += fieldSize(r.value.length);
  for (const [k, v] of r.headers) size += fieldSize(headerSize(k, v));
  if (r.timestampMs !== 0 && r.timestampMs !== 0n) size += 1 + int64Size(r.timestampMs);
  return size;
}

function writeBytes(buf, pos, tag, bytes) {
  buf[pos++] = tag;
  pos = writeVarint(buf, pos, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

function writeString(buf, pos, tag, text) {
  buf[pos++] = tag;
  pos = writeVarint(buf, pos, Buffer.byteLength(text));
  return pos + buf.write(text, pos);
}

/** One ProduceRequest as a Buffer. partition: a Number, or null to leave it unset. */
export function encodeProduceRequest(topic, partition, records, acks, requestId) {
  const sizes = new Array(records.length);
  let total = fieldSize(Buffer.byteLength(topic));
  if (partition !== null && partition !== undefined) total += 1 + int64Size(partition);
  for (let i = 0; i < records.length; i++) {
    sizes[i] = recordSize(records[i]);
    total += fieldSize(sizes[i]);
  }
  if (acks) total += 1 + varintSize(acks);
  if (requestId) total += 1 + int64Size(requestId);

  const buf = Buffer.allocUnsafe(total);
  let pos = writeString(buf, 0, 0x0a, topic);
  if (partition !== null && partition !== undefined) {
    buf[pos++] = 0x10;
    pos = writeInt64(buf, pos, partition);
  }
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    buf[pos++] = 0x1a;
    pos = writeVarint(buf, pos, sizes[i]);
    if (r.key.length > 0) pos = writeBytes(buf, pos, 0x0a, r.key);
    if (r.value.length > 0) pos = writeBytes(buf, pos, 0x12, r.value);
    for (const [k, v] of r.headers) {
      buf[pos++] = 0x1a;
      pos = writeVarint(buf, pos, headerSize(k, v));
      pos = writeString(buf, pos, 0x0a, k);
      if (v.length > 0) pos = writeBytes(buf, pos, 0x12, v);
    }
    if (r.timestampMs !== 0 && r.timestampMs !== 0n) {
      buf[pos++] = 0x20;
      pos = writeInt64(buf, pos, r.timestampMs);
    }
  }
  if (acks) {
    buf[pos++] = 0x20;
    pos = writeVarint(buf, pos, acks);
  }
  if (requestId) {
    buf[pos++] = 0x28;
    pos = writeInt64(buf, pos, requestId);
  }
  if (pos !== total) throw new Error(`eventlog: encoded ${pos} bytes of ${total}`);
  return buf;
}
