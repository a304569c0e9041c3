// Sizes, counts and ages as ollama prints them.
#include "store/human_format.h"
#include "store_test_util.h"

namespace hearth::testing {
namespace {

using namespace std::chrono;

TEST(HumanFormat, Bytes) {
  EXPECT_EQ(store::human_bytes(397807936), "397 MB");
  EXPECT_EQ(store::human_bytes(4661224676), "4.7 GB");
  EXPECT_EQ(store::human_bytes(4620000000), "4.6 GB");
  EXPECT_EQ(store::human_bytes(4700000000), "4.7 GB");
  EXPECT_EQ(store::human_bytes(1126944), "1.1 MB");
  EXPECT_EQ(store::human_bytes(2000000000), "2 GB");
  EXPECT_EQ(store::human_bytes(10500000), "10 MB");
  EXPECT_EQ(store::human_bytes(1000), "1 KB");
  EXPECT_EQ(store::human_bytes(999), "999 B");
  EXPECT_EQ(store::human_bytes(0), "0 B");
  EXPECT_EQ(store::human_bytes(2500000000000), "2.5 TB");
}

TEST(HumanFormat, Numbers) {
  EXPECT_EQ(store::human_number(494032768), "494.03M");
  EXPECT_EQ(store::human_number(7615616512), "7.6B");
  EXPECT_EQ(store::human_number(8000000000), "8B");
  EXPECT_EQ(store::human_number(135000000), "135M");
  EXPECT_EQ(store::human_number(292352), "292K");
  EXPECT_EQ(store::human_number(999), "999");
}

TEST(HumanFormat, Ages) {
  const system_clock::time_point now = system_clock::now();
  auto ago = [&](auto d) { return store::human_time_ago(now - d, now); };
  EXPECT_EQ(ago(milliseconds(300)), "Less than a second ago");
  EXPECT_EQ(ago(seconds(1)), "1 second ago");
  EXPECT_EQ(ago(seconds(45)), "45 seconds ago");
  EXPECT_EQ(ago(seconds(90)), "About a minute ago");
  EXPECT_EQ(ago(minutes(2)), "2 minutes ago");
  EXPECT_EQ(ago(minutes(59)), "59 minutes ago");
  EXPECT_EQ(ago(minutes(80)), "About an hour ago");
  EXPECT_EQ(ago(hours(5)), "5 hours ago");
  EXPECT_EQ(ago(hours(47)), "47 hours ago");
  EXPECT_EQ(ago(hours(24 * 3)), "3 days ago");
  EXPECT_EQ(ago(hours(24 * 20)), "2 weeks ago");
  EXPECT_EQ(ago(hours(24 * 90)), "3 months ago");
  EXPECT_EQ(ago(hours(24 * 800)), "2 years ago");
  EXPECT_EQ(store::human_time_ago(now + minutes(5) + seconds(1), now), "5 minutes from now");
}

}  // namespace
}  // namespace hearth::testing
