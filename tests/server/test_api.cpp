// The ollama and OpenAI endpoints against what they must answer: greedy text
// equal to llama.cpp's continuation of the bundled model (its
// REFERENCE.md), streams whose pieces add up to the one-object answer, the
// fields and units ollama and OpenAI define, embeddings equal to the
// engine's, and models loaded and unloaded as keep_alive says.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "backend/backend.h"
#include "convert/mix.h"
#include "convert/synth.h"
#include "model/model.h"
#include "runtime/embed.h"
#include "server_fixture.h"

namespace hearth::server {
namespace {

using testing::json_of;
using testing::kStories;
using testing::TestServer;

// llama.cpp's greedy continuation of "Once upon a time" (REFERENCE.md).
const std::string kOnceUponATime =
    ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. "
    "She wanted to play with it,";

nlohmann::json greedy(int n) { return {{"temperature", 0}, {"num_predict", n}}; }

TEST(OllamaApi, GenerateGivesLlamaCppsGreedyText) {
  TestServer s;
  auto r = s.post("/api/generate",
                  {{"model", kStories}, {"prompt", "Once upon a time"}, {"stream", false}, {"options", greedy(48)}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const auto j = json_of(r);
  EXPECT_EQ(j["response"], kOnceUponATime);
  EXPECT_EQ(j["model"], kStories);
  EXPECT_EQ(j["done"], true);
  EXPECT_EQ(j["done_reason"], "length");
  EXPECT_EQ(j["eval_count"], 48);
  EXPECT_EQ(j["prompt_eval_count"], 5);  // BOS + 4 tokens
  for (const char* k : {"total_duration", "load_duration", "prompt_eval_duration", "eval_duration"}) {
    ASSERT_TRUE(j[k].is_number_integer()) << k;
    EXPECT_GT(j[k].get<int64_t>(), 0) << k;
  }
  EXPECT_GE(j["total_duration"].get<int64_t>(), j["eval_duration"].get<int64_t>());
  ASSERT_TRUE(j["context"].is_array());
  EXPECT_EQ(j["context"].size(), 5u + 48u);
  EXPECT_NE(j["created_at"].get<std::string>().find('T'), std::string::npos);
}

TEST(OllamaApi, StreamedPiecesAddUpToTheAnswer) {
  TestServer s;
  auto r = s.post("/api/generate", {{"model", kStories}, {"prompt", "Once upon a time"}, {"options", greedy(48)}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-ndjson");
  const auto lines = testing::ndjson(r->body);
  ASSERT_GE(lines.size(), 3u);
  std::string text;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["done"], false);
    text += lines[i]["response"].get<std::string>();
  }
  EXPECT_EQ(text, kOnceUponATime);
  EXPECT_EQ(lines.back()["done"], true);
  EXPECT_EQ(lines.back()["response"], "");
  EXPECT_EQ(lines.back()["eval_count"], 48);
}

TEST(OllamaApi, ContextContinuesAConversation) {
  TestServer s;
  auto first = json_of(s.post("/api/generate", {{"model", kStories},
                                                {"prompt", "Once upon a time"},
                                                {"stream", false},
                                                {"options", greedy(10)}}));
  // Continuing from the returned context gives the rest of the same greedy
  // text, with only the new tokens evaluated.
  auto second = s.post("/api/generate", {{"model", kStories},
                                         {"prompt", ""},
                                         {"context", first["context"]},
                                         {"stream", false},
                                         {"options", greedy(10)}});
  ASSERT_EQ(second->status, 200) << second->body;
  const auto j = json_of(second);
  const std::string both = first["response"].get<std::string>() + j["response"].get<std::string>();
  EXPECT_EQ(both, kOnceUponATime.substr(0, both.size()));
  EXPECT_LE(j["prompt_eval_count"].get<int>(), 2);
}

TEST(OllamaApi, StopStringsAndSeedsBehaveAsInOllama) {
  TestServer s;
  auto stopped = json_of(s.post("/api/generate", {{"model", kStories},
                                                  {"prompt", "Once upon a time"},
                                                  {"stream", false},
                                                  {"options", {{"temperature", 0}, {"stop", {"Lily"}}}}}));
  EXPECT_EQ(stopped["response"], ", there was a little girl named ");
  EXPECT_EQ(stopped["done_reason"], "stop");
  auto sample = [&](int seed) {
    return json_of(s.post("/api/generate", {{"model", kStories},
                                            {"prompt", "The cat"},
                                            {"stream", false},
                                            {"options", {{"seed", seed}, {"temperature", 1.0}, {"num_predict", 30}}}}))
        ["response"]
            .get<std::string>();
  };
  EXPECT_EQ(sample(42), sample(42));
  EXPECT_NE(sample(42), sample(43));
}

TEST(OllamaApi, ChatWithoutATemplateContinuesTheMessages) {
  TestServer s;
  auto r = s.post("/api/chat", {{"model", kStories},
                                {"messages", {{{"role", "user"}, {"content", "Once upon a time"}}}},
                                {"stream", false},
                                {"options", greedy(48)}});
  ASSERT_EQ(r->status, 200) << r->body;
  const auto j = json_of(r);
  EXPECT_EQ(j["message"]["role"], "assistant");
  EXPECT_EQ(j["message"]["content"], kOnceUponATime);
  EXPECT_EQ(j.contains("context"), false);
}

TEST(OllamaApi, EmptyPromptLoadsAndKeepAliveZeroUnloads) {
  TestServer s;
  EXPECT_TRUE(json_of(s.get("/api/ps"))["models"].empty());
  auto load = json_of(s.post("/api/generate", {{"model", kStories}}));
  EXPECT_EQ(load["done_reason"], "load");
  auto ps = json_of(s.get("/api/ps"))["models"];
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0]["name"], kStories);
  EXPECT_GT(ps[0]["size"].get<int64_t>(), 1000000);
  EXPECT_EQ(ps[0]["details"]["family"], "llama");
  auto unload = json_of(s.post("/api/generate", {{"model", kStories}, {"keep_alive", 0}}));
  EXPECT_EQ(unload["done_reason"], "unload");
  EXPECT_TRUE(json_of(s.get("/api/ps"))["models"].empty());
  // An empty chat loads too.
  EXPECT_EQ(json_of(s.post("/api/chat", {{"model", kStories}, {"messages", nlohmann::json::array()}}))["done_reason"],
            "load");
}

TEST(OllamaApi, KeepAliveExpires) {
  TestServer s;
  auto r = s.post("/api/generate",
                  {{"model", kStories}, {"prompt", "Hi"}, {"stream", false}, {"keep_alive", "1s"}, {"options", greedy(2)}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(json_of(s.get("/api/ps"))["models"].size(), 1u);
  for (int i = 0; i < 40 && !json_of(s.get("/api/ps"))["models"].empty(); ++i) usleep(100000);
  EXPECT_TRUE(json_of(s.get("/api/ps"))["models"].empty()) << "still loaded after its keep_alive of 1s";
}

TEST(OllamaApi, ShowReportsTheModelsMetadata) {
  TestServer s;
  auto r = s.post("/api/show", {{"model", kStories}});
  ASSERT_EQ(r->status, 200) << r->body;
  const auto j = json_of(r);
  EXPECT_EQ(j["details"]["format"], "gguf");
  EXPECT_EQ(j["model_info"]["general.architecture"], "llama");
  EXPECT_EQ(j["model_info"]["llama.context_length"], 2048);
  EXPECT_TRUE(j["model_info"]["tokenizer.ggml.tokens"].is_null());  // arrays only when verbose
  EXPECT_EQ(j["capabilities"], nlohmann::json::array({"completion"}));
  auto verbose = json_of(s.post("/api/show", {{"model", kStories}, {"verbose", true}}));
  EXPECT_EQ(verbose["model_info"]["tokenizer.ggml.tokens"].size(), 512u);
  EXPECT_EQ(json_of(s.get("/api/version"))["version"], HEARTH_VERSION);
}

TEST(OpenAiApi, ChatCompletionAndUsage) {
  TestServer s;
  auto r = s.post("/v1/chat/completions", {{"model", kStories},
                                           {"messages", {{{"role", "user"}, {"content", "Once upon a time"}}}},
                                           {"temperature", 0},
                                           {"max_tokens", 48}});
  ASSERT_EQ(r->status, 200) << r->body;
  const auto j = json_of(r);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(j["choices"][0]["message"]["content"], kOnceUponATime);
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 48);
  EXPECT_EQ(j["usage"]["prompt_tokens"], 5);
  EXPECT_EQ(j["usage"]["total_tokens"], 53);
}

TEST(OpenAiApi, StreamedChunksEndWithUsageAndDone) {
  TestServer s;
  auto r = s.post("/v1/chat/completions", {{"model", kStories},
                                           {"messages", {{{"role", "user"}, {"content", "Once upon a time"}}}},
                                           {"temperature", 0},
                                           {"max_tokens", 48},
                                           {"stream", true},
                                           {"stream_options", {{"include_usage", true}}}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  const auto events = testing::sse(r->body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back(), "[DONE]");
  const auto& usage = events[events.size() - 2];
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 48);
  const auto& last = events[events.size() - 3];
  EXPECT_EQ(last["choices"][0]["finish_reason"], "length");
  std::string text;
  for (size_t i = 0; i + 3 < events.size(); ++i) {
    EXPECT_EQ(events[i]["object"], "chat.completion.chunk");
    EXPECT_TRUE(events[i]["choices"][0]["finish_reason"].is_null());
    text += events[i]["choices"][0]["delta"]["content"].get<std::string>();
  }
  EXPECT_EQ(events[0]["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(text, kOnceUponATime);
}

TEST(OpenAiApi, CompletionsAndModels) {
  TestServer s;
  auto r = s.post("/v1/completions", {{"model", kStories}, {"prompt", "Once upon a time"}, {"temperature", 0}, {"max_tokens", 48}});
  ASSERT_EQ(r->status, 200) << r->body;
  const auto j = json_of(r);
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["choices"][0]["text"], kOnceUponATime);
  auto m = s.get("/v1/models/" + kStories);
  ASSERT_EQ(m->status, 200) << m->body;
  EXPECT_EQ(json_of(m)["id"], kStories);
  EXPECT_EQ(json_of(m)["object"], "model");
  auto missing = s.get("/v1/models/no-such-model");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json_of(missing)["error"]["code"], "model_not_found");
  EXPECT_EQ(json_of(s.get("/v1/models"))["object"], "list");
}

std::string synth_path(const std::string& like) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("hearth-server-" + like + "-" + std::to_string(::getpid()) + ".gguf"))
          .string();
  if (!std::filesystem::exists(path))
    convert::synth_file(convert::find_known_model(like), convert::parse_mix("F32"), path, {});
  return path;
}

std::vector<float> decode_base64_floats(const std::string& b64) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::string bytes;
  for (size_t i = 0; i + 3 < b64.size(); i += 4) {
    const int a = value(b64[i]), b = value(b64[i + 1]), c = value(b64[i + 2]), d = value(b64[i + 3]);
    bytes += static_cast<char>((a << 2) | (b >> 4));
    if (b64[i + 2] != '=') bytes += static_cast<char>(((b & 15) << 4) | (c >> 2));
    if (b64[i + 3] != '=') bytes += static_cast<char>(((c & 3) << 6) | d);
  }
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

TEST(Embeddings, BothApisGiveTheEnginesEmbedding) {
  const std::string bert = synth_path("test-bert");
  auto model = model::Model::load(bert);
  auto be = backend::make_cpu_backend(1);
  const auto& vocab = model->vocab();
  std::vector<int32_t> ids = vocab.encode("hello world", vocab.add_bos(), false);
  if (vocab.add_eos() && vocab.eos() >= 0) ids.push_back(vocab.eos());
  const std::vector<float> want = runtime::embed(*model, *be, ids);

  TestServer s;
  auto r = s.post("/api/embed", {{"model", bert}, {"input", {"hello world", "hello world"}}});
  ASSERT_EQ(r->status, 200) << r->body;
  const auto j = json_of(r);
  ASSERT_EQ(j["embeddings"].size(), 2u);
  ASSERT_EQ(j["embeddings"][0].size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_FLOAT_EQ(j["embeddings"][1][i].get<float>(), want[i]);
  EXPECT_EQ(j["prompt_eval_count"], 2 * ids.size());

  auto legacy = json_of(s.post("/api/embeddings", {{"model", bert}, {"prompt", "hello world"}}));
  ASSERT_EQ(legacy["embedding"].size(), want.size());
  EXPECT_FLOAT_EQ(legacy["embedding"][3].get<float>(), want[3]);

  auto oa = json_of(s.post("/v1/embeddings", {{"model", bert}, {"input", "hello world"}, {"encoding_format", "base64"}}));
  EXPECT_EQ(oa["object"], "list");
  const auto decoded = decode_base64_floats(oa["data"][0]["embedding"].get<std::string>());
  ASSERT_EQ(decoded.size(), want.size());
  EXPECT_EQ(0, std::memcmp(decoded.data(), want.data(), 4 * want.size()));

  // A text-generation model does not embed; an embedding model does not chat.
  auto no = s.post("/api/embed", {{"model", kStories}, {"input", "x"}});
  EXPECT_EQ(no->status, 400);
  EXPECT_NE(json_of(no)["error"].get<std::string>().find("does not support embeddings"), std::string::npos);
  auto no_chat = s.post("/api/generate", {{"model", bert}, {"prompt", "x"}});
  EXPECT_EQ(no_chat->status, 400);
  std::remove(bert.c_str());
}

TEST(Metrics, CountRequestsAndTokens) {
  TestServer s;
  s.post("/api/generate", {{"model", kStories}, {"prompt", "Hi"}, {"stream", false}, {"options", greedy(7)}});
  s.post("/api/generate", {{"model", "nope"}, {"prompt", "Hi"}});
  auto r = s.get("/metrics");
  ASSERT_EQ(r->status, 200);
  const std::string& m = r->body;
  EXPECT_NE(m.find("hearth_requests_total{endpoint=\"/api/generate\",status=\"200\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("hearth_requests_total{endpoint=\"/api/generate\",status=\"404\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("hearth_generated_tokens_total 7"), std::string::npos) << m;
  EXPECT_NE(m.find("hearth_loaded_models 1"), std::string::npos) << m;
  EXPECT_NE(m.find("hearth_time_to_first_token_seconds_count 1"), std::string::npos) << m;
}

}  // namespace
}  // namespace hearth::server
