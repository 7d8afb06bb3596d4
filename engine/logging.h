// Logging through spdlog: one line per record, the level from
// CAIRN_LOG_LEVEL, and JSON lines when CAIRN_LOG_FORMAT=json. Modules log
// with spdlog's functions (spdlog::info, ...) in their .cc files.
#ifndef CAIRN_ENGINE_LOGGING_H_
#define CAIRN_ENGINE_LOGGING_H_

#include <string>

#include "store/status.h"

namespace cairn {

struct LogSettings {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::string format = "text";  // text or json
  std::string file;             // empty: stderr
};

// Installs the default logger. InvalidArgument for an unknown level or format.
Status ConfigureLogging(const LogSettings& settings);

}  // namespace cairn

#endif  // CAIRN_ENGINE_LOGGING_H_
