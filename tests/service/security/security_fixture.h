// SecurityFixture: throwaway certificates (made once per test suite by
// make_test_certs.sh), files in a temp dir, and an in-process eventlog
// server on 127.0.0.1:0 started with given SecurityOptions; clients are
// eventlog::client::Client objects with given ChannelSecurity.
#pragma once

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "clients/cpp/channel_security.h"
#include "clients/cpp/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/server/event_log_server.h"
#include "tests/test_util.h"

namespace eventlog::service::testing {

class SecurityFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = std::make_unique<eventlog::testing::TempDir>();
    const std::string command =
        std::string(MAKE_TEST_CERTS) + " '" + certs_->path() + "' >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << "openssl failed: " << command;
  }
  static void TearDownTestSuite() { certs_.reset(); }

  // A file of the generated TLS material, e.g. Cert("ca.pem").
  static std::string Cert(const std::string& name) { return certs_->path() + "/" + name; }

  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_OK(server_->Shutdown());
    }
  }

  // Writes `text` to `name` in the test's temp dir; returns the path.
  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::trunc) << text;
    return path;
  }

  std::string data_dir() const { return dir_.path() + "/data"; }

  void StartServer(const SecurityOptions& security) {
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.store.data_dir = data_dir();
    options.store.cleanup_interval_ms = 0;
    options.shutdown_grace_ms = 2000;
    options.security = security;
    absl::StatusOr<std::unique_ptr<EventLogServer>> server = EventLogServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // TLS server options with the test CA's server certificate.
  static SecurityOptions Tls() {
    SecurityOptions security;
    security.tls_cert_file = Cert("server.pem");
    security.tls_key_file = Cert("server.key");
    return security;
  }

  // A client of the running server; fails the test if the credentials
  // cannot be made.
  std::unique_ptr<client::Client> Connect(const client::ChannelSecurity& security) {
    client::ClientOptions options;
    options.call_timeout = absl::Seconds(30);  // a safety net only
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
        client::MakeChannelCredentials(security);
    EXPECT_TRUE(credentials.ok()) << credentials.status();
    if (credentials.ok()) options.credentials = *credentials;
    options.token = security.token;
    return std::make_unique<client::Client>(server_->address(), options);
  }

  // Plaintext client sending `token` ("" = none).
  std::unique_ptr<client::Client> ConnectWithToken(const std::string& token) {
    client::ChannelSecurity security;
    security.token = token;
    return Connect(security);
  }

  inline static std::unique_ptr<eventlog::testing::TempDir> certs_;
  eventlog::testing::TempDir dir_;
  std::unique_ptr<EventLogServer> server_;
};

}  // namespace eventlog::service::testing
