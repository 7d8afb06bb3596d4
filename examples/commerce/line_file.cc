#include "examples/commerce/line_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cairn::commerce {

Result<std::vector<std::string>> ReadWholeLines(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::vector<std::string>();
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return UnavailableError("cannot read " + path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  if (const size_t whole = text.rfind('\n') + 1; whole != text.size()) {
    text.resize(whole);
    std::filesystem::resize_file(path, whole, error);
    if (error) return UnavailableError("cannot cut the torn last line off " + path + ": " + error.message());
  }
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  return lines;
}

}  // namespace cairn::commerce
