// MessageToJson: a protobuf message as proto3 JSON with the proto field
// names, straight from reflection. It writes what protobuf's JSON printer
// writes (a test compares the two), at a fraction of its cost: the audit log
// renders every event it holds, and protobuf's printer round-trips each
// message through its binary form and a type resolver first.
//
// Thread safety: a pure function.
#ifndef CAIRN_ENGINE_MESSAGE_JSON_H_
#define CAIRN_ENGINE_MESSAGE_JSON_H_

#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "store/status.h"

namespace cairn {

enum class JsonDefaults {
  kOmit,   // fields at their default value are left out, as proto3 JSON does
  kPrint,  // every scalar, repeated and map field is written, set or not
};

// The message's JSON. Well-known types (Timestamp, Duration, Any, Struct,
// wrappers, ...) go through protobuf's printer, which owns their special
// forms; InvalidArgument when one holds a value that form cannot carry (a
// Timestamp past the year 9999).
Result<std::string> MessageToJson(const google::protobuf::Message& message, JsonDefaults defaults = JsonDefaults::kOmit);

// Appends `text` as a quoted JSON string.
void AppendJsonString(std::string_view text, std::string& out);
// Standard base64 with padding, as JSON carries bytes.
std::string Base64(std::string_view bytes);

}  // namespace cairn

#endif  // CAIRN_ENGINE_MESSAGE_JSON_H_
