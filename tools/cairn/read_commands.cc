// cairn read STREAM ... and cairn replay ...: events as JSON Lines.
#include <cstdio>
#include <optional>

#include "engine/event_types.h"
#include "examples/commerce/commerce.h"
#include "store/subscription.h"
#include "tools/cairn/cli.h"
#include "tools/cairn/event_json.h"

namespace cairn::cli {
namespace {

constexpr size_t kPageSize = 1024;

struct ReadArgs {
  std::string stream;
  uint64_t from = 0;
  bool backward = false;
  uint64_t limit = UINT64_MAX;
  bool upcast = false;
};

struct ReplayArgs {
  uint64_t from = 1;
  uint64_t to = UINT64_MAX;
  std::string category;
  std::string type;
  bool follow = false;
  bool upcast = false;
  bool skip_damaged = false;
};

// Prints events as stored, or with `upcast` in the current shape of the
// domains the tool knows (the commerce upcasters).
class Printer {
 public:
  Printer(EventStore& store, bool upcast) : renderer_(store), upcast_(upcast) {
    commerce::RegisterCommerceEvents(types_);
  }
  Status Print(const RecordedEvent& stored) {
    std::string line;
    if (upcast_) {
      CAIRN_ASSIGN_OR_RETURN(RecordedEvent current, types_.Upcast(stored));
      line = EventJsonLine(current, renderer_);
    } else {
      line = EventJsonLine(stored, renderer_);
    }
    line.push_back('\n');
    if (!WriteOut(line)) closed_ = true;
    return OkStatus();
  }
  // The reader of stdout has gone: stop printing.
  bool closed() const { return closed_; }

 private:
  bool closed_ = false;
  PayloadRenderer renderer_;
  EventTypeRegistry types_;
  bool upcast_;
};

int RunRead(const Context& context, const ReadArgs& args, bool from_given) {
  auto store = OpenForReading(context);
  if (!store.ok()) return Fail(store.status());
  Printer printer(**store, args.upcast);
  ReadStreamOptions options;
  options.backward = args.backward;
  options.from_version = args.backward && !from_given ? kStreamEnd : args.from;
  uint64_t left = args.limit;
  while (left > 0) {
    options.max_count = std::min<uint64_t>(left, kPageSize);
    auto page = (*store)->ReadStream(args.stream, options);
    if (!page.ok()) return Fail(page.status());
    for (const RecordedEvent& event : *page) {
      if (Status printed = printer.Print(event); !printed.ok()) return Fail(printed);
      if (printer.closed()) return kExitOk;
    }
    left -= page->size();
    if (page->size() < options.max_count) break;
    const uint64_t last = page->back().version;
    if (args.backward && last == 0) break;
    options.from_version = args.backward ? last - 1 : last + 1;
  }
  return kExitOk;
}

// Past damaged records one global position at a time, from `from` up to one
// page: prints what reads, reports what does not. Returns the next position.
uint64_t SkipDamaged(EventStore& store, const ReplayArgs& args, uint64_t from, Printer& printer,
                     uint64_t& skipped) {
  constexpr uint64_t kReported = 20;
  uint64_t position = from;
  for (; position < from + kPageSize && position <= std::min(args.to, store.HeadPosition()); ++position) {
    auto one = store.ReadAll(position, 1);
    if (!one.ok()) {
      if (++skipped <= kReported) {
        std::fprintf(stderr, "cairn: skipped damaged global position %llu: %s\n",
                     static_cast<unsigned long long>(position), one.status().message().c_str());
      }
      continue;
    }
    if (one->empty()) break;
    const RecordedEvent& event = one->front();
    if (!args.category.empty() && CategoryOf(event.stream) != args.category) continue;
    if (!args.type.empty() && event.type != args.type) continue;
    if (Status printed = printer.Print(event); !printed.ok() || printer.closed()) return position + 1;
  }
  return position;
}

int RunReplay(const Context& context, const ReplayArgs& args) {
  if (args.from > args.to) return Fail(InvalidArgumentError("--from is after --to"));
  auto store = OpenForReading(context);
  if (!store.ok()) return Fail(store.status());
  Printer printer(**store, args.upcast);
  InstallStopSignals();
  // Without --follow, replay ends at the head as it was when the replay began.
  const uint64_t end = args.follow ? args.to : std::min(args.to, (*store)->HeadPosition());
  SubscriptionOptions options;
  options.from_position = args.from;
  if (!args.category.empty()) options.categories = {args.category};
  options.page_size = kPageSize;
  std::optional<CatchUpSubscription> subscription(std::in_place, **store, options);
  uint64_t skipped = 0;
  while (!StopRequested() && !printer.closed() && subscription->next_position() <= end) {
    if (!args.follow && subscription->next_position() > (*store)->HeadPosition()) break;
    auto page = subscription->Next(std::chrono::milliseconds(args.follow ? 200 : 0));
    if (!page.ok()) {
      if (page.status().code() != StatusCode::kDataLoss) return Fail(page.status());
      if (!args.skip_damaged) {
        return Fail(DataLossError(page.status().message() + "; `replay --skip-damaged` goes on past it"));
      }
      options.from_position = SkipDamaged(**store, args, subscription->next_position(), printer, skipped);
      subscription.emplace(**store, options);
      continue;
    }
    for (const RecordedEvent& event : *page) {
      if (event.position > end) break;
      if (!args.type.empty() && event.type != args.type) continue;
      if (Status printed = printer.Print(event); !printed.ok()) return Fail(printed);
      if (printer.closed()) break;
    }
    if (args.follow) std::fflush(stdout);
  }
  if (skipped > 0) {
    return Fail(DataLossError("replay skipped " + std::to_string(skipped) + " damaged records; `cairn verify` lists them"));
  }
  return kExitOk;
}

}  // namespace

void AddReadCommands(CLI::App& app, Context& context) {
  auto read = std::make_shared<ReadArgs>();
  CLI::App* read_command = app.add_subcommand("read", "Print one stream's events as JSON Lines");
  read_command->add_option("stream", read->stream, "Stream id")->required();
  auto* from = read_command->add_option("--from", read->from, "First version (default: the first, or the last with --backward)")
                   ->check(WholeNumber(0));
  read_command->add_flag("--backward", read->backward, "Newest first");
  read_command->add_option("--limit", read->limit, "At most this many events")->check(WholeNumber(1));
  read_command->add_flag("--upcast", read->upcast, "Old event shapes in their current shape (default: as stored)");
  read_command->callback([&context, read, from] {
    const bool from_given = from->count() > 0;
    context.run = [&context, read, from_given] { return RunRead(context, *read, from_given); };
  });

  auto replay = std::make_shared<ReplayArgs>();
  CLI::App* replay_command =
      app.add_subcommand("replay", "Print `$all` in global position order as JSON Lines");
  replay_command->add_option("--from", replay->from, "First global position (default 1)")->check(WholeNumber(1));
  replay_command->add_option("--to", replay->to, "Last global position (default: the head)")->check(WholeNumber(1));
  replay_command->add_option("--category", replay->category, "Only this category (order)");
  replay_command->add_option("--type", replay->type, "Only events of this type");
  replay_command->add_flag("--follow", replay->follow, "Keep printing new events until SIGINT/SIGTERM");
  replay_command->add_flag("--upcast", replay->upcast, "Old event shapes in their current shape (default: as stored)");
  replay_command->add_flag("--skip-damaged", replay->skip_damaged,
                           "Report damaged records on stderr and go on past them (exit 6 at the end)");
  replay_command->callback([&context, replay] { context.run = [&context, replay] { return RunReplay(context, *replay); }; });
}

}  // namespace cairn::cli
