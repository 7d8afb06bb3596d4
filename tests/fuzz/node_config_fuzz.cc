// The configuration parser: a node's whole configuration (every module's
// keys) from a config file and CAIRN_* variables. Whatever the input, the
// answer is a configuration or InvalidArgument with a reason, never a crash,
// and the same input always gives the same answer.
//
// Input: the file's text, then optionally a NUL byte and NAME=value lines
// taken as the environment.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "examples/order_service/node_config.h"
#include "tests/fuzz/fuzz_check.h"

namespace cairn::fuzz {
namespace {

std::map<std::string, std::string> EnvironmentOf(std::string_view lines) {
  std::map<std::string, std::string> environment;
  while (!lines.empty()) {
    const size_t end = std::min(lines.find('\n'), lines.size());
    const std::string_view line = lines.substr(0, end);
    const size_t equals = line.find('=');
    if (equals != std::string_view::npos) environment[std::string(line.substr(0, equals))] = line.substr(equals + 1);
    lines.remove_prefix(std::min(end + 1, lines.size()));
  }
  return environment;
}

const std::string& ScratchFile() {
  static const std::string path = [] {
    char name[] = "/tmp/cairn-config-fuzz-XXXXXX";
    const int fd = mkstemp(name);
    if (fd >= 0) close(fd);
    return std::string(name);
  }();
  return path;
}

}  // namespace
}  // namespace cairn::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn;
  using namespace cairn::fuzz;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  const auto environment = EnvironmentOf(nul == std::string_view::npos ? "" : input.substr(nul + 1));
  {
    std::ofstream file(ScratchFile(), std::ios::binary | std::ios::trunc);
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  Result<order_service::NodeConfig> first = order_service::LoadNodeConfig(ScratchFile(), environment, "");
  Result<order_service::NodeConfig> second = order_service::LoadNodeConfig(ScratchFile(), environment, "");
  std::remove(ScratchFile().c_str());  // written again for the next input
  Check(first.ok() == second.ok() && first.status().ToString() == second.status().ToString(),
        "the same configuration loads the same way twice");
  if (!first.ok()) {
    Check(first.status().code() == StatusCode::kInvalidArgument, "a bad configuration is InvalidArgument: " +
                                                                      first.status().ToString());
    Check(!first.status().message().empty(), "a bad configuration says why");
    return 0;
  }
  Check(first->projections.directory == order_service::ProjectionsDirectory(first->service.data_dir),
        "the read models live under the data dir");
  return 0;
}
