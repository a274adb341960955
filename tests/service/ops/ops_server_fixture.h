// OpsServerTest: an in-process server (ServiceFixture) with its HTTP
// listener on 127.0.0.1:0, and helpers to GET its pages and read a value off
// /metrics. Shared by the ops_server_test sources.
#pragma once

#include <httplib.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service/server/service_fixture.h"

namespace eventlog::service::testing {

// The value of the series `series` (name with labels, as written) in a
// /metrics page; -1 when absent.
inline double Value(const std::string& page, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    if (absl::StartsWith(line, series + " ")) {
      double value = 0;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
    }
  }
  return -1;
}

class OpsServerTest : public ServiceFixture {
 protected:
  void SetUp() override {
    options().http_listen_address = "127.0.0.1:0";
    ServiceFixture::SetUp();
  }

  httplib::Client Http() {
    httplib::Client client(server_->http_address());
    client.set_connection_timeout(10);
    client.set_read_timeout(30);
    return client;
  }

  // GET `path`; the body, and the status in *status.
  std::string Get(const std::string& path, int* status = nullptr, const std::string& token = "") {
    httplib::Client client = Http();
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result result = client.Get(path.c_str(), headers);
    EXPECT_TRUE(result) << path << ": " << httplib::to_string(result.error());
    if (!result) return "";
    if (status != nullptr) *status = result->status;
    return result->body;
  }

  std::string Metrics() {
    int status = 0;
    std::string page = Get("/metrics", &status);
    EXPECT_EQ(status, 200);
    return page;
  }

  grpc::Status ProduceKeyed(const std::string& topic, const std::vector<std::string>& values,
                            v1::Acks acks = v1::ACKS_ALL) {
    v1::ProduceRequest request;
    request.set_topic(topic);
    request.set_acks(acks);
    for (const std::string& value : values)
      *request.add_records() = MakeRecord("k-" + value, value);
    v1::ProduceResponse response;
    return Produce(request, &response);
  }
};

}  // namespace eventlog::service::testing
