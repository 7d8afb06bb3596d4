#include "tests/soak/read_models.h"

#include <algorithm>
#include <filesystem>

#include "engine/event_types.h"
#include "examples/commerce/commerce.h"
#include "examples/commerce/read_models.h"
#include "projections/database.h"
#include "projections/runner.h"
#include "tests/testing/subprocess.h"

namespace cairn::soak {
namespace {

// Every row of every table of the model but the runner's, in a fixed order,
// one line each.
Result<std::vector<std::string>> Rows(const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(auto db, projections::Database::OpenReadOnly(path));
  CAIRN_ASSIGN_OR_RETURN(projections::Statement tables,
                         db->Prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'cairn%'"
                                     " AND name NOT LIKE 'sqlite%' ORDER BY name"));
  std::vector<std::string> names;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(bool row, tables.Step());
    if (!row) break;
    names.push_back(tables.Text(0));
  }
  std::vector<std::string> rows;
  for (const std::string& table : names) {
    CAIRN_ASSIGN_OR_RETURN(projections::Statement select, db->Prepare("SELECT * FROM " + table));
    const size_t first = rows.size();
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      std::string line = table;
      for (int c = 0; c < select.columns(); ++c) {
        line += '|' + (select.IsNull(c) ? std::string("NULL") : select.Text(c));
      }
      rows.push_back(std::move(line));
    }
    std::sort(rows.begin() + first, rows.end());
  }
  return rows;
}

}  // namespace

std::vector<std::string> ReadModelNames() {
  EventTypeRegistry types;
  commerce::RegisterCommerceEvents(types);
  std::vector<std::string> names;
  for (const auto& model : commerce::CommerceReadModels(types)) names.push_back(model->name());
  return names;
}

Status RebuildFresh(const std::string& data_dir, const std::string& fresh_dir) {
  std::error_code error;
  std::filesystem::create_directories(fresh_dir, error);
  for (const auto& entry : std::filesystem::directory_iterator(data_dir, error)) {
    if (entry.path().filename() == "projections") continue;
    std::filesystem::copy(entry.path(), fresh_dir / entry.path().filename(), std::filesystem::copy_options::recursive,
                          error);
    if (error) return InternalError("copying " + entry.path().string() + ": " + error.message());
  }
  testing::ProcessResult rebuilt =
      testing::Run(CAIRN_CLI_PATH, {"--data-dir", fresh_dir, "projections", "rebuild", "--all"});
  if (rebuilt.exit_code != 0) return InternalError("cairn projections rebuild --all: " + rebuilt.err);
  return OkStatus();
}

std::vector<std::string> DifferingReadModels(const std::string& projections, const std::string& fresh) {
  std::vector<std::string> differing;
  for (const std::string& model : ReadModelNames()) {
    auto rows = Rows(projections::ReadModelPath(projections, model));
    auto expected = Rows(projections::ReadModelPath(fresh, model));
    if (!rows.ok() || !expected.ok()) {
      differing.push_back(model + " (" + (rows.ok() ? expected.status() : rows.status()).ToString() + ")");
      continue;
    }
    if (*rows == *expected) continue;
    auto [a, b] = std::mismatch(rows->begin(), rows->end(), expected->begin(), expected->end());
    differing.push_back(model + " (" + std::to_string(rows->size()) + " rows, a fresh rebuild has " +
                        std::to_string(expected->size()) + "; first difference: " +
                        (a != rows->end() ? *a : "none") + " vs " + (b != expected->end() ? *b : "none") + ")");
  }
  return differing;
}

}  // namespace cairn::soak
