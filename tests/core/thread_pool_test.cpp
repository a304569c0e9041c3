#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace hearth {
namespace {

TEST(ThreadPool, SizeIsAtLeastOne) {
  EXPECT_EQ(ThreadPool(0).size(), 1);
  EXPECT_EQ(ThreadPool(-3).size(), 1);
  EXPECT_EQ(ThreadPool(1).size(), 1);
  EXPECT_EQ(ThreadPool(3).size(), 3);
  EXPECT_GE(ThreadPool::default_threads(), 1);
}

// Each dispatch calls fn(ith, nth) exactly once for every ith in [0, nth),
// and run() returns only after all of them have finished: the counts are
// checked right after each run() returns.
TEST(ThreadPool, RunCallsEachThreadOncePerDispatch) {
  constexpr int kDispatches = 10000;
  for (int nth = 1; nth <= 4; ++nth) {
    SCOPED_TRACE(nth);
    ThreadPool pool(nth);
    std::array<std::atomic<int>, 4> calls{};
    std::atomic<int> bad_args{0};
    const auto main_id = std::this_thread::get_id();
    std::atomic<int> ith0_elsewhere{0};
    for (int d = 0; d < kDispatches; ++d) {
      pool.run([&](int ith, int n) {
        if (n != nth || ith < 0 || ith >= nth) {
          bad_args.fetch_add(1);
          return;
        }
        if (ith == 0 && std::this_thread::get_id() != main_id) ith0_elsewhere.fetch_add(1);
        calls[static_cast<size_t>(ith)].fetch_add(1, std::memory_order_relaxed);
      });
      for (int i = 0; i < nth; ++i) {
        const int c = calls[static_cast<size_t>(i)].load();
        ASSERT_EQ(c, d + 1) << "thread " << i << " after dispatch " << d;
      }
    }
    EXPECT_EQ(bad_args.load(), 0);
    EXPECT_EQ(ith0_elsewhere.load(), 0) << "ith 0 must run on the calling thread";
    for (int i = nth; i < 4; ++i) EXPECT_EQ(calls[static_cast<size_t>(i)].load(), 0);
  }
}

// Work written by the workers is visible to the caller once run() returns.
TEST(ThreadPool, ResultsVisibleAfterRun) {
  ThreadPool pool(4);
  std::vector<int64_t> out(1000);
  for (int round = 0; round < 200; ++round) {
    pool.run([&](int ith, int nth) {
      int64_t b, e;
      ThreadPool::split(static_cast<int64_t>(out.size()), ith, nth, b, e);
      for (int64_t i = b; i < e; ++i) out[static_cast<size_t>(i)] = i * round;
    });
    for (size_t i = 0; i < out.size(); ++i)
      ASSERT_EQ(out[i], static_cast<int64_t>(i) * round) << "round " << round << " index " << i;
  }
}

TEST(ThreadPool, ManyPoolsStartAndStop) {
  for (int i = 0; i < 50; ++i) {
    ThreadPool pool(1 + i % 4);
    std::atomic<int> n{0};
    if (i % 2) pool.run([&](int, int) { n.fetch_add(1); });
    EXPECT_EQ(n.load(), i % 2 ? 1 + i % 4 : 0);
  }  // destructors must not hang, dispatched or not
}

void check_split(int64_t n, int nth) {
  std::vector<int> covered(static_cast<size_t>(n), 0);
  int64_t prev_end = 0;
  for (int ith = 0; ith < nth; ++ith) {
    int64_t b = -1, e = -1;
    ThreadPool::split(n, ith, nth, b, e);
    ASSERT_LE(0, b);
    ASSERT_LE(b, e);
    ASSERT_LE(e, n);
    ASSERT_EQ(b, prev_end) << "ranges are contiguous, in ith order (n " << n << ", nth " << nth << ")";
    prev_end = e;
    for (int64_t i = b; i < e; ++i) ++covered[static_cast<size_t>(i)];
  }
  ASSERT_EQ(prev_end, n);
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(covered[static_cast<size_t>(i)], 1) << "n " << n << " nth " << nth << " index " << i;
}

TEST(ThreadPool, SplitCoversExactlyOnce) {
  for (int64_t n = 0; n <= 300; ++n)
    for (int nth = 1; nth <= 17; ++nth) check_split(n, nth);
  for (int64_t n : {1000, 1001, 4095, 4096, 151936, 1000003})
    for (int nth : {1, 2, 3, 4, 7, 8, 16, 64, 128}) check_split(n, nth);
}

TEST(ThreadPool, SplitIsBalanced) {
  // No range is longer than ceil(n / nth).
  for (int64_t n : {10, 100, 4096, 151936})
    for (int nth : {2, 3, 4, 8}) {
      for (int ith = 0; ith < nth; ++ith) {
        int64_t b, e;
        ThreadPool::split(n, ith, nth, b, e);
        EXPECT_LE(e - b, (n + nth - 1) / nth);
      }
    }
}

TEST(ThreadPool, AcceptsANamedCallable) {
  ThreadPool pool(3);
  std::atomic<int> calls{0};
  auto count = [&](int, int) { calls.fetch_add(1); };
  pool.run(count);
  EXPECT_EQ(calls.load(), 3);
}

TEST(ThreadPool, RethrowsAWorkersExceptionAndStaysUsable) {
  for (int n : {1, 3}) {
    ThreadPool pool(n);
    EXPECT_THROW(pool.run([&](int ith, int nth) {
      if (ith == nth - 1) throw std::runtime_error("boom");
    }), std::runtime_error);
    std::atomic<int> calls{0};
    pool.run([&](int, int) { calls.fetch_add(1); });
    EXPECT_EQ(calls.load(), n);
  }
}

}  // namespace
}  // namespace hearth
