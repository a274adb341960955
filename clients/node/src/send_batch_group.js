// SendBatchGroup: the shared completion of one Producer.sendBatch() call.
// Used by one Producer on Node's single thread.

// The Promise of one sendBatch() call: its records may land in several
// batches; it resolves once all are stored, or rejects with the first failure.
export class SendBatchGroup {
  constructor(count, resolve, reject) {
    this.results = new Array(count);
    this.left = count;
    this.resolve = resolve;
    this.reject = reject;
    this.failed = false;
  }

  fail(error) {
    if (this.failed) return;
    this.failed = true;
    this.reject(error);
  }
}
