// Configuration: defaults, overridden by an optional file, overridden by
// CAIRN_* environment variables. Each module binds its settings to fields of
// its own options struct; a service gathers them in one struct of its own.
//
// A file holds `key = value` lines (`#` starts a comment); the environment
// variable of key `snapshot_every` is CAIRN_SNAPSHOT_EVERY. An unknown key, in
// the file or among the CAIRN_* variables, and a bad value are errors that
// name the key, so a typo stops the start instead of being ignored.
#ifndef CAIRN_ENGINE_CONFIG_H_
#define CAIRN_ENGINE_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "store/event_store.h"

namespace cairn {

class ConfigLoader {
 public:
  // Each binding writes the parsed value into `target`, which must outlive Load.
  void Bind(std::string key, std::string* target, std::string help);
  void Bind(std::string key, bool* target, std::string help);
  void Bind(std::string key, int64_t* target, int64_t min, int64_t max, std::string help);
  void Bind(std::string key, int* target, int min, int max, std::string help);
  void Bind(std::string key, uint64_t* target, std::string help);
  void Bind(std::string key, std::chrono::milliseconds* target, std::string help);
  // One of `choices`.
  void BindChoice(std::string key, std::string* target, std::vector<std::string> choices, std::string help);
  // A comma-separated list.
  void Bind(std::string key, std::set<std::string>* target, std::string help);
  // Comma-separated name=value pairs.
  void Bind(std::string key, std::map<std::string, std::string>* target, std::string help);
  void Bind(std::string key, Durability* target, std::string help);
  // One of the names in `choices`, stored as its value.
  template <typename Enum>
  void BindEnum(std::string key, Enum* target, std::map<std::string, Enum> choices, std::string help) {
    BindParser(key, std::move(help), [key, target, choices](const std::string& value) {
      auto it = choices.find(value);
      if (it == choices.end()) {
        std::string names;
        for (const auto& [name, unused] : choices) names += (names.empty() ? "" : ", ") + name;
        return InvalidArgumentError("config " + key + "='" + value + "': must be one of " + names);
      }
      *target = it->second;
      return OkStatus();
    });
  }
  // Variables under these CAIRN_ prefixes belong to someone else (passthroughs).
  void AllowPrefix(std::string env_prefix);

  // Applies the file at `path` (when not empty), then `environment`; a
  // process passes ConfigFileOfProcess() and CairnEnvironment().
  // InvalidArgument naming the key and where it came from.
  Status Load(const std::string& path, const std::map<std::string, std::string>& environment) const;

  // True when `variable` (CAIRN_...) is the variable of a bound key.
  bool Binds(const std::string& variable) const;

  // "key  CAIRN_KEY  help" lines, for --help texts and the README.
  std::string Describe() const;

 private:
  struct Binding {
    std::function<Status(const std::string& value)> apply;
    std::string help;
  };
  Status Apply(const std::string& key, const std::string& value, const std::string& where) const;
  void BindParser(const std::string& key, std::string help, std::function<Status(const std::string&)> parse);

  std::map<std::string, Binding> bindings_;
  std::vector<std::string> allowed_prefixes_;
};

// CAIRN_SNAPSHOT_EVERY for snapshot_every.
std::string EnvironmentName(const std::string& key);
// The file CAIRN_CONFIG names; "" when it is not set.
std::string ConfigFileOfProcess();
// The process's CAIRN_* variables.
std::map<std::string, std::string> CairnEnvironment();

}  // namespace cairn

#endif  // CAIRN_ENGINE_CONFIG_H_
