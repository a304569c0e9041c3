// PARAMETER values typed as ollama types them.
#include "store/parameters.h"
#include "store_test_util.h"

namespace hearth::testing {
namespace {

using nlohmann::json;
using store::add_parameter;

TEST(Parameters, TypedAsOllamaTypesThem) {
  json p = json::object();
  add_parameter(p, "num_ctx", "4096");
  add_parameter(p, "temperature", "0.7");
  add_parameter(p, "top_p", "+0.9");
  add_parameter(p, "seed", "-1");
  add_parameter(p, "use_mmap", "false");
  add_parameter(p, "stop", "<|im_start|>");
  add_parameter(p, "stop", "<|im_end|>");
  add_parameter(p, "num_predict", "128");
  add_parameter(p, "num_predict", "256");  // a scalar is replaced
  EXPECT_EQ(p, json::parse(R"({"num_ctx":4096,"temperature":0.7,"top_p":0.9,"seed":-1,"use_mmap":false,
                               "stop":["<|im_start|>","<|im_end|>"],"num_predict":256})"));
  EXPECT_TRUE(p["num_ctx"].is_number_integer());
  EXPECT_TRUE(p["temperature"].is_number_float());
  // Floats are float32 values written in float32's shortest form, as Go writes them.
  add_parameter(p, "min_p", "0.1234567891");
  EXPECT_EQ(p["min_p"].dump(), "0.12345679");
}

TEST(Parameters, BoolsAsStrconvParseBool) {
  for (const char* t : {"1", "t", "T", "true", "TRUE", "True"}) {
    json p = json::object();
    add_parameter(p, "use_mmap", t);
    EXPECT_EQ(p["use_mmap"], true) << t;
  }
  json p = json::object();
  EXPECT_THROW(add_parameter(p, "use_mmap", "yes"), Error);
}

TEST(Parameters, RefusesUnknownNamesAndBadValues) {
  json p = json::object();
  const std::pair<std::pair<const char*, const char*>, const char*> cases[] = {
      {{"temprature", "0.7"}, "unknown parameter 'temprature'"},
      {{"tfs_z", "1"}, "unknown parameter 'tfs_z'"},
      {{"num_ctx", "4k"}, "invalid int value '4k' for parameter 'num_ctx'"},
      {{"num_ctx", "1.5"}, "invalid int value '1.5'"},
      {{"num_ctx", "99999999999999999999"}, "invalid int value"},
      {{"temperature", "hot"}, "invalid float value 'hot' for parameter 'temperature'"},
      {{"temperature", "1e99"}, "invalid float value"},
      {{"use_mmap", "maybe"}, "invalid bool value 'maybe'"},
  };
  for (const auto& [arg, why] : cases) {
    try {
      add_parameter(p, arg.first, arg.second);
      ADD_FAILURE() << arg.first << " " << arg.second;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(p.empty());
  EXPECT_TRUE(store::is_deprecated_parameter("mirostat"));
  EXPECT_FALSE(store::is_deprecated_parameter("temperature"));
}

TEST(Parameters, ValidatesObjectsFromElsewhere) {
  store::validate_parameters(json::parse(R"({"num_ctx":4096,"temperature":1,"stop":["a"],"use_mmap":true})"));
  EXPECT_THROW(store::validate_parameters(json::parse(R"({"num_ctx":"4096"})")), Error);
  EXPECT_THROW(store::validate_parameters(json::parse(R"({"stop":"x"})")), Error);
  EXPECT_THROW(store::validate_parameters(json::parse(R"({"stop":[1]})")), Error);
  EXPECT_THROW(store::validate_parameters(json::parse(R"({"bogus":1})")), Error);
  EXPECT_THROW(store::validate_parameters(json::parse(R"([1])")), Error);
}

TEST(Parameters, ListedAsOllamaShowsThem) {
  const json p = json::parse(R"({"temperature":0.7,"stop":["<|im_start|>","<|im_end|>"],"num_ctx":4096})");
  EXPECT_EQ(store::parameters_listing(p),
            "num_ctx                        4096\n"
            "stop                           \"<|im_start|>\"\n"
            "stop                           \"<|im_end|>\"\n"
            "temperature                    0.7");
  EXPECT_EQ(store::parameter_text(json(0.7)), "0.7");
  EXPECT_EQ(store::parameter_text(json(true)), "true");
  EXPECT_EQ(store::parameter_text(json("a b")), "a b");
}

}  // namespace
}  // namespace hearth::testing
