// The chaos soak's view of the commerce read models: their names, a fresh
// rebuild to compare against, and the comparison itself.
#ifndef CAIRN_TESTS_SOAK_READ_MODELS_H_
#define CAIRN_TESTS_SOAK_READ_MODELS_H_

#include <string>
#include <vector>

#include "store/status.h"

namespace cairn::soak {

std::vector<std::string> ReadModelNames();

// Copies the stopped service's store to `fresh_dir` and builds the read
// models there with `cairn projections rebuild --all`.
Status RebuildFresh(const std::string& data_dir, const std::string& fresh_dir);

// The read models under `projections` that differ from those under `fresh`,
// each with its first differing row. Their tables are compared, not the
// runners' bookkeeping (checkpoint, offsets, stream versions), which differs
// by feed.
std::vector<std::string> DifferingReadModels(const std::string& projections, const std::string& fresh);

}  // namespace cairn::soak

#endif  // CAIRN_TESTS_SOAK_READ_MODELS_H_
