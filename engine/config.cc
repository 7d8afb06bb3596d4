#include "engine/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace cairn {
namespace {

constexpr std::string_view kPrefix = "CAIRN_";
constexpr std::string_view kConfigFileVariable = "CAIRN_CONFIG";

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

template <typename Int>
bool ParseInt(const std::string& text, Int& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

Status Bad(const std::string& key, const std::string& value, const std::string& why) {
  return InvalidArgumentError("config " + key + "='" + value + "': " + why);
}

}  // namespace

std::string EnvironmentName(const std::string& key) {
  std::string name(kPrefix);
  for (char c : key) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::map<std::string, std::string> CairnEnvironment() {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view pair(*entry);
    size_t equals = pair.find('=');
    if (equals == std::string_view::npos || pair.substr(0, kPrefix.size()) != kPrefix) continue;
    variables.emplace(pair.substr(0, equals), pair.substr(equals + 1));
  }
  return variables;
}

void ConfigLoader::Bind(std::string key, std::string* target, std::string help) {
  bindings_[std::move(key)] = {[target](const std::string& value) {
                                 *target = value;
                                 return OkStatus();
                               },
                               std::move(help)};
}

void ConfigLoader::Bind(std::string key, bool* target, std::string help) {
  bindings_[key] = {[key, target](const std::string& value) {
                      if (value == "true" || value == "1" || value == "yes") *target = true;
                      else if (value == "false" || value == "0" || value == "no") *target = false;
                      else return Bad(key, value, "must be true or false");
                      return OkStatus();
                    },
                    std::move(help)};
}

void ConfigLoader::Bind(std::string key, int64_t* target, int64_t min, int64_t max, std::string help) {
  bindings_[key] = {[key, target, min, max](const std::string& value) {
                      int64_t parsed = 0;
                      if (!ParseInt(value, parsed)) return Bad(key, value, "is not a whole number");
                      if (parsed < min || parsed > max) {
                        return Bad(key, value, "must be between " + std::to_string(min) + " and " + std::to_string(max));
                      }
                      *target = parsed;
                      return OkStatus();
                    },
                    std::move(help)};
}

void ConfigLoader::Bind(std::string key, int* target, int min, int max, std::string help) {
  bindings_[key] = {[key, target, min, max](const std::string& value) {
                      int parsed = 0;
                      if (!ParseInt(value, parsed)) return Bad(key, value, "is not a whole number");
                      if (parsed < min || parsed > max) {
                        return Bad(key, value, "must be between " + std::to_string(min) + " and " + std::to_string(max));
                      }
                      *target = parsed;
                      return OkStatus();
                    },
                    std::move(help)};
}

void ConfigLoader::Bind(std::string key, uint64_t* target, std::string help) {
  bindings_[key] = {[key, target](const std::string& value) {
                      uint64_t parsed = 0;
                      if (!ParseInt(value, parsed)) return Bad(key, value, "is not a non-negative whole number");
                      *target = parsed;
                      return OkStatus();
                    },
                    std::move(help)};
}

void ConfigLoader::Bind(std::string key, std::chrono::milliseconds* target, std::string help) {
  bindings_[key] = {[key, target](const std::string& value) {
                      int64_t parsed = 0;
                      if (!ParseInt(value, parsed) || parsed < 0) return Bad(key, value, "is not a number of milliseconds");
                      *target = std::chrono::milliseconds(parsed);
                      return OkStatus();
                    },
                    std::move(help)};
}

void ConfigLoader::BindChoice(std::string key, std::string* target, std::vector<std::string> choices,
                              std::string help) {
  bindings_[key] = {[key, target, choices](const std::string& value) {
                      if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
                        std::string list;
                        for (const auto& choice : choices) list += (list.empty() ? "" : ", ") + choice;
                        return Bad(key, value, "must be one of " + list);
                      }
                      *target = value;
                      return OkStatus();
                    },
                    std::move(help)};
}

void ConfigLoader::Bind(std::string key, std::set<std::string>* target, std::string help) {
  bindings_[key] = {[target](const std::string& value) {
                      target->clear();
                      std::istringstream items(value);
                      for (std::string item; std::getline(items, item, ',');) {
                        if (std::string trimmed = Trim(item); !trimmed.empty()) target->insert(trimmed);
                      }
                      return OkStatus();
                    },
                    std::move(help)};
}

void ConfigLoader::Bind(std::string key, std::map<std::string, std::string>* target, std::string help) {
  bindings_[key] = {[key, target](const std::string& value) {
                      target->clear();
                      std::istringstream items(value);
                      for (std::string item; std::getline(items, item, ',');) {
                        if (Trim(item).empty()) continue;
                        size_t equals = item.find('=');
                        if (equals == std::string::npos) return Bad(key, value, "takes name=value pairs");
                        (*target)[Trim(item.substr(0, equals))] = Trim(item.substr(equals + 1));
                      }
                      return OkStatus();
                    },
                    std::move(help)};
}

void ConfigLoader::Bind(std::string key, Durability* target, std::string help) {
  bindings_[key] = {[key, target](const std::string& value) {
                      if (value == "sync") *target = Durability::kSync;
                      else if (value == "buffered") *target = Durability::kBuffered;
                      else return Bad(key, value, "must be sync or buffered");
                      return OkStatus();
                    },
                    std::move(help)};
}

void ConfigLoader::BindParser(const std::string& key, std::string help,
                              std::function<Status(const std::string&)> parse) {
  bindings_[key] = {std::move(parse), std::move(help)};
}

void ConfigLoader::AllowPrefix(std::string env_prefix) { allowed_prefixes_.push_back(std::move(env_prefix)); }

Status ConfigLoader::Apply(const std::string& key, const std::string& value, const std::string& where) const {
  auto it = bindings_.find(key);
  if (it == bindings_.end()) return InvalidArgumentError("config: unknown key '" + key + "' in " + where);
  Status applied = it->second.apply(value);
  if (!applied.ok()) return InvalidArgumentError(applied.message() + " (from " + where + ")");
  return OkStatus();
}

Status ConfigLoader::Load(const std::string& path, const std::map<std::string, std::string>& environment) const {
  if (!path.empty()) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
      return InvalidArgumentError("config: " + path + " (CAIRN_CONFIG) is not a file" +
                                  (std::filesystem::exists(path, error) ? "" : "; it does not exist"));
    }
    std::ifstream file(path);
    if (!file) return InvalidArgumentError("config: cannot read the file " + path);
    int number = 0;
    for (std::string line; std::getline(file, line);) {
      ++number;
      std::string text = Trim(line.substr(0, line.find('#')));
      if (text.empty()) continue;
      size_t equals = text.find('=');
      const std::string where = path + " line " + std::to_string(number);
      if (equals == std::string::npos) return InvalidArgumentError("config: " + where + " is not key = value");
      CAIRN_RETURN_IF_ERROR(Apply(Trim(text.substr(0, equals)), Trim(text.substr(equals + 1)), where));
    }
  }
  std::map<std::string, std::string> by_variable;
  for (const auto& [key, binding] : bindings_) by_variable[EnvironmentName(key)] = key;
  for (const auto& [variable, value] : environment) {
    if (variable == kConfigFileVariable) continue;
    auto key = by_variable.find(variable);
    if (key == by_variable.end()) {
      const bool passthrough = std::any_of(allowed_prefixes_.begin(), allowed_prefixes_.end(),
                                           [&name = variable](const std::string& p) { return name.rfind(p, 0) == 0; });
      if (passthrough) continue;
      return InvalidArgumentError("config: unknown environment variable " + variable);
    }
    CAIRN_RETURN_IF_ERROR(Apply(key->second, value, variable));
  }
  return OkStatus();
}

std::string ConfigFileOfProcess() {
  const char* path = std::getenv(std::string(kConfigFileVariable).c_str());
  return path ? path : "";
}

bool ConfigLoader::Binds(const std::string& variable) const {
  for (const auto& [key, binding] : bindings_) {
    if (EnvironmentName(key) == variable) return true;
  }
  return false;
}

std::string ConfigLoader::Describe() const {
  std::string out;
  for (const auto& [key, binding] : bindings_) out += key + "  " + EnvironmentName(key) + "  " + binding.help + "\n";
  return out;
}

}  // namespace cairn
