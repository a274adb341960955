import assert from 'node:assert/strict';
import { test } from 'node:test';
import { murmur2, partitionForKey } from '../src/index.js';

test('murmur2 matches Kafka vectors', () => {
  assert.equal(murmur2('21'), -973932308);
  assert.equal(murmur2('foobar'), -790332482);
  assert.equal(murmur2('abc'), 479470107);
  assert.equal(murmur2(Buffer.from('a-little-bit-long-string')), -985981536);
  assert.equal(murmur2(new Uint8Array(Buffer.from('a-little-bit-longer-string'))), -1486304829);
});

test('partitionForKey is the positive hash modulo the partition count', () => {
  assert.equal(partitionForKey('21', 7), (-973932308 & 0x7fffffff) % 7);
  assert.equal(partitionForKey('foobar', 5), (-790332482 & 0x7fffffff) % 5);
  assert.throws(() => partitionForKey('x', 0), RangeError);
});
