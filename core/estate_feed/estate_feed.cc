#include "core/estate_feed/estate_feed.h"

#include <filesystem>
#include <utility>

#include "core/base/logging.h"
#include "core/findings/estate_input.h"
#include "core/findings/findings_index.h"
#include "core/findings/results_location.h"

namespace nmcp::estate_feed {

EstateFeed::EstateFeed(store::TaskStore& store, estate::SqliteEstate& estate, std::string data_dir,
                       std::size_t batch)
    : store_(store), estate_(estate), data_dir_(std::move(data_dir)), batch_(batch) {}

Result<FeedTick> EstateFeed::tick(std::size_t max_tasks) {
  FeedTick tick;
  auto position = estate_.feed_position();
  if (!position) return fail(position.error());
  std::int64_t since = *position;
  std::size_t limit = batch_;
  std::size_t done = 0;
  while (done < max_tasks) {
    auto page = store_.finished_since(store::FinishedKind::Completed, since, limit);
    if (!page) return fail(page.error());
    if (page->empty()) break;
    // A full page of tasks that all finished in the position's millisecond would be read again
    // and again: read more at once instead.
    const auto finished = [](const task::Task& t) { return t.finished_at.value_or(0); };
    if (page->size() == limit && finished(page->front()) == since &&
        finished(page->back()) == since) {
      limit *= 2;
      continue;
    }
    bool stalled = false;
    for (const task::Task& t : *page) {
      // The position is inclusive: the tasks handled at it are read again; pass them by.
      if (finished(t) == since && handled_at_position_.count(t.id) != 0) continue;
      ++done;
      auto folded = estate_.folded(t.owner, t.id);
      if (!folded) return fail(folded.error());
      if (*folded) {
        ++tick.already;
      } else {
        auto paths = findings::results_paths(data_dir_, t.id);
        if (!paths || !std::filesystem::exists(paths->index_file)) {
          ++tick.no_results;
        } else {
          auto index = findings::FindingsIndex::open(paths->index_file);
          if (!index) {
            // A damaged index would stop every later fold: it is passed over, loudly.
            log::warn("estate", "a completed scan's findings index does not open; not folded",
                      {{"task", t.id}, {"error", index.error().message}});
            ++tick.unreadable;
            if (finished(t) != since) handled_at_position_.clear();
            since = finished(t);
            handled_at_position_.insert(t.id);
            continue;
          }
          auto report = estate_.fold(
              findings::scan_fold_of(**index, t.owner, t.id, t.started_at.value_or(t.created_at)));
          if (!report) {
            // Not passed over: the position stays here and the next tick tries again.
            log::warn("estate", "a completed scan could not be folded in",
                      {{"task", t.id}, {"error", report.error().message}});
            ++tick.failed;
            stalled = true;
            break;
          }
          ++tick.folded;
        }
      }
      if (finished(t) != since) handled_at_position_.clear();
      since = finished(t);
      handled_at_position_.insert(t.id);
    }
    if (auto s = estate_.set_feed_position(since); !s) return fail(s.error());
    if (stalled || page->size() < limit) break;
  }
  return tick;
}

}  // namespace nmcp::estate_feed
