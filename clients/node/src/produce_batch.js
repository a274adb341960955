// ProduceBatch: the records of one topic-partition on their way to the
// broker in one ProduceRequest, and who waits for which of them. The
// Producer fills it, wire.js encodes it, and the response settles it.
// Used by one Producer on Node's single thread.

export class ProduceBatch {
  constructor(topic, partition) {
    this.topic = topic;
    this.partition = partition;
    // As wire.js takes them: a value alone (a Uint8Array), or {key, value, headers, timestampMs}.
    this.records = [];
    this.count = 0;
    // Who waits for which records: for each send(), three entries (its
    // record's index, resolve, reject) in one flat array, so that a record
    // costs no waiter object; {group, from, count, at} for consecutive
    // records of one sendBatch().
    this.singles = [];
    this.spans = [];
    this.size = 0;
    this.timer = null;
    this.closed = false;
    this.settled = new Promise((resolve) => {
      this.markSettled = resolve;
    });
  }

  fail(error) {
    const { singles } = this;
    for (let i = 0; i < singles.length; i += 3) singles[i + 2](error);
    for (const span of this.spans) span.group.fail(error);
    this.markSettled();
  }

  // Resolves every waiter: record i got offset base + i.
  succeed(base) {
    const { topic, partition, singles } = this;
    for (let i = 0; i < singles.length; i += 3) {
      singles[i + 1]({ topic, partition, offset: base + BigInt(singles[i]) });
    }
    for (const span of this.spans) {
      let offset = base + BigInt(span.from);
      const { group } = span;
      const { results } = group;
      for (let i = 0; i < span.count; i++) results[span.at + i] = { topic, partition, offset: offset++ };
      group.left -= span.count;
      if (group.left === 0 && !group.failed) group.resolve(results);
    }
    this.markSettled();
  }
}
