#include "clients/cpp/health_wire.h"

#include <cstdint>

#include "absl/status/status.h"

namespace eventlog::client {
namespace {

void PutVarint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool GetVarint(absl::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

std::string EncodeHealthCheckRequest(absl::string_view service) {
  std::string out;
  if (service.empty()) return out;  // proto3 omits default values
  out.push_back(0x0a);              // field 1, length-delimited
  PutVarint(service.size(), out);
  out.append(service.data(), service.size());
  return out;
}

absl::StatusOr<int> DecodeHealthCheckResponse(absl::string_view bytes) {
  int status = 0;
  while (!bytes.empty()) {
    uint64_t tag = 0;
    if (!GetVarint(bytes, tag)) return absl::InternalError("malformed health response");
    const uint64_t wire_type = tag & 7;
    uint64_t value = 0;
    if (wire_type == 0) {
      if (!GetVarint(bytes, value)) return absl::InternalError("malformed health response");
      if ((tag >> 3) == 1) status = static_cast<int>(value);
    } else if (wire_type == 2) {
      if (!GetVarint(bytes, value) || value > bytes.size()) {
        return absl::InternalError("malformed health response");
      }
      bytes.remove_prefix(value);
    } else if (wire_type == 1 || wire_type == 5) {
      const size_t width = wire_type == 1 ? 8 : 4;
      if (bytes.size() < width) return absl::InternalError("malformed health response");
      bytes.remove_prefix(width);
    } else {
      return absl::InternalError("malformed health response");
    }
  }
  return status;
}

}  // namespace eventlog::client
