// Where a read model lives: <directory>/<name>.sqlite is a symbolic link to
// the current generation, <name>.g<N>.sqlite. A rebuild writes generation
// N+1 beside it and swaps the link in one rename, so a reader that opens the
// link gets a complete model, old or new, never a half-built one; a reader
// that has it open already keeps the old one. SQLite follows the link, so the
// -wal and -shm files belong to the generation, not to the link.
#ifndef CAIRN_PROJECTIONS_READ_MODEL_FILE_H_
#define CAIRN_PROJECTIONS_READ_MODEL_FILE_H_

#include <string>

#include "store/status.h"

namespace cairn::projections {

class ReadModelFile {
 public:
  ReadModelFile(std::string directory, std::string name);

  // The link every client opens.
  std::string path() const;
  // The generation the link points to now; 0 when there is none.
  int current() const;
  // The file of generation `generation`.
  std::string generation_path(int generation) const;
  // Where a rebuild writes generation `generation` until it is complete and
  // synced; only then is it renamed to generation_path, so that nothing ever
  // adopts a half-built file.
  std::string building_path(int generation) const;
  // The lock held by the process that runs the read model's projector, and
  // the one held by a rebuild of it. Lock files are never deleted.
  std::string lock_path() const;
  std::string rebuild_lock_path() const;

  // Points the link at generation 1 when there is no link yet.
  Status EnsureExists() const;
  // Points the link at `generation` in one rename, then deletes the files of
  // the generation it replaced (readers that have them open keep them).
  Status SwapTo(int generation) const;
  // Renames the finished `generation` from its building path to its
  // generation path, durably.
  Status Finish(int generation) const;
  // Deletes the link and every generation's files; the caller holds both locks.
  Status Remove() const;
  // Deletes a generation's files (database, -wal, -shm), finished or not.
  void RemoveGeneration(int generation) const;
  // Deletes what rebuilds that never finished left behind; the caller holds
  // the rebuild lock.
  void DiscardUnfinished() const;

 private:
  std::string directory_;
  std::string name_;
};

}  // namespace cairn::projections

#endif  // CAIRN_PROJECTIONS_READ_MODEL_FILE_H_
