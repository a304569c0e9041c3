#include "core/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <utility>

namespace hearth {

namespace {
// After a task a worker spins this long for the next one before it sleeps:
// per-token dispatches come every few tens of microseconds, and a sleep and
// wake-up costs more than the work of a small op.
constexpr int64_t kSpinNs = 2'000'000;

// One round of a spin-wait: a pause instruction for the first rounds, then
// yielding the core, so that a thread the waiter depends on gets to run when
// there are more threads than cores.
constexpr int kPauseRounds = 100;
inline void relax(int spin) {
#if defined(__x86_64__) || defined(__i386__)
  if (spin < kPauseRounds) {
    __builtin_ia32_pause();
    return;
  }
#endif
  std::this_thread::yield();
}

int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_seq_cst);
  {
    std::lock_guard<std::mutex> lock(mutex_);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::dispatch(Task task, void* ctx) {
  if (n_threads_ == 1) {
    task(ctx, 0, 1);
    return;
  }
  task_ = task;
  ctx_ = ctx;
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  // seq_cst pairs with the sleeper's increment in await_generation: either
  // it sees the new generation before it waits, or we see it counted.
  generation_.fetch_add(1, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  }
  call(0);
  for (int spin = 1; pending_.load(std::memory_order_acquire) != 0; ++spin) relax(spin);
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void ThreadPool::call(int ith) {
  try {
    task_(ctx_, ith, n_threads_);
  } catch (...) {
    std::lock_guard<std::mutex> lock(error_mutex_);
    if (!error_) error_ = std::current_exception();
  }
}

uint64_t ThreadPool::await_generation(uint64_t seen) {
  uint64_t gen = generation_.load(std::memory_order_acquire);
  if (gen != seen) return gen;
  const int64_t deadline = monotonic_ns() + kSpinNs;
  for (int spin = 1;; ++spin) {
    relax(spin);
    gen = generation_.load(std::memory_order_acquire);
    if (gen != seen) return gen;
    if (spin % 64 == 0 && monotonic_ns() > deadline) break;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  wake_.wait(lock, [&] { return generation_.load(std::memory_order_seq_cst) != seen; });
  sleepers_.fetch_sub(1, std::memory_order_relaxed);
  return generation_.load(std::memory_order_acquire);
}

void ThreadPool::worker(int ith) {
  uint64_t seen = 0;
  for (;;) {
    seen = await_generation(seen);
    if (stop_.load(std::memory_order_relaxed)) return;
    call(ith);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

int ThreadPool::default_threads() {
  // Count distinct (physical id, core id) pairs: SMT siblings share a core and
  // add little to memory-bound decoding.
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::set<std::pair<std::string, std::string>> cores;
  std::string line, physical = "0";
  while (std::getline(cpuinfo, line)) {
    auto value = [&] { return line.substr(line.find(':') + 1); };
    if (line.rfind("physical id", 0) == 0) physical = value();
    if (line.rfind("core id", 0) == 0) cores.emplace(physical, value());
  }
  int logical = static_cast<int>(std::thread::hardware_concurrency());
  int n = cores.empty() ? logical : static_cast<int>(cores.size());
  return std::max(1, n);
}

}  // namespace hearth
