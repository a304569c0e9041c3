// JSON as Go's encoding/json writes it (what ollama's blobs hold).
#include "store/go_json.h"
#include "store_test_util.h"

namespace hearth::testing {
namespace {

using nlohmann::ordered_json;
using store::go_json;

TEST(GoJson, CompactInOrderWithANewline) {
  ordered_json j = ordered_json::object();
  j["z"] = 1;
  j["a"] = ordered_json::array({true, false, nullptr});
  j["m"] = ordered_json::object();
  EXPECT_EQ(go_json(j), "{\"z\":1,\"a\":[true,false,null],\"m\":{}}\n");
}

TEST(GoJson, EscapesStringsAsGoDoes) {
  EXPECT_EQ(go_json("<|im_end|>"), "\"\\u003c|im_end|\\u003e\"\n");
  EXPECT_EQ(go_json("a&b"), "\"a\\u0026b\"\n");
  EXPECT_EQ(go_json("q\"b\\s/"), "\"q\\\"b\\\\s/\"\n");
  EXPECT_EQ(go_json("\n\r\t\b\f\x01\x1f"), "\"\\n\\r\\t\\b\\f\\u0001\\u001f\"\n");
  EXPECT_EQ(go_json("\xE2\x80\xA8|\xE2\x80\xA9"), "\"\\u2028|\\u2029\"\n");
  EXPECT_EQ(go_json("caf\xC3\xA9 \xE4\xBD\xA0"), "\"caf\xC3\xA9 \xE4\xBD\xA0\"\n");  // other UTF-8 as is
}

TEST(GoJson, NumbersAsGoWritesFloat64) {
  auto num = [](double v) { return go_json(ordered_json(v)); };
  EXPECT_EQ(num(0.7), "0.7\n");
  EXPECT_EQ(num(1.0), "1\n");
  EXPECT_EQ(num(100.0), "100\n");
  EXPECT_EQ(num(0.1 + 0.2), "0.30000000000000004\n");
  EXPECT_EQ(num(1e-7), "1e-7\n");
  EXPECT_EQ(num(1.5e-10), "1.5e-10\n");
  EXPECT_EQ(num(0.000001), "0.000001\n");
  EXPECT_EQ(num(1e21), "1e+21\n");
  EXPECT_EQ(num(123456789012345678.0), "123456789012345680\n");
  EXPECT_EQ(go_json(ordered_json(-42)), "-42\n");
  EXPECT_EQ(go_json(ordered_json(uint64_t(18446744073709551615ull))), "18446744073709551615\n");
}

TEST(GoFormat, FloatsAsPercentV) {
  EXPECT_EQ(store::go_format_float(0.7), "0.7");
  EXPECT_EQ(store::go_format_float(4096), "4096");
  EXPECT_EQ(store::go_format_float(123456), "123456");
  EXPECT_EQ(store::go_format_float(1e6), "1e+06");
  EXPECT_EQ(store::go_format_float(1048576), "1.048576e+06");
  EXPECT_EQ(store::go_format_float(0.0001), "0.0001");
  EXPECT_EQ(store::go_format_float(0.00001), "1e-05");
  EXPECT_EQ(store::go_format_float(-2.5), "-2.5");
  EXPECT_EQ(store::go_format_float(0), "0");
}

TEST(GoFormat, QuotesAsPercentSharpV) {
  EXPECT_EQ(store::go_quote("<|im_end|>"), "\"<|im_end|>\"");
  EXPECT_EQ(store::go_quote("a\"b\\c\n\t\x01"), "\"a\\\"b\\\\c\\n\\t\\x01\"");
  EXPECT_EQ(store::go_quote("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
}

}  // namespace
}  // namespace hearth::testing
