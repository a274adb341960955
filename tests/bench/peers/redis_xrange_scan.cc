// redis_xrange_scan: Redis Streams consume figure for the peer benchmark
// (scripts/bench-peers.sh). Reads a whole stream with `XRANGE key start +
// COUNT n` on one connection, each next scan starting after the last entry
// (exclusive "(" ranges), and prints "xrange: N records in S s: R records/s".
//
//   redis_xrange_scan HOST PORT KEY [COUNT]
#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace {

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: redis_xrange_scan HOST PORT KEY [COUNT]\n");
    return 2;
  }
  const std::string key = argv[3];
  const std::string count = argc > 4 ? argv[4] : "1000";
  std::unique_ptr<redisContext, ContextDeleter> context(redisConnect(argv[1], std::atoi(argv[2])));
  if (!context || context->err) {
    std::fprintf(stderr, "redis_xrange_scan: connect: %s\n", context ? context->errstr : "oom");
    return 1;
  }
  std::string start = "-";
  long long records = 0;
  const auto begin = std::chrono::steady_clock::now();
  while (true) {
    std::unique_ptr<redisReply, ReplyDeleter> reply(static_cast<redisReply*>(redisCommand(
        context.get(), "XRANGE %s %s + COUNT %s", key.c_str(), start.c_str(), count.c_str())));
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
      std::fprintf(stderr, "redis_xrange_scan: XRANGE failed: %s\n",
                   reply && reply->type == REDIS_REPLY_ERROR ? reply->str : context->errstr);
      return 1;
    }
    if (reply->elements == 0) break;
    records += static_cast<long long>(reply->elements);
    const redisReply* last = reply->element[reply->elements - 1];
    start = std::string("(") + last->element[0]->str;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::printf("xrange: %lld records in %.3f s: %.0f records/s\n", records, seconds,
              static_cast<double>(records) / seconds);
  return records > 0 ? 0 : 1;
}
