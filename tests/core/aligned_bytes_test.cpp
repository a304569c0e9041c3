#include "core/aligned_bytes.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>

#include "core/error.h"

namespace hearth {
namespace {

uintptr_t address(const AlignedBytes& b) { return reinterpret_cast<uintptr_t>(b.data()); }

// The lines of /proc/self/smaps for the mapping that holds p: its
// AnonHugePages field in kB, or -1 when the kernel does not report it.
long anon_huge_kb_at(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > line.find(' ')) {
      inside = lo <= at && at < hi;
    } else if (inside && line.rfind("AnonHugePages:", 0) == 0) {
      return std::stol(line.substr(14));
    }
  }
  return -1;
}

TEST(AlignedBytes, EmptyHoldsNothing) {
  AlignedBytes none(0, "nothing");
  EXPECT_EQ(none.data(), nullptr);
  EXPECT_EQ(none.size(), 0u);
}

TEST(AlignedBytes, SmallIs64ByteAlignedAndWritable) {
  for (size_t n : {size_t{1}, size_t{63}, size_t{4096}, size_t{1000003}}) {
    AlignedBytes b(n, "test");
    ASSERT_NE(b.data(), nullptr);
    EXPECT_EQ(b.size(), n);
    EXPECT_EQ(address(b) % 64, 0u) << n;
    std::memset(b.data(), 0xab, n);
    EXPECT_EQ(b.data()[n - 1], 0xab);
  }
}

TEST(AlignedBytes, LargeIsHugePageAlignedAndWritableToTheLastByte) {
  const size_t n = (size_t{5} << 20) + 12345;  // not a whole number of pages
  AlignedBytes b(n, "test");
  ASSERT_NE(b.data(), nullptr);
  EXPECT_EQ(b.size(), n);
  EXPECT_EQ(address(b) % (size_t{2} << 20), 0u);
  std::memset(b.data(), 0x5a, n);
  EXPECT_EQ(b.data()[0], 0x5a);
  EXPECT_EQ(b.data()[n - 1], 0x5a);
}

TEST(AlignedBytes, LargeIsOnHugePagesWhereTheKernelAllowsAdvice) {
  std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string setting;
  std::getline(mode, setting);
  if (setting.find("[never]") != std::string::npos || setting.empty()) GTEST_SKIP() << "transparent huge pages are off";
  AlignedBytes b(size_t{8} << 20, "test");
  std::memset(b.data(), 1, b.size());
  const long kb = anon_huge_kb_at(b.data());
  if (kb < 0) GTEST_SKIP() << "smaps reports no AnonHugePages";
  // Memory may be too fragmented for every page, but not for none of four.
  EXPECT_GT(kb, 0) << "THP is '" << setting << "'";
}

TEST(AlignedBytes, MoveTransfersOwnership) {
  AlignedBytes a(size_t{3} << 20, "test");
  uint8_t* p = a.data();
  AlignedBytes b(std::move(a));
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(a.size(), 0u);
  AlignedBytes c(100, "test");
  c = std::move(b);
  EXPECT_EQ(c.data(), p);
  EXPECT_EQ(c.size(), size_t{3} << 20);
}

TEST(AlignedBytes, ReserveGrowsOnlyWhenAskedForMore) {
  AlignedBytes b;
  uint8_t* small = b.reserve(100, "test");
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(b.reserve(50, "test"), small);
  EXPECT_EQ(b.size(), 100u);
  uint8_t* large = b.reserve(size_t{4} << 20, "test");
  ASSERT_NE(large, nullptr);
  EXPECT_EQ(b.size(), size_t{4} << 20);
  large[(size_t{4} << 20) - 1] = 7;
  EXPECT_EQ(b.data()[(size_t{4} << 20) - 1], 7);
}

TEST(AlignedBytes, ImpossibleSizeIsAnErrorNamingWhatItWasFor) {
  try {
    AlignedBytes b(SIZE_MAX / 2, "packed weights");
    FAIL() << "allocated SIZE_MAX / 2 bytes";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("out of memory"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("packed weights"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hearth
