#pragma once
// A persistent pool of worker threads. run(fn) calls fn(ith, nth) once on each
// of the nth threads (the calling thread is ith == 0) and returns when all have
// finished. Dispatch passes a function reference, so it allocates nothing, and
// takes no lock while the workers are awake: they spin on an atomic generation
// counter for a while after each task and only then sleep on the condition
// variable, which the dispatcher signals only when someone sleeps.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <type_traits>
#include <mutex>
#include <thread>
#include <vector>

namespace hearth {

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // If fn throws on any thread, the first exception is rethrown here after
  // every thread has finished.
  template <typename Fn>
  void run(Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    auto trampoline = [](void* ctx, int ith, int nth) { (*static_cast<F*>(ctx))(ith, nth); };
    dispatch(trampoline, const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // Splits [0, n) into nth contiguous ranges; range(ith) for this thread.
  static void split(int64_t n, int ith, int nth, int64_t& begin, int64_t& end) {
    const int64_t per = (n + nth - 1) / nth;
    begin = std::min<int64_t>(n, per * ith);
    end = std::min<int64_t>(n, begin + per);
  }

  // Number of physical cores, or the logical count where that is unknown.
  static int default_threads();

 private:
  using Task = void (*)(void*, int, int);
  void dispatch(Task task, void* ctx);
  void worker(int ith);
  void call(int ith);
  // Waits until generation_ differs from seen and returns it.
  uint64_t await_generation(uint64_t seen);

  int n_threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  Task task_ = nullptr;
  void* ctx_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::mutex error_mutex_;
  std::exception_ptr error_;  // first exception of the current dispatch
};

}  // namespace hearth
