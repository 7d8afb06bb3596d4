#include "projections/read_model_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

namespace cairn::projections {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBuildingSuffix = ".building";

std::string GenerationName(const std::string& name, int generation) {
  return name + ".g" + std::to_string(generation) + ".sqlite";
}

void SyncDirectory(const std::string& directory) {
  if (int dir = ::open(directory.c_str(), O_RDONLY); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace

ReadModelFile::ReadModelFile(std::string directory, std::string name)
    : directory_(std::move(directory)), name_(std::move(name)) {}

std::string ReadModelFile::path() const { return directory_ + "/" + name_ + ".sqlite"; }

std::string ReadModelFile::generation_path(int generation) const {
  return directory_ + "/" + GenerationName(name_, generation);
}

std::string ReadModelFile::building_path(int generation) const {
  return generation_path(generation) + kBuildingSuffix;
}

std::string ReadModelFile::lock_path() const { return path() + ".lock"; }

std::string ReadModelFile::rebuild_lock_path() const { return directory_ + "/" + name_ + ".rebuild.lock"; }

int ReadModelFile::current() const {
  std::error_code error;
  const fs::path target = fs::read_symlink(path(), error);
  if (error) return 0;
  const std::string file = target.filename().string();
  const std::string prefix = name_ + ".g";
  if (file.rfind(prefix, 0) != 0) return 0;
  try {
    return std::stoi(file.substr(prefix.size()));
  } catch (const std::exception&) {
    return 0;
  }
}

Status ReadModelFile::EnsureExists() const {
  std::error_code error;
  fs::create_directories(directory_, error);
  if (error) return UnavailableError("cannot create " + directory_ + ": " + error.message());
  if (fs::is_symlink(path(), error)) return OkStatus();
  if (fs::exists(path(), error)) {
    return AlreadyExistsError(path() + " is not a read-model link; move it away or reset the projection");
  }
  fs::create_symlink(GenerationName(name_, 1), path(), error);
  if (error) return UnavailableError("cannot create " + path() + ": " + error.message());
  return OkStatus();
}

Status ReadModelFile::SwapTo(int generation) const {
  const int previous = current();
  const std::string next_link = path() + ".next";
  std::error_code error;
  fs::remove(next_link, error);
  fs::create_symlink(GenerationName(name_, generation), next_link, error);
  if (error) return UnavailableError("cannot create " + next_link + ": " + error.message());
  fs::rename(next_link, path(), error);  // the swap: atomic on POSIX file systems
  if (error) return UnavailableError("cannot swap " + path() + ": " + error.message());
  SyncDirectory(directory_);  // the new link is durable before the old generation goes
  if (previous != 0 && previous != generation) RemoveGeneration(previous);
  return OkStatus();
}

Status ReadModelFile::Finish(int generation) const {
  std::error_code error;
  fs::rename(building_path(generation), generation_path(generation), error);
  if (error) return UnavailableError("cannot finish " + generation_path(generation) + ": " + error.message());
  SyncDirectory(directory_);
  return OkStatus();
}

void ReadModelFile::RemoveGeneration(int generation) const {
  std::error_code ignored;
  for (const std::string& file : {generation_path(generation), building_path(generation)}) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(file + suffix, ignored);
  }
}

void ReadModelFile::DiscardUnfinished() const {
  std::error_code error;
  const std::string prefix = name_ + ".g";
  for (const auto& entry : fs::directory_iterator(directory_, error)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind(prefix, 0) == 0 && file.find(kBuildingSuffix) != std::string::npos) {
      std::error_code ignored;
      fs::remove(entry.path(), ignored);
    }
  }
}

Status ReadModelFile::Remove() const {
  std::error_code error;
  const std::string prefix = name_ + ".g";
  for (const auto& entry : fs::directory_iterator(directory_, error)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind(prefix, 0) == 0) fs::remove(entry.path(), error);
  }
  fs::remove(path(), error);
  if (error) return UnavailableError("cannot remove " + path() + ": " + error.message());
  return OkStatus();
}

}  // namespace cairn::projections
