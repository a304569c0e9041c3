#include "cli/pull_progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "store/human_format.h"
#include "store/store.h"

namespace hearth::cli {

namespace {

using Clock = std::chrono::steady_clock;

int terminal_width(std::FILE* out) {
  winsize ws{};
  if (::ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

std::string bar(int width, double fraction) {
  const int full = static_cast<int>(std::floor(std::clamp(fraction, 0.0, 1.0) * width));
  std::string s = "▕";
  for (int i = 0; i < width; ++i) s += i < full ? "█" : " ";
  return s + "▏";
}

}  // namespace

std::string format_eta(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  return std::to_string(s / 3600) + "h" + std::to_string((s % 3600) / 60) + "m";
}

PullProgress::PullProgress(std::FILE* out) : out_(out), tty_(isatty(fileno(out))) {}

void PullProgress::end_line() {
  if (open_) std::fputs("\n", out_);
  open_ = false;
  std::fflush(out_);
}

double PullProgress::rate() const {
  if (samples_.size() < 2) return 0;
  const double dt = std::chrono::duration<double>(samples_.back().first - samples_.front().first).count();
  return dt > 0 ? static_cast<double>(samples_.back().second - samples_.front().second) / dt : 0;
}

std::string PullProgress::bar_line(const store::ProgressEvent& e, int bar_width) const {
  const double fraction = e.total ? static_cast<double>(e.completed) / static_cast<double>(e.total) : 1.0;
  char percent[8];
  std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(fraction * 100));
  std::string line = e.status + "... " + percent + " " + bar(bar_width, fraction) + " ";
  if (e.completed >= e.total) return line + store::human_bytes(e.total);
  line += store::human_bytes(e.completed) + "/" + store::human_bytes(e.total);
  if (const double r = rate(); r > 0)
    line += "  " + store::human_bytes(static_cast<uint64_t>(r)) + "/s  " +
            format_eta(static_cast<double>(e.total - e.completed) / r);
  return line;
}

void PullProgress::operator()(const store::ProgressEvent& e) {
  const auto now = Clock::now();
  if (e.total == 0) {
    end_line();
    std::fprintf(out_, "%s\n", e.status.c_str());
    std::fflush(out_);
    blob_.clear();
    return;
  }
  if (e.status == finished_) return;  // its complete line is out
  if (e.status != blob_) {
    end_line();
    blob_ = e.status;
    samples_.clear();
    last_plain_ = now;
  }
  samples_.emplace_back(now, e.completed);
  while (samples_.size() > 2 && now - samples_.front().first > std::chrono::seconds(5)) samples_.pop_front();
  const bool done = e.completed >= e.total;
  if (tty_) {
    const int width = std::clamp(terminal_width(out_) - 70, 10, 50);
    std::fprintf(out_, "\r%s\x1b[K", bar_line(e, width).c_str());
    open_ = true;
    if (done) end_line();
  } else if (done || now - last_plain_ >= std::chrono::seconds(10)) {
    std::fprintf(out_, "%s\n", bar_line(e, 16).c_str());
    last_plain_ = now;
  }
  if (done) finished_ = e.status;
  std::fflush(out_);
}

store::PullResult pull_with_progress(const std::string& name, bool insecure) {
  store::Store store = store::Store::open();
  store::PullOptions options;
  options.insecure = insecure;
  PullProgress printer(stderr);
  store::PullResult result = store::pull(store, name, options, std::ref(printer));
  printer.end_line();
  for (const std::string& w : result.warnings) std::fprintf(stderr, "hearth: warning: %s\n", w.c_str());
  return result;
}

}  // namespace hearth::cli
