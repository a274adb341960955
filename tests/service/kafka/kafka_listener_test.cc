// KafkaListener on 127.0.0.1:0 with a recording handler, driven by a raw test
// client: version negotiation, pipelining and order, acks=0, malformed and
// oversized frames, SASL/PLAIN (both exchanges), shutdown with parked work.
#include "service/kafka/kafka_listener.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "service/kafka/protocol/api_versions_table.h"
#include "service/kafka/protocol/error_code.h"
#include "storage/util/coding.h"
#include "tests/service/kafka/kafka_test_client.h"
#include "tests/service/kafka/recording_kafka_handler.h"
#include "tests/test_util.h"

namespace eventlog::kafka {
namespace {

using testing::KafkaTestClient;
using testing::RecordingKafkaHandler;

class KafkaListenerTest : public ::testing::Test {
 protected:
  void StartListener(KafkaListenerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    options.max_frame_bytes = 1 << 20;
    absl::StatusOr<std::unique_ptr<KafkaListener>> listener =
        KafkaListener::Start(std::move(options), &handler_);
    ASSERT_OK(listener);
    listener_ = *std::move(listener);
    handler_.set_port(listener_->port());
  }

  void TearDown() override {
    if (listener_ != nullptr) listener_->Shutdown();
  }

  RecordingKafkaHandler handler_;
  std::unique_ptr<KafkaListener> listener_;
};

TEST_F(KafkaListenerTest, ApiVersionsListsTheTableAtEveryVersion) {
  StartListener();
  KafkaTestClient client(listener_->port());
  for (int16_t version = 0; version <= 3; ++version) {
    client.Send(ApiVersionsRequest{"test", "1.0"}, version, 100 + version);
    int32_t correlation = 0;
    absl::StatusOr<ApiVersionsResponse> response =
        client.Read<ApiVersionsResponse>(version, &correlation);
    ASSERT_OK(response);
    EXPECT_EQ(correlation, 100 + version);
    EXPECT_EQ(response->error_code, 0);
    ASSERT_EQ(response->api_keys.size(), SupportedApis().size());
    EXPECT_EQ(response->api_keys[0].api_key, 0);
    EXPECT_EQ(response->api_keys[0].max_version, 8);  // Produce
  }
}

TEST_F(KafkaListenerTest, ApiVersionsFromTheFutureGetsUnsupportedVersionInV0) {
  StartListener();
  KafkaTestClient client(listener_->port());
  // ApiVersions v9 with a body this server cannot know.
  std::string frame(
      "\x00\x12\x00\x09\x00\x00\x00\x05\x00\x01x"
      "future",
      17);
  std::string sized;
  util::coding::AppendBigEndian32(&sized, frame.size());
  client.SendRaw(sized + frame);
  int32_t correlation = 0;
  absl::StatusOr<ApiVersionsResponse> response = client.Read<ApiVersionsResponse>(0, &correlation);
  ASSERT_OK(response);
  EXPECT_EQ(correlation, 5);
  EXPECT_EQ(response->error_code, Wire(ErrorCode::kUnsupportedVersion));
  EXPECT_EQ(response->api_keys.size(), SupportedApis().size());
}

TEST_F(KafkaListenerTest, PipelinedRequestsAreAnsweredInRequestOrder) {
  handler_.park_heartbeats();
  StartListener();
  KafkaTestClient client(listener_->port());
  // One write: Heartbeat 1, Metadata 2, Heartbeat 3, ApiVersions 4,
  // Heartbeat 5. The handler answers Metadata at once and parks the
  // Heartbeats, which the test then completes newest first.
  std::string burst = client.Frame(HeartbeatRequest{"g", 1, "m", std::nullopt}, 3, 1) +
                      client.Frame(MetadataRequest{}, 6, 2) +
                      client.Frame(HeartbeatRequest{"g", 1, "m", std::nullopt}, 3, 3) +
                      client.Frame(ApiVersionsRequest{}, 2, 4) +
                      client.Frame(HeartbeatRequest{"g", 1, "m", std::nullopt}, 3, 5);
  client.SendRaw(burst);
  // Wait (on the handler, not on time) until all three are parked.
  while (handler_.parked() < 3) std::this_thread::yield();
  EXPECT_EQ(handler_.ReleaseHeartbeatsNewestFirst(), 3u);
  int32_t correlation = 0;
  ASSERT_OK(client.Read<HeartbeatResponse>(3, &correlation));
  EXPECT_EQ(correlation, 1);
  absl::StatusOr<MetadataResponse> metadata = client.Read<MetadataResponse>(6, &correlation);
  ASSERT_OK(metadata);
  EXPECT_EQ(correlation, 2);
  EXPECT_EQ(metadata->topics.size(), 1u);
  ASSERT_OK(client.Read<HeartbeatResponse>(3, &correlation));
  EXPECT_EQ(correlation, 3);
  ASSERT_OK(client.Read<ApiVersionsResponse>(2, &correlation));
  EXPECT_EQ(correlation, 4);
  ASSERT_OK(client.Read<HeartbeatResponse>(3, &correlation));
  EXPECT_EQ(correlation, 5);
}

TEST_F(KafkaListenerTest, ReadingPausesAtTheInFlightLimitAndResumesAsAnswersGoOut) {
  handler_.park_heartbeats();
  KafkaListenerOptions options;
  options.max_in_flight_requests = 2;
  StartListener(std::move(options));
  KafkaTestClient client(listener_->port());
  std::string burst;
  for (int i = 1; i <= 5; ++i) {
    burst += client.Frame(HeartbeatRequest{"g", 1, "m", std::nullopt}, 3, i);
  }
  client.SendRaw(burst);
  // Two at a time reach the handler; each release lets the next ones in.
  int answered = 0;
  while (answered < 5) {
    while (handler_.parked() == 0) std::this_thread::yield();
    const size_t released = handler_.ReleaseHeartbeatsNewestFirst();
    EXPECT_LE(released, 2u);
    for (size_t i = 0; i < released; ++i) {
      int32_t correlation = 0;
      ASSERT_OK(client.Read<HeartbeatResponse>(3, &correlation));
      EXPECT_EQ(correlation, ++answered);
    }
  }
  EXPECT_EQ(handler_.seen().size(), 5u);
}

TEST_F(KafkaListenerTest, AFrameNearTheLimitArrivesWholeAcrossManyReads) {
  StartListener();
  KafkaTestClient client(listener_->port());
  std::string records(1000 * 1000, '\0');
  for (size_t i = 0; i < records.size(); ++i) records[i] = static_cast<char>(i * 7);
  ProduceRequest produce;
  produce.acks = 1;
  produce.topic_data.push_back({"orders", {{0, records}}});
  const std::string frame = client.Frame(produce, 8, 1);
  ASSERT_LT(frame.size(), size_t{1} << 20);
  for (size_t pos = 0; pos < frame.size(); pos += 4096) client.SendRaw(frame.substr(pos, 4096));
  int32_t correlation = 0;
  absl::StatusOr<ProduceResponse> response = client.Read<ProduceResponse>(8, &correlation);
  ASSERT_OK(response);
  EXPECT_EQ(correlation, 1);
  EXPECT_EQ(handler_.last_records(), records);
}

TEST_F(KafkaListenerTest, AnAcksZeroProduceGetsNoResponse) {
  StartListener();
  KafkaTestClient client(listener_->port());
  ProduceRequest produce;
  produce.acks = 0;
  produce.topic_data.push_back({"orders", {{0, std::string("batch")}}});
  client.Send(produce, 8, 1);
  client.Send(ApiVersionsRequest{}, 0, 2);
  int32_t correlation = 0;
  ASSERT_OK(client.Read<ApiVersionsResponse>(0, &correlation));
  EXPECT_EQ(correlation, 2);
  // The produce did reach the handler.
  ASSERT_EQ(handler_.seen().size(), 1u);
  EXPECT_EQ(handler_.seen()[0].key, ApiKey::kProduce);
}

TEST_F(KafkaListenerTest, AMalformedRequestClosesOnlyItsConnection) {
  StartListener();
  KafkaTestClient bystander(listener_->port());
  KafkaTestClient offender(listener_->port());
  // A Metadata v6 frame cut short by one byte (the size prefix fixed up).
  std::string frame = offender.Frame(MetadataRequest{std::vector<std::string>{"orders"}}, 6, 1);
  frame.pop_back();
  std::string size;
  util::coding::AppendBigEndian32(&size, frame.size() - 4);
  frame.replace(0, 4, size);
  offender.SendRaw(frame);
  EXPECT_TRUE(offender.ClosedByServer());
  EXPECT_TRUE(handler_.seen().empty());  // nothing was dispatched

  bystander.Send(MetadataRequest{}, 6, 9);
  int32_t correlation = 0;
  ASSERT_OK(bystander.Read<MetadataResponse>(6, &correlation));
  EXPECT_EQ(correlation, 9);
}

TEST_F(KafkaListenerTest, AnOversizedFrameClosesTheConnectionBeforeItsBody) {
  StartListener();
  KafkaTestClient client(listener_->port());
  std::string size;
  util::coding::AppendBigEndian32(&size, (1 << 20) + 1);
  client.SendRaw(size);  // no body follows: the size alone must close it
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(KafkaListenerTest, AnUnknownApiKeyClosesTheConnection) {
  StartListener();
  KafkaTestClient client(listener_->port());
  const std::string frame("\x00\x00\x00\x0a\x00\x07\x00\x00\x00\x00\x00\x01\xff\xff", 14);
  client.SendRaw(frame);  // ControlledShutdown v0
  EXPECT_TRUE(client.ClosedByServer());
}

absl::StatusOr<std::string> AliceOnly(absl::string_view user, absl::string_view password) {
  if (user == "alice" && password == "secret") return std::string("User:alice");
  return absl::UnauthenticatedError("bad username or password");
}

TEST_F(KafkaListenerTest, WithSaslRequiredARequestBeforeAuthenticationClosesTheConnection) {
  KafkaListenerOptions options;
  options.sasl_plain = AliceOnly;
  StartListener(std::move(options));
  KafkaTestClient client(listener_->port());
  client.Send(ApiVersionsRequest{}, 3, 1);  // allowed before authentication
  int32_t correlation = 0;
  ASSERT_OK(client.Read<ApiVersionsResponse>(3, &correlation));
  client.Send(MetadataRequest{}, 6, 2);
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_TRUE(handler_.seen().empty());
}

TEST_F(KafkaListenerTest, SaslPlainThroughSaslAuthenticateSetsThePrincipal) {
  KafkaListenerOptions options;
  options.sasl_plain = AliceOnly;
  StartListener(std::move(options));
  KafkaTestClient client(listener_->port());
  int32_t correlation = 0;
  client.Send(SaslHandshakeRequest{"SCRAM-SHA-256"}, 1, 1);
  absl::StatusOr<SaslHandshakeResponse> refused =
      client.Read<SaslHandshakeResponse>(1, &correlation);
  ASSERT_OK(refused);
  EXPECT_EQ(refused->error_code, Wire(ErrorCode::kUnsupportedSaslMechanism));
  EXPECT_EQ(refused->mechanisms, std::vector<std::string>{"PLAIN"});

  client.Send(SaslHandshakeRequest{"PLAIN"}, 1, 2);
  absl::StatusOr<SaslHandshakeResponse> handshake =
      client.Read<SaslHandshakeResponse>(1, &correlation);
  ASSERT_OK(handshake);
  EXPECT_EQ(handshake->error_code, 0);
  client.Send(SaslAuthenticateRequest{std::string("\0alice\0secret", 13)}, 1, 3);
  absl::StatusOr<SaslAuthenticateResponse> authenticated =
      client.Read<SaslAuthenticateResponse>(1, &correlation);
  ASSERT_OK(authenticated);
  EXPECT_EQ(authenticated->error_code, 0);

  client.Send(MetadataRequest{}, 6, 4);
  ASSERT_OK(client.Read<MetadataResponse>(6, &correlation));
  ASSERT_EQ(handler_.seen().size(), 1u);
  EXPECT_EQ(handler_.seen()[0].principal, "User:alice");
  EXPECT_EQ(handler_.seen()[0].client_id, "test-client");
}

TEST_F(KafkaListenerTest, AWrongPasswordIsRefusedWithAMessageAndTheConnectionCloses) {
  KafkaListenerOptions options;
  options.sasl_plain = AliceOnly;
  StartListener(std::move(options));
  KafkaTestClient client(listener_->port());
  int32_t correlation = 0;
  client.Send(SaslHandshakeRequest{"PLAIN"}, 1, 1);
  ASSERT_OK(client.Read<SaslHandshakeResponse>(1, &correlation));
  client.Send(SaslAuthenticateRequest{std::string("\0alice\0guess", 12)}, 1, 2);
  absl::StatusOr<SaslAuthenticateResponse> refused =
      client.Read<SaslAuthenticateResponse>(1, &correlation);
  ASSERT_OK(refused);
  EXPECT_EQ(refused->error_code, Wire(ErrorCode::kSaslAuthenticationFailed));
  EXPECT_EQ(refused->error_message, "bad username or password");
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(KafkaListenerTest, LegacySaslHandshakeV0IsFollowedByARawToken) {
  KafkaListenerOptions options;
  options.sasl_plain = AliceOnly;
  StartListener(std::move(options));
  KafkaTestClient client(listener_->port());
  int32_t correlation = 0;
  client.Send(SaslHandshakeRequest{"PLAIN"}, 0, 1);
  ASSERT_OK(client.Read<SaslHandshakeResponse>(0, &correlation));
  const std::string token("\0alice\0secret", 13);
  std::string raw;
  util::coding::AppendBigEndian32(&raw, token.size());
  client.SendRaw(raw + token);
  std::optional<std::string> reply = client.ReadFrame();
  ASSERT_TRUE(reply.has_value());
  EXPECT_TRUE(reply->empty());  // PLAIN's server reply is empty
  client.Send(MetadataRequest{}, 1, 2);
  ASSERT_OK(client.Read<MetadataResponse>(1, &correlation));
  EXPECT_EQ(correlation, 2);
  ASSERT_EQ(handler_.seen().size(), 1u);
  EXPECT_EQ(handler_.seen()[0].principal, "User:alice");
}

TEST_F(KafkaListenerTest, SaslOutOfOrderIsRefused) {
  KafkaListenerOptions options;
  options.sasl_plain = AliceOnly;
  StartListener(std::move(options));
  KafkaTestClient client(listener_->port());
  int32_t correlation = 0;
  client.Send(SaslAuthenticateRequest{std::string("\0alice\0secret", 13)}, 1, 1);
  absl::StatusOr<SaslAuthenticateResponse> early =
      client.Read<SaslAuthenticateResponse>(1, &correlation);
  ASSERT_OK(early);
  EXPECT_EQ(early->error_code, Wire(ErrorCode::kIllegalSaslState));
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(KafkaListenerTest, WithoutSaslAHandshakeIsAnsweredWithNoMechanisms) {
  StartListener();
  KafkaTestClient client(listener_->port());
  int32_t correlation = 0;
  client.Send(SaslHandshakeRequest{"PLAIN"}, 1, 1);
  absl::StatusOr<SaslHandshakeResponse> response =
      client.Read<SaslHandshakeResponse>(1, &correlation);
  ASSERT_OK(response);
  EXPECT_EQ(response->error_code, Wire(ErrorCode::kUnsupportedSaslMechanism));
  EXPECT_TRUE(response->mechanisms.empty());
  client.Send(MetadataRequest{}, 6, 2);  // the connection goes on unauthenticated
  ASSERT_OK(client.Read<MetadataResponse>(6, &correlation));
}

// Answers every request with a Heartbeat response: a handler bug.
class WrongResponseHandler : public KafkaRequestHandler {
 public:
  void Handle(const KafkaConnectionContext&, const RequestHeader&, KafkaRequest,
              KafkaResponseCallback done) override {
    std::move(done)(HeartbeatResponse{});
  }
};

TEST(KafkaListenerHandlerTest, AResponseOfAnotherApiClosesTheConnection) {
  WrongResponseHandler handler;
  KafkaListenerOptions options;
  options.listen = "127.0.0.1:0";
  absl::StatusOr<std::unique_ptr<KafkaListener>> listener =
      KafkaListener::Start(std::move(options), &handler);
  ASSERT_OK(listener);
  KafkaTestClient client((*listener)->port());
  client.Send(MetadataRequest{}, 6, 1);
  EXPECT_TRUE(client.ClosedByServer());
  (*listener)->Shutdown();
}

TEST_F(KafkaListenerTest, ShutdownIsPromptWithParkedRequestsAndLateCompletionsAreDropped) {
  handler_.park_heartbeats();
  StartListener();
  KafkaTestClient client(listener_->port());
  client.Send(HeartbeatRequest{"g", 1, "m", std::nullopt}, 3, 1);
  while (handler_.parked() < 1) std::this_thread::yield();
  listener_->Shutdown();
  EXPECT_TRUE(client.ClosedByServer());
  // Completing after shutdown must be harmless (ASan would see a use after free).
  EXPECT_EQ(handler_.ReleaseHeartbeatsNewestFirst(), 1u);
  listener_.reset();
}

TEST_F(KafkaListenerTest, ABadAddressOrAnUnreadableCertificateFailsStart) {
  KafkaListenerOptions bad_address;
  bad_address.listen = "not-an-address";
  EXPECT_THAT(KafkaListener::Start(bad_address, &handler_),
              eventlog::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  KafkaListenerOptions bad_tls;
  bad_tls.listen = "127.0.0.1:0";
  bad_tls.tls_cert_file = "/nonexistent/cert.pem";
  bad_tls.tls_key_file = "/nonexistent/key.pem";
  EXPECT_THAT(KafkaListener::Start(bad_tls, &handler_),
              eventlog::testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace eventlog::kafka
