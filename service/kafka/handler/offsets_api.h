// Kafka's committed offsets: OffsetCommit and OffsetFetch, on the same
// committed offsets (and the same fencing) as gRPC CommitOffset(s) and
// FetchCommittedOffsets. A commit with generation -1 is a consumer outside
// the group (eventlog's generation 0). The partitions of one topic in one
// OffsetCommit are committed all or none (CommitOffsets), so they share
// their error. Both need the `read` ACL on the group and on each topic.
//
// Stateless functions; thread-safe.
#pragma once

#include <string>

#include "service/kafka/handler/kafka_handler_env.h"
#include "service/kafka/protocol/offset_commit.h"
#include "service/kafka/protocol/offset_fetch.h"

namespace eventlog::kafka {

OffsetCommitResponse HandleOffsetCommit(const KafkaHandlerEnv& env, const std::string& principal,
                                        const OffsetCommitRequest& request);

OffsetFetchResponse HandleOffsetFetch(const KafkaHandlerEnv& env, const std::string& principal,
                                      const OffsetFetchRequest& request);

}  // namespace eventlog::kafka
