#include "engine/message_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <cmath>
#include <vector>

namespace cairn {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Reflection;

bool IsWellKnownType(const Descriptor& descriptor) {
  return descriptor.file()->name().rfind("google/protobuf/", 0) == 0;
}

template <typename Number>
void AppendNumber(Number value, std::string& out) {
  char text[32];
  auto [end, error] = std::to_chars(text, text + sizeof(text), value);
  out.append(text, end);
}

template <typename Floating>
void AppendFloating(Floating value, std::string& out) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
  } else if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    AppendNumber(value, out);  // shortest text that reads back as the same value
  }
}

// 64-bit integers are strings in proto3 JSON: JavaScript numbers cannot hold them.
template <typename Integer>
void AppendQuoted(Integer value, std::string& out) {
  out += '"';
  AppendNumber(value, out);
  out += '"';
}

// Writes one message, nested ones included, and keeps the first failure.
class JsonWriter {
 public:
  explicit JsonWriter(JsonDefaults defaults) : defaults_(defaults) { out_.reserve(256); }

  void Object(const google::protobuf::Message& message);
  Result<std::string> Take() {
    if (!error_.ok()) return error_;
    return std::move(out_);
  }

 private:
  void WellKnown(const google::protobuf::Message& message);
  void Field(const google::protobuf::Message& message, const FieldDescriptor& field);
  void Value(const google::protobuf::Message& message, const FieldDescriptor& field, int index);
  void MapKey(const google::protobuf::Message& entry, const FieldDescriptor& key);

  const JsonDefaults defaults_;
  std::string out_;
  Status error_;
};

void JsonWriter::WellKnown(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
    out_ += json;
  } else if (error_.ok()) {
    error_ = InvalidArgumentError("a " + message.GetDescriptor()->full_name() + " holds a value JSON cannot carry");
  }
}

void JsonWriter::Value(const google::protobuf::Message& message, const FieldDescriptor& field, int index) {
  const Reflection& reflection = *message.GetReflection();
  const bool repeated = field.is_repeated();
#define CAIRN_FIELD(Getter) (repeated ? reflection.GetRepeated##Getter(message, &field, index) : reflection.Get##Getter(message, &field))
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: AppendNumber(CAIRN_FIELD(Int32), out_); break;
    case FieldDescriptor::CPPTYPE_UINT32: AppendNumber(CAIRN_FIELD(UInt32), out_); break;
    case FieldDescriptor::CPPTYPE_INT64: AppendQuoted(CAIRN_FIELD(Int64), out_); break;
    case FieldDescriptor::CPPTYPE_UINT64: AppendQuoted(CAIRN_FIELD(UInt64), out_); break;
    case FieldDescriptor::CPPTYPE_DOUBLE: AppendFloating(CAIRN_FIELD(Double), out_); break;
    case FieldDescriptor::CPPTYPE_FLOAT: AppendFloating(CAIRN_FIELD(Float), out_); break;
    case FieldDescriptor::CPPTYPE_BOOL: out_ += CAIRN_FIELD(Bool) ? "true" : "false"; break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      if (field.enum_type()->full_name() == "google.protobuf.NullValue") {
        out_ += "null";
        break;
      }
      const int number = CAIRN_FIELD(EnumValue);
      if (const auto* value = field.enum_type()->FindValueByNumber(number)) {
        AppendJsonString(value->name(), out_);
      } else {
        AppendNumber(number, out_);  // a value this build does not know
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& text = repeated ? reflection.GetRepeatedStringReference(message, &field, index, &scratch)
                                         : reflection.GetStringReference(message, &field, &scratch);
      if (field.type() == FieldDescriptor::TYPE_BYTES) {
        out_ += '"';
        out_ += Base64(text);
        out_ += '"';
      } else {
        AppendJsonString(text, out_);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: Object(CAIRN_FIELD(Message)); break;
  }
#undef CAIRN_FIELD
}

// A map key is always a JSON string, whatever the key's type.
void JsonWriter::MapKey(const google::protobuf::Message& entry, const FieldDescriptor& key) {
  const size_t start = out_.size();
  Value(entry, key, 0);
  if (out_[start] != '"') {  // a number or a bool: quote it (64-bit numbers come quoted)
    out_.insert(out_.begin() + static_cast<std::ptrdiff_t>(start), '"');
    out_ += '"';
  }
}

void JsonWriter::Field(const google::protobuf::Message& message, const FieldDescriptor& field) {
  AppendJsonString(field.name(), out_);
  out_ += ':';
  if (!field.is_repeated()) {
    Value(message, field, 0);
    return;
  }
  const Reflection& reflection = *message.GetReflection();
  const int size = reflection.FieldSize(message, &field);
  if (field.is_map()) {
    const Descriptor& entry_type = *field.message_type();
    out_ += '{';
    for (int i = 0; i < size; ++i) {
      if (i) out_ += ',';
      const google::protobuf::Message& entry = reflection.GetRepeatedMessage(message, &field, i);
      MapKey(entry, *entry_type.map_key());
      out_ += ':';
      Value(entry, *entry_type.map_value(), 0);
    }
    out_ += '}';
    return;
  }
  out_ += '[';
  for (int i = 0; i < size; ++i) {
    if (i) out_ += ',';
    Value(message, field, i);
  }
  out_ += ']';
}

// With defaults printed, fields that track presence (messages, oneof
// members, proto3 `optional`) still appear only when set, as in protobuf.
bool Printed(const google::protobuf::Message& message, const FieldDescriptor& field) {
  return field.is_repeated() || !field.has_presence() || message.GetReflection()->HasField(message, &field);
}

void JsonWriter::Object(const google::protobuf::Message& message) {
  const Descriptor& descriptor = *message.GetDescriptor();
  if (IsWellKnownType(descriptor)) {
    WellKnown(message);
    return;
  }
  out_ += '{';
  bool first = true;
  auto write_field = [&](const FieldDescriptor& field) {
    if (!first) out_ += ',';
    first = false;
    Field(message, field);
  };
  if (defaults_ == JsonDefaults::kOmit) {
    std::vector<const FieldDescriptor*> fields;
    message.GetReflection()->ListFields(message, &fields);  // the set ones, by field number
    for (const FieldDescriptor* set : fields) write_field(*set);
  } else {
    for (int i = 0; i < descriptor.field_count(); ++i) {
      if (Printed(message, *descriptor.field(i))) write_field(*descriptor.field(i));
    }
  }
  out_ += '}';
}

}  // namespace

Result<std::string> MessageToJson(const google::protobuf::Message& message, JsonDefaults defaults) {
  JsonWriter writer(defaults);
  writer.Object(message);
  return writer.Take();
}

void AppendJsonString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t plain = 0;  // start of the run of characters that need no escape
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out += '"';
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = uint8_t(bytes[i]) << 16 | uint8_t(bytes[i + 1]) << 8 | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    const uint32_t n = uint8_t(bytes[i]) << 16 | (rest == 2 ? uint8_t(bytes[i + 1]) << 8 : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace cairn
