#include "service/kafka/handler/kafka_timers.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <utility>

namespace eventlog::kafka {

namespace asio = boost::asio;

KafkaTimers::KafkaTimers() : work_(asio::make_work_guard(io_)) {
  thread_ = std::thread([this] { io_.run(); });
}

KafkaTimers::~KafkaTimers() {
  work_.reset();
  io_.stop();
  thread_.join();
}

void KafkaTimers::After(absl::Duration delay, absl::AnyInvocable<void()> callback) {
  // Timers are created and armed on the io thread: asio objects are not
  // safe to touch from two threads at once.
  asio::post(io_, [this, delay, callback = std::move(callback)]() mutable {
    auto timer = std::make_shared<asio::steady_timer>(io_, absl::ToChronoMilliseconds(delay));
    timer->async_wait([timer, callback = std::move(callback)](
                          const boost::system::error_code& error) mutable {
      if (!error) callback();
    });
  });
}

}  // namespace eventlog::kafka
