// Hand-written protobuf coding of the two hot paths: a whole ProduceRequest
// written into one Buffer per batch, and the record batches of a
// SubscribeResponse read straight into the consumer's records, instead of
// proto-loader (protobufjs) building an object per record and int64s going
// through Long and decimal strings (docs/PERFORMANCE.md, "Node.js"). The
// layouts are those of protos/eventlog/v1/eventlog.proto (field numbers and
// wire types are fixed by the v1 contract); every other message, and a
// SubscribeResponse carrying an assignment, still goes through proto-loader.
//
//   Record          key=1 bytes, value=2 bytes, headers=3 Header, timestamp_ms=4 int64,
//                   topic=5 string, partition=6 int32, offset=7 int64
//   Header          key=1 string, value=2 bytes
//   ProduceRequest  topic=1 string, partition=2 optional int32, records=3 Record,
//                   acks=4 enum, request_id=5 uint64
//   SubscribeResponse  records=1 RecordBatch | assignment=2 Assignment
//   RecordBatch     partition=1 int32, records=2 Record, high_watermark=3 int64
//                   (headerless=4 bool, a hint, skipped)
//
// A record here is {key, value, headers: [[string, Uint8Array]], timestampMs}
// with key/value Uint8Arrays and timestampMs a safe-integer Number or a BigInt,
// or a Uint8Array alone: a record with that value and nothing else.

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
  if (r instanceof Uint8Array) return r.length > 0 ? fieldSize(r.length) : 0; // a value alone
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
    if (r instanceof Uint8Array) {
      if (r.length > 0) pos = writeBytes(buf, pos, 0x12, r);
      continue;
    }
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

class WireError extends Error {}

// Decoding reads at `cursor`, which each read moves past what it read (one
// module-level position instead of a [value, position] array per varint).
let cursor = 0;

// The varint at `cursor`. Values below 2^49 are Numbers; longer ones are
// BigInts (read again from the start).
function readVarint(buf) {
  const begin = cursor;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    const b = buf[begin + i];
    if (b === undefined) throw new WireError('truncated varint');
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      cursor = begin + i + 1;
      return value;
    }
    scale *= 128;
  }
  let big = 0n;
  for (let i = 0, shift = 0n; i < 10; i++, shift += 7n) {
    const b = buf[begin + i];
    if (b === undefined) throw new WireError('truncated varint');
    big |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) {
      cursor = begin + i + 1;
      return big;
    }
  }
  throw new WireError('varint too long');
}

function skip(buf, wireType) {
  if (wireType === 0) readVarint(buf);
  else if (wireType === 2) cursor += readVarint(buf);
  else if (wireType === 1) cursor += 8;
  else if (wireType === 5) cursor += 4;
  else throw new WireError(`unsupported wire type ${wireType}`);
}

function readHeader(buf, end) {
  let key = '';
  let value = EMPTY;
  while (cursor < end) {
    const tag = readVarint(buf);
    if (tag === 0x0a || tag === 0x12) {
      const n = readVarint(buf);
      if (tag === 0x0a) key = buf.toString('utf8', cursor, cursor + n);
      else value = buf.subarray(cursor, cursor + n);
      cursor += n;
    } else {
      skip(buf, tag & 7);
    }
  }
  return [key, value];
}

const EMPTY = Buffer.alloc(0);
const NO_HEADERS = Object.freeze([]);

function readRecord(buf, end, topic, partition) {
  let key = EMPTY;
  let value = EMPTY;
  let headers = NO_HEADERS;
  let timestampMs = 0;
  let offset = 0n;
  while (cursor < end) {
    const tag = readVarint(buf);
    const wireType = tag & 7;
    if (wireType === 2) {
      const n = readVarint(buf);
      const start = cursor;
      cursor += n;
      if (tag === 0x12) value = buf.subarray(start, cursor);
      else if (tag === 0x0a) key = buf.subarray(start, cursor);
      else if (tag === 0x1a) {
        if (headers === NO_HEADERS) headers = [];
        cursor = start;
        headers.push(readHeader(buf, start + n));
      }
    } else if (wireType === 0) {
      const v = readVarint(buf);
      if (tag === 0x38) offset = typeof v === 'number' ? BigInt(v) : BigInt.asIntN(64, v);
      else if (tag === 0x20) timestampMs = typeof v === 'number' ? v : Number(BigInt.asIntN(64, v));
    } else {
      skip(buf, wireType);
    }
  }
  if (cursor !== end) throw new WireError('a record overruns its length');
  return { topic, partition, offset, key, value, headers, timestampMs };
}

function readBatch(buf, end, topic) {
  let partition = 0;
  const spans = [];
  while (cursor < end) {
    const tag = readVarint(buf);
    if (tag === 0x12) {
      const n = readVarint(buf);
      spans.push(cursor, cursor + n);
      cursor += n;
    } else if (tag === 0x08) {
      const v = readVarint(buf);
      partition = typeof v === 'number' ? v : Number(BigInt.asIntN(32, v));
    } else {
      skip(buf, tag & 7);
    }
  }
  const records = new Array(spans.length / 2);
  for (let i = 0; i < records.length; i++) {
    cursor = spans[2 * i];
    records[i] = readRecord(buf, spans[2 * i + 1], topic, partition);
  }
  cursor = end;
  return { partition, records };
}

/**
 * A SubscribeResponse carrying records, as {event: 'records', records:
 * {partition, records}} with the records in the consumer's shape ({topic,
 * partition, offset: BigInt, key, value, headers: [[string, Buffer]],
 * timestampMs}); null for any other message (an assignment), which the
 * caller decodes with proto-loader. Keys and values are views of `buf`.
 * Throws on malformed bytes.
 */
export function decodeRecordsResponse(buf, topic) {
  cursor = 0;
  let batch = null;
  while (cursor < buf.length) {
    const tag = readVarint(buf);
    if (tag !== 0x0a) return null;
    const n = readVarint(buf);
    batch = readBatch(buf, cursor + n, topic);
  }
  if (cursor !== buf.length || batch === null) throw new WireError('malformed SubscribeResponse');
  return { event: 'records', records: batch };
}

/**
 * A ProduceResponse as {requestId: BigInt, appends: [{partition, baseOffset:
 * BigInt, lastOffset: BigInt}], errorCode, errorMessage}, without
 * proto-loader's Long-to-string conversions. Throws on malformed bytes.
 *
 *   ProduceResponse  request_id=1 uint64, appends=2 PartitionAppend,
 *                    error_code=3 int32, error_message=4 string
 *   PartitionAppend  partition=1 int32, base_offset=2 int64, last_offset=3 int64
 */
export function decodeProduceResponse(buf) {
  cursor = 0;
  const out = { requestId: 0n, appends: [], errorCode: 0, errorMessage: '' };
  const int64 = (v) => (typeof v === 'number' ? BigInt(v) : BigInt.asIntN(64, v));
  while (cursor < buf.length) {
    const tag = readVarint(buf);
    if (tag === 0x08) out.requestId = BigInt(readVarint(buf));
    else if (tag === 0x18) {
      const v = readVarint(buf);
      out.errorCode = typeof v === 'number' ? v : Number(BigInt.asIntN(32, v));
    } else if (tag === 0x22) {
      const n = readVarint(buf);
      out.errorMessage = buf.toString('utf8', cursor, cursor + n);
      cursor += n;
    } else if (tag === 0x12) {
      const end = readVarint(buf) + cursor;
      const append = { partition: 0, baseOffset: 0n, lastOffset: 0n };
      while (cursor < end) {
        const field = readVarint(buf);
        if (field === 0x08) append.partition = Number(readVarint(buf));
        else if (field === 0x10) append.baseOffset = int64(readVarint(buf));
        else if (field === 0x18) append.lastOffset = int64(readVarint(buf));
        else skip(buf, field & 7);
      }
      if (cursor !== end) throw new WireError('a PartitionAppend overruns its length');
      out.appends.push(append);
    } else {
      skip(buf, tag & 7);
    }
  }
  if (cursor !== buf.length) throw new WireError('malformed ProduceResponse');
  return out;
}
