// Compiled (never run) by types.test.mjs: the declarations in index.d.ts must
// describe how the library is used, including the quick start.
import {
  Admin,
  Consumer,
  EventLogError,
  NotFoundError,
  Producer,
  UnavailableError,
  Start,
  Status,
  createClient,
  murmur2,
  partitionForKey,
  type Assignment,
  type ConsumerRecord,
  type RecordMetadata,
  type TopicDescription,
} from 'eventlog-client';

export async function usage(target: string): Promise<void> {
  const client = createClient(target);
  const admin = new Admin(client, { timeoutMs: 1000 });
  const description: TopicDescription = await admin.createTopic('t', { partitions: 2, config: { cleanupPolicy: 'compact' } });
  await admin.createTopic('t', { ifNotExists: true });
  const hw: bigint = description.partitions[0].highWatermark;
  const end: bigint = description.partitions[0].logEndOffset;
  const stamped: TopicDescription = await admin.createTopic('u', {
    config: { timestampType: 'log_append_time', messageTimestampAfterMaxMs: 1000, messageTimestampBeforeMaxMs: -1 },
  });
  const kind: 'create_time' | 'log_append_time' | 'unspecified' = stamped.config.timestampType;
  const replicated: TopicDescription = await admin.createTopic('r', {
    replicationFactor: 3,
    config: { minInsyncReplicas: 2, uncleanLeaderElectionEnable: false },
  });
  const minIsr: number = replicated.config.minInsyncReplicas;
  const unclean: boolean = replicated.config.uncleanLeaderElectionEnable;
  const { leader, leaderEpoch, replicas, isr } = replicated.partitions[0];
  const copies: number[] = [leader, leaderEpoch, ...replicas, ...isr];
  const offsets: Map<number, bigint> = await admin.listOffsets('t', { at: 1234, partitions: [0] });
  const groups: string[] = await admin.listGroups();

  const producer = new Producer(target, { acks: 'leader', lingerMs: 1 });
  const meta: RecordMetadata = await producer.send('t', 'v', { key: Buffer.from('k'), headers: [['h', 'x']] });
  const offset: bigint = meta.offset;
  await producer.send('t', null, { headers: { a: 'b' }, partition: 1 });
  const metas: RecordMetadata[] = await producer.sendBatch('t', ['a', Buffer.from('b'), { value: 'c', key: 'k' }, null]);
  await producer.flush();
  await producer.close();

  const consumer = new Consumer(client, 't', { group: 'g', partitions: 'all', start: Start.offset(5n) });
  const member = new Consumer(target, 't', {
    group: 'g',
    resetTo: 'earliest',
    onAssign: async (partitions: number[], c: Consumer) => void [partitions, c],
    onRevoke: (partitions) => console.log(partitions),
    onError: (e: EventLogError) => console.log(e.retriable),
    connectTimeoutMs: 1000,
  });
  member.on('assign', (partitions: number[]) => console.log(partitions));
  await member.close();
  for await (const record of consumer) {
    const r: ConsumerRecord = record;
    const value: string = r.value.toString();
    const next: bigint = r.offset + 1n;
    void [value, next];
    break;
  }
  const polled: ConsumerRecord | null = await consumer.poll(10);
  const assignment: Assignment | null = consumer.assignment;
  const committed: Map<number, bigint> = await consumer.commit({ 0: 1n });
  await consumer.seek(0, 3);
  const position: bigint | undefined = consumer.position(0);
  await consumer.close();

  try {
    await admin.describeTopic('missing');
  } catch (err) {
    if (err instanceof EventLogError && err.code === Status.NOT_FOUND) console.log(err.codeName, err.details);
    if (err instanceof NotFoundError || (err instanceof UnavailableError && err.retriable)) console.log(err.message);
  }
  const h: number = murmur2('k') + partitionForKey('k', 3);
  await admin.close();
  client.close();
  void [minIsr, unclean, copies];
  void [hw, offsets, groups, offset, metas, polled, assignment, committed, position, h];
}
