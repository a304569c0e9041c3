#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth {
namespace {

TEST(Utf8, SequenceLength) {
  EXPECT_EQ(utf8_sequence_length('a'), 1u);
  EXPECT_EQ(utf8_sequence_length(0x7f), 1u);
  EXPECT_EQ(utf8_sequence_length(0xc3), 2u);
  EXPECT_EQ(utf8_sequence_length(0xdf), 2u);
  EXPECT_EQ(utf8_sequence_length(0xe2), 3u);
  EXPECT_EQ(utf8_sequence_length(0xef), 3u);
  EXPECT_EQ(utf8_sequence_length(0xf0), 4u);
  EXPECT_EQ(utf8_sequence_length(0xf4), 4u);
  EXPECT_EQ(utf8_sequence_length(0x80), 1u);  // continuation byte: advance by one
  EXPECT_EQ(utf8_sequence_length(0xbf), 1u);
  EXPECT_EQ(utf8_sequence_length(0xf8), 1u);  // never valid
  EXPECT_EQ(utf8_sequence_length(0xff), 1u);
}

TEST(Utf8, CompleteTextHasNoTail) {
  EXPECT_EQ(utf8_incomplete_tail(""), 0u);
  EXPECT_EQ(utf8_incomplete_tail("hello"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("\xc3\xa9"), 0u);              // é
  EXPECT_EQ(utf8_incomplete_tail("caf\xc3\xa9"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("\xe2\x82\xac"), 0u);          // €
  EXPECT_EQ(utf8_incomplete_tail("1 \xe2\x82\xac"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("\xf0\x9f\x98\x80"), 0u);      // 😀
  EXPECT_EQ(utf8_incomplete_tail("ok \xf0\x9f\x98\x80"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("\xf0\x9f\x98\x80\xc3\xa9"), 0u);
}

TEST(Utf8, IncompleteTwoByte) {
  EXPECT_EQ(utf8_incomplete_tail("\xc3"), 1u);
  EXPECT_EQ(utf8_incomplete_tail("caf\xc3"), 1u);
  EXPECT_EQ(utf8_incomplete_tail("\xe2\x82\xac\xc3"), 1u);
}

TEST(Utf8, IncompleteThreeByte) {
  EXPECT_EQ(utf8_incomplete_tail("\xe2"), 1u);
  EXPECT_EQ(utf8_incomplete_tail("\xe2\x82"), 2u);
  EXPECT_EQ(utf8_incomplete_tail("price \xe2\x82"), 2u);
  EXPECT_EQ(utf8_incomplete_tail("\xc3\xa9\xe2"), 1u);
}

TEST(Utf8, IncompleteFourByte) {
  EXPECT_EQ(utf8_incomplete_tail("\xf0"), 1u);
  EXPECT_EQ(utf8_incomplete_tail("\xf0\x9f"), 2u);
  EXPECT_EQ(utf8_incomplete_tail("\xf0\x9f\x98"), 3u);
  EXPECT_EQ(utf8_incomplete_tail("hi \xf0\x9f\x98"), 3u);
  EXPECT_EQ(utf8_incomplete_tail("\xe2\x82\xac\xf0\x9f"), 2u);
}

TEST(Utf8, EveryPrefixOfAMixedString) {
  // Cutting a valid string anywhere leaves a tail exactly as long as the
  // part of the cut character that is present.
  const std::string s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";
  const size_t starts[] = {0, 1, 3, 6, 10, 11};  // character boundaries
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    size_t start = 0;
    for (size_t b : starts)
      if (b <= cut) start = b;
    EXPECT_EQ(utf8_incomplete_tail(std::string_view(s).substr(0, cut)), cut - start) << "cut " << cut;
  }
}

TEST(Utf8, InvalidBytesAreNotHeldBack) {
  EXPECT_EQ(utf8_incomplete_tail("\x80"), 0u);              // stray continuation
  EXPECT_EQ(utf8_incomplete_tail("\x80\x80\x80\x80\x80"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("\xff"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("\xe2z"), 0u);             // broken sequence, ends on ASCII
}

}  // namespace
}  // namespace hearth
