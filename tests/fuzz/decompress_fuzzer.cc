// Fuzz target: storage/compression's Decompress over arbitrary bytes, for
// every codec and a range of output limits.
//
// Input: u8 codec (value % 5, Kafka's attribute values), u8 limit selector
// (the limit is 1 KiB << (selector % 12), up to 2 MiB), then the compressed
// bytes.
// Checks, besides "no crash, no sanitizer report, no unbounded allocation":
// a success stays within the limit, and what decompressed compresses and
// decompresses back to itself; a failure is RESOURCE_EXHAUSTED or
// INVALID_ARGUMENT, never another code.
#include <cstdint>
#include <string>

#include "storage/compression/compression.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace eventlog;
  fuzz::FuzzInput in(data, size);
  const auto codec = static_cast<compression::Codec>(in.Byte() % 5);
  const size_t limit = size_t{1024} << (in.Byte() % 12);
  const absl::string_view compressed = in.Rest();
  absl::StatusOr<std::string> output = compression::Decompress(codec, compressed, limit);
  if (!output.ok()) {
    FUZZ_CHECK(output.status().code() == absl::StatusCode::kResourceExhausted ||
               output.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(output->size() <= limit);
  absl::StatusOr<std::string> again = compression::Compress(codec, *output);
  FUZZ_CHECK(again.ok());
  absl::StatusOr<std::string> round_trip = compression::Decompress(codec, *again, limit);
  FUZZ_CHECK(round_trip.ok() && *round_trip == *output);
  return 0;
}
