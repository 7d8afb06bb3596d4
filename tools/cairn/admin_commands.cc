// cairn streams, cairn stats, cairn verify.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tools/cairn/cli.h"

namespace cairn::cli {
namespace {

int RunStreams(const Context& context, const std::string& category) {
  auto store = OpenForReading(context);
  if (!store.ok()) return Fail(store.status());
  std::string after;
  for (;;) {
    auto page = (*store)->ListStreams(category, after, 1024);
    if (!page.ok()) return Fail(page.status());
    for (const StreamHeadInfo& head : *page) {
      nlohmann::ordered_json line;
      line["stream"] = head.stream;
      line["last_version"] = head.last_version;
      line["last_position"] = head.last_position;
      std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    }
    if (page->size() < 1024) return kExitOk;
    after = page->back().stream;
  }
}

int RunStats(const Context& context) {
  auto store = OpenForReading(context);
  if (!store.ok()) return Fail(store.status());
  auto stats = (*store)->Stats();
  if (!stats.ok()) return Fail(stats.status());
  nlohmann::ordered_json out;
  out["events"] = stats->events;
  out["streams"] = stats->streams;
  out["categories"] = stats->categories;
  out["bytes"] = stats->bytes;
  out["last_position"] = stats->last_position;
  if (!stats->repairs.empty()) out["repairs"] = stats->repairs;
  std::cout << out.dump() << '\n';
  return kExitOk;
}

int RunVerify(const Context& context) {
  auto store = OpenForReading(context);
  if (!store.ok()) return Fail(store.status());
  VerifyOptions options;
  const bool terminal = isatty(STDERR_FILENO);
  if (terminal) {
    options.progress = [](uint64_t done, uint64_t total) {
      std::fprintf(stderr, "\rverified %llu of %llu events (%.0f%%)", static_cast<unsigned long long>(done),
                   static_cast<unsigned long long>(total), total ? 100.0 * done / total : 100.0);
    };
  }
  auto report = (*store)->Verify(options);
  if (terminal) std::fprintf(stderr, "\n");
  if (!report.ok()) return Fail(report.status());
  nlohmann::ordered_json out;
  out["ok"] = true;
  out["events"] = report->events;
  out["streams"] = report->streams;
  out["chain_head"] = report->chain_head;
  std::cout << out.dump() << '\n';
  return kExitOk;
}

int RunRepair(const Context& context, bool accept_loss) {
  auto report = RepairEventStore(context.data_dir, accept_loss);
  if (!report.ok()) return Fail(report.status());
  nlohmann::ordered_json out;
  out["damaged"] = !report->damage.empty();
  out["repaired"] = report->repaired;
  out["kept_head"] = report->kept_head;
  if (!report->damage.empty()) {
    out["damage"] = report->damage;
    out["lost_after"] = report->kept_head;  // every event after it, as many as the damaged log held
    out["lost_at_least"] = report->seen_head > report->kept_head ? report->seen_head - report->kept_head : 0;
  }
  if (!report->checkpoints_ahead.empty()) out["checkpoints_ahead"] = report->checkpoints_ahead;
  std::cout << out.dump() << '\n';
  if (report->damage.empty() || report->repaired) {
    std::fprintf(stderr, "cairn: %s\n", report->ToString().c_str());
    return kExitOk;
  }
  // A dry run over a damaged log: the store stays as it is, and unusable.
  std::fprintf(stderr, "cairn: error: %s; nothing was changed: run `cairn repair --accept-loss` to drop it\n",
               report->ToString().c_str());
  return kExitDamaged;
}

}  // namespace

void AddAdminCommands(CLI::App& app, Context& context) {
  auto category = std::make_shared<std::string>();
  CLI::App* streams = app.add_subcommand("streams", "List streams with their last version and global position");
  streams->add_option("--category", *category, "Only this category (order)");
  streams->callback([&context, category] { context.run = [&context, category] { return RunStreams(context, *category); }; });

  app.add_subcommand("stats", "Events, streams, categories, bytes on disk and the last global position")
      ->callback([&context] { context.run = [&context] { return RunStats(context); }; });

  app.add_subcommand("verify", "Check the hash chain, gaplessness and every index; exit 6 on damage")
      ->callback([&context] { context.run = [&context] { return RunVerify(context); }; });

  auto accept_loss = std::make_shared<bool>(false);
  CLI::App* repair = app.add_subcommand(
      "repair", "Past a damaged write-ahead log: show what would be lost, or drop it with --accept-loss");
  repair->add_flag("--accept-loss", *accept_loss,
                   "Drop every event from the damage on, cut the indexes back, record the repair, verify");
  repair->callback([&context, accept_loss] {
    context.run = [&context, accept_loss] { return RunRepair(context, *accept_loss); };
  });
}

}  // namespace cairn::cli
