// Ownership: which partitions a group member owns, and since when.
//
// The group stream records every Assignment here as it arrives. Each gets a
// local sequence number; a partition's "since" is the sequence number of the
// assignment from which the member has owned it without a break (a new member
// id, after a reconnect, starts every partition afresh). A position taken
// while a partition was owned since S may be committed only while it is
// still owned since S: if the partition was revoked in between, even if it
// came back, another member may have committed further, and the old position
// would move the group's offset backwards.
//
// Used from the event loop only.
export class Ownership {
  seq = 0;
  assignment = null; // {memberId, generation: bigint, partitions: number[]}
  #since = new Map(); // partition -> seq
  #listeners = [];

  /** Records an assignment; returns its sequence number. */
  update(memberId, generation, partitions) {
    this.seq++;
    const sameMember = this.assignment?.memberId === memberId;
    const since = new Map();
    for (const p of partitions) since.set(p, (sameMember && this.#since.get(p)) || this.seq);
    this.#since = since;
    this.assignment = { memberId, generation: BigInt(generation), partitions: [...partitions].sort((a, b) => a - b) };
    for (const listener of this.#listeners) listener();
    return this.seq;
  }

  /** Calls listener() after every update. */
  onUpdate(listener) {
    this.#listeners.push(listener);
  }

  /** Since when `partition` has been owned, or undefined. */
  since(partition) {
    return this.#since.get(partition);
  }

  /** A copy of partition -> since. */
  sinceMap() {
    return new Map(this.#since);
  }
}
