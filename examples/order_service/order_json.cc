#include "examples/order_service/order_json.h"

#include <nlohmann/json.hpp>

#include "store/event.h"

namespace cairn::order_service {
namespace {

using nlohmann::json;

Status Unknown(const json& object, std::initializer_list<std::string_view> known, const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return InvalidArgumentError("unknown field " + where + key);
    }
  }
  return OkStatus();
}

Result<std::string> Text(const json& object, const char* key, const std::string& where, bool required) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) return InvalidArgumentError("missing field " + where + key);
    return std::string();
  }
  if (!it->is_string()) return InvalidArgumentError("field " + where + key + " must be a string");
  return it->get<std::string>();
}

Result<int64_t> Whole(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end()) return InvalidArgumentError("missing field " + where + key);
  if (!it->is_number_integer() || (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t(INT64_MAX))) {
    return InvalidArgumentError("field " + where + key + " must be a whole number");
  }
  return it->get<int64_t>();
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) {
  const std::string_view type = content_type.substr(0, content_type.find(';'));
  std::string lower(type);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!lower.empty() && lower.back() == ' ') lower.pop_back();
  return lower == "application/json";
}

Result<commerce::PlaceOrder> PlaceOrderFromJson(std::string_view body) {
  if (JsonNestingDepth(body) > kMaxJsonDepth) return InvalidArgumentError("the body nests too deeply");
  const json object = json::parse(body, nullptr, false);
  if (object.is_discarded()) return InvalidArgumentError("the body is not JSON");
  if (!object.is_object()) return InvalidArgumentError("the body must be a JSON object");
  CAIRN_RETURN_IF_ERROR(Unknown(object, {"order_id", "customer", "currency", "lines"}, ""));
  commerce::PlaceOrder place;
  CAIRN_ASSIGN_OR_RETURN(*place.mutable_order_id(), Text(object, "order_id", "", false));
  CAIRN_ASSIGN_OR_RETURN(*place.mutable_customer_id(), Text(object, "customer", "", true));
  CAIRN_ASSIGN_OR_RETURN(*place.mutable_currency(), Text(object, "currency", "", true));
  auto lines = object.find("lines");
  if (lines == object.end()) return InvalidArgumentError("missing field lines");
  if (!lines->is_array()) return InvalidArgumentError("field lines must be an array");
  for (size_t i = 0; i < lines->size(); ++i) {
    const std::string where = "lines[" + std::to_string(i) + "].";
    const json& line = (*lines)[i];
    if (!line.is_object()) return InvalidArgumentError("field lines[" + std::to_string(i) + "] must be an object");
    CAIRN_RETURN_IF_ERROR(Unknown(line, {"sku", "quantity", "unit_price"}, where));
    commerce::OrderLine* added = place.add_lines();
    CAIRN_ASSIGN_OR_RETURN(*added->mutable_sku(), Text(line, "sku", where, true));
    CAIRN_ASSIGN_OR_RETURN(const int64_t quantity, Whole(line, "quantity", where));
    CAIRN_ASSIGN_OR_RETURN(const int64_t price, Whole(line, "unit_price", where));
    added->set_quantity(quantity);
    added->set_unit_price(price);
  }
  return place;
}

Result<std::string> CancelReasonFromJson(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::string();
  if (JsonNestingDepth(body) > kMaxJsonDepth) return InvalidArgumentError("the body nests too deeply");
  const json object = json::parse(body, nullptr, false);
  if (object.is_discarded()) return InvalidArgumentError("the body is not JSON");
  if (!object.is_object()) return InvalidArgumentError("the body must be a JSON object");
  CAIRN_RETURN_IF_ERROR(Unknown(object, {"reason"}, ""));
  return Text(object, "reason", "", false);
}

}  // namespace cairn::order_service
