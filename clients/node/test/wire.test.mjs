// The producer's hand-written encoding parses back, with proto-loader's own
// decoder, into the request it stands for (no broker).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '../src/index.js';
import { decodeProduceResponse, decodeRecordsResponse, encodeProduceRequest } from '../src/wire.js';

const probe = createClient('127.0.0.1:1');
const decode = probe.constructor.service.ProduceStream.requestDeserialize;
const serializeSubscribeResponse = probe.constructor.service.Subscribe.responseSerialize;
probe.close();

test('a produce request parses back', () => {
  const records = [
    { key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [], timestampMs: 0 }, // every field at its default
    {
      key: Buffer.alloc(200, 'k'),
      value: Buffer.alloc(70000, 'v'),
      headers: [['h', Buffer.from('x')], ['h', Buffer.alloc(0)], ['\u00e9', Buffer.from([0, 255])]],
      timestampMs: 1700000000000,
    },
    { key: Buffer.from('key'), value: Buffer.from('value'), headers: [], timestampMs: -1 },
    { key: Buffer.alloc(0), value: Buffer.from('big'), headers: [], timestampMs: 2n ** 62n },
  ];
  const request = decode(encodeProduceRequest('t\u00e9', 0, records, 1, 2n ** 64n - 1n));
  assert.equal(request.topic, 't\u00e9');
  assert.equal(request.partition, 0); // optional: presence kept
  assert.equal(request.acks, 'ACKS_LEADER');
  assert.equal(request.requestId, String(2n ** 64n - 1n));
  const [first, second, third, fourth] = request.records;
  assert.equal(first.key.length + first.value.length + first.headers.length, 0);
  assert.equal(first.timestampMs, '0');
  assert.deepEqual(second.key, Buffer.alloc(200, 'k'));
  assert.deepEqual(second.value, Buffer.alloc(70000, 'v'));
  assert.deepEqual(
    second.headers.map((h) => [h.key, [...h.value]]),
    [['h', [120]], ['h', []], ['\u00e9', [0, 255]]],
  );
  assert.equal(second.timestampMs, '1700000000000');
  assert.equal(third.timestampMs, '-1');
  assert.equal(String(third.value), 'value');
  assert.equal(fourth.timestampMs, String(2n ** 62n));
});

test('a request without partition leaves it unset', () => {
  const request = decode(encodeProduceRequest('t', null, [{ key: Buffer.alloc(0), value: Buffer.from('v'), headers: [], timestampMs: 0 }], 0, 0n));
  assert.equal(request.partition, undefined);
  assert.equal(request.acks, 'ACKS_UNSPECIFIED');
  assert.equal(String(request.records[0].value), 'v');
});

test('record batches of a subscription decode into records', () => {
  const bytes = serializeSubscribeResponse({
    records: {
      partition: 3,
      highWatermark: '9007199254740993',
      records: [
        { offset: '0' },
        {
          key: Buffer.from('k'),
          value: Buffer.alloc(300, 'v'),
          headers: [{ key: 'h\u00e9', value: Buffer.from([1, 2]) }, { key: 'e', value: Buffer.alloc(0) }],
          timestampMs: '-5',
          offset: '9007199254740993', // above 2^53: exact as a BigInt
          topic: 'ignored',
          partition: 3,
        },
        { value: Buffer.from('x'), timestampMs: '1700000000123', offset: '7' },
      ],
    },
  });
  const decoded = decodeRecordsResponse(bytes, 't');
  assert.equal(decoded.event, 'records');
  assert.equal(decoded.records.partition, 3);
  const [a, b, c] = decoded.records.records;
  assert.deepEqual(
    { ...a, key: [...a.key], value: [...a.value] },
    { topic: 't', partition: 3, offset: 0n, key: [], value: [], headers: [], timestampMs: 0 },
  );
  assert.equal(b.offset, 9007199254740993n);
  assert.equal(b.timestampMs, -5);
  assert.equal(String(b.key), 'k');
  assert.deepEqual(b.value, Buffer.alloc(300, 'v'));
  assert.deepEqual(
    b.headers.map(([k, v]) => [k, [...v]]),
    [['h\u00e9', [1, 2]], ['e', []]],
  );
  assert.equal(c.timestampMs, 1700000000123);
  assert.equal(c.offset, 7n);
});

test('an assignment is left to proto-loader', () => {
  const bytes = serializeSubscribeResponse({ assignment: { memberId: 'm', generation: '2', partitions: [0, 1] } });
  assert.equal(decodeRecordsResponse(bytes, 't'), null);
});

test('decodeProduceResponse reads what protobufjs writes', () => {
  const client = createClient('127.0.0.1:1');
  const serialize = client.constructor.service.ProduceStream.responseSerialize;
  client.close();
  const cases = [
    { requestId: '7', appends: [{ partition: 2, baseOffset: '5', lastOffset: '9' }], errorCode: 0, errorMessage: '' },
    { requestId: '18446744073709551615', appends: [{ partition: 0, baseOffset: '1099511627776', lastOffset: '9007199254740993' }] },
    { requestId: '3', appends: [], errorCode: 8, errorMessage: 'quota: é' },
    { requestId: '0', appends: [{ partition: 1, baseOffset: '0', lastOffset: '0' }, { partition: 3, baseOffset: '4', lastOffset: '4' }] },
  ];
  for (const c of cases) {
    const decoded = decodeProduceResponse(serialize(c));
    assert.equal(decoded.requestId, BigInt(c.requestId));
    assert.equal(decoded.errorCode, c.errorCode ?? 0);
    assert.equal(decoded.errorMessage, c.errorMessage ?? '');
    assert.deepEqual(
      decoded.appends,
      c.appends.map((a) => ({ partition: a.partition, baseOffset: BigInt(a.baseOffset), lastOffset: BigInt(a.lastOffset) })),
    );
  }
});

test('a value alone encodes as a record with only that value', () => {
  for (const size of [0, 1, 127, 128, 20000]) {
    const value = Buffer.alloc(size, 7);
    const alone = encodeProduceRequest('t', 0, [value, value], 2, 1n);
    const full = encodeProduceRequest('t', 0, [1, 2].map(() => ({ key: Buffer.alloc(0), value, headers: [], timestampMs: 0 })), 2, 1n);
    assert.deepEqual(alone, full);
  }
});
