#pragma once
// A pull's progress as ollama prints it: one line per step, and for each
// blob a bar with its size — redrawn in place with bytes so far, rate and
// time left on a terminal, printed once when it is complete otherwise (and
// every ten seconds during a long download):
//
//   pulling manifest
//   pulling 2bada8a74506... 100% ▕████████████████▏ 397 MB
//   verifying sha256 digest
//   writing manifest
//   success
#include <chrono>
#include <cstdio>
#include <deque>
#include <string>

#include "store/progress.h"
#include "store/pull.h"

namespace hearth::cli {

class PullProgress {
 public:
  explicit PullProgress(std::FILE* out);
  ~PullProgress() { end_line(); }
  void operator()(const store::ProgressEvent& e);
  void end_line();

 private:
  std::string bar_line(const store::ProgressEvent& e, int bar_width) const;
  double rate() const;

  std::FILE* out_;
  bool tty_;
  bool open_ = false;
  std::string blob_;      // the status of the blob being shown
  std::string finished_;  // the last blob shown complete
  std::chrono::steady_clock::time_point last_plain_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, uint64_t>> samples_;
};

// Pulls `name` into the store at $HEARTH_MODELS with progress on standard
// error; warnings are printed there too. Throws hearth::Error.
store::PullResult pull_with_progress(const std::string& name, bool insecure);

// ollama's way of writing a time left: "24s", "3m12s", "1h5m".
std::string format_eta(double seconds);

}  // namespace hearth::cli
