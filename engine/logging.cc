#include "engine/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "store/event.h"

namespace cairn {
namespace {

void AppendJsonString(std::string_view text, spdlog::memory_buf_t& out) {
  out.push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"': out.append(std::string_view("\\\"")); break;
      case '\\': out.append(std::string_view("\\\\")); break;
      case '\n': out.append(std::string_view("\\n")); break;
      case '\r': out.append(std::string_view("\\r")); break;
      case '\t': out.append(std::string_view("\\t")); break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out.append(std::string_view(escaped));
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

// {"time":"2026-11-26T10:15:30.123456Z","level":"info","logger":"cairn","message":"..."}
class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(msg.time.time_since_epoch()).count();
    const std::string time = FormatTimestamp(micros);
    dest.append(std::string_view("{\"time\":\""));
    dest.append(std::string_view(time));
    dest.append(std::string_view("\",\"level\":"));
    const auto level = spdlog::level::to_string_view(msg.level);
    AppendJsonString(std::string_view(level.data(), level.size()), dest);
    dest.append(std::string_view(",\"logger\":"));
    AppendJsonString(std::string_view(msg.logger_name.data(), msg.logger_name.size()), dest);
    dest.append(std::string_view(",\"message\":"));
    AppendJsonString(std::string_view(msg.payload.data(), msg.payload.size()), dest);
    dest.append(std::string_view("}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonLineFormatter>(); }
};

// spdlog's pattern, with line breaks inside a message written as \n so that
// every record stays one line.
class TextLineFormatter final : public spdlog::formatter {
 public:
  TextLineFormatter() : pattern_("%Y-%m-%dT%H:%M:%S.%fZ %l %n: %v", spdlog::pattern_time_type::utc) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    spdlog::memory_buf_t line;
    pattern_.format(msg, line);
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\n' && i + 1 < line.size()) {
        dest.append(std::string_view("\\n"));
      } else {
        dest.push_back(line[i]);
      }
    }
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<TextLineFormatter>(); }

 private:
  spdlog::pattern_formatter pattern_;
};

}  // namespace

Status ConfigureLogging(const LogSettings& settings) {
  const spdlog::level::level_enum level = spdlog::level::from_str(settings.level);
  if (level == spdlog::level::off && settings.level != "off") {
    return InvalidArgumentError("log level '" + settings.level + "' is not one of trace, debug, info, warn, error, critical, off");
  }
  std::unique_ptr<spdlog::formatter> formatter;
  if (settings.format == "json") {
    formatter = std::make_unique<JsonLineFormatter>();
  } else if (settings.format == "text") {
    formatter = std::make_unique<TextLineFormatter>();
  } else {
    return InvalidArgumentError("log format '" + settings.format + "' is not text or json");
  }
  std::shared_ptr<spdlog::logger> logger;
  try {
    logger = settings.file.empty() ? std::make_shared<spdlog::logger>("cairn", std::make_shared<spdlog::sinks::stderr_sink_mt>())
                                   : std::make_shared<spdlog::logger>(
                                         "cairn", std::make_shared<spdlog::sinks::basic_file_sink_mt>(settings.file));
  } catch (const spdlog::spdlog_ex& error) {
    return InvalidArgumentError(std::string("cannot open the log: ") + error.what());
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
  return OkStatus();
}

}  // namespace cairn
