// Requests a server must refuse, each with the status and message a client
// can act on, after which it still answers correctly: malformed JSON, wrong
// types, unknown models, oversized prompts, bad options; a client that goes
// away mid-stream (its slot is freed); a full queue (503); the API key and
// browser origins.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "server_fixture.h"

namespace hearth::server {
namespace {

using testing::json_of;
using testing::kStories;
using testing::TestServer;

// The server still works: a short greedy generation succeeds.
void expect_healthy(const TestServer& s) {
  auto r = s.post("/api/generate", {{"model", kStories},
                                    {"prompt", "Once upon a time"},
                                    {"stream", false},
                                    {"options", {{"temperature", 0}, {"num_predict", 4}}}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json_of(r)["response"], ", there was a");
}

void expect_error(const httplib::Result& r, int status, const std::string& fragment) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, status) << r->body;
  const auto j = nlohmann::json::parse(r->body);
  const std::string message = j["error"].is_string() ? j["error"].get<std::string>()
                                                      : j["error"]["message"].get<std::string>();
  EXPECT_NE(message.find(fragment), std::string::npos) << "message: " << message;
}

TEST(BadInput, EachGetsItsStatusAndMessage) {
  TestServer s;
  expect_error(s.post_raw("/api/generate", "{\"model\": "), 400, "invalid JSON");
  expect_error(s.post_raw("/api/chat", "[1, 2]"), 400, "must be a JSON object");
  expect_error(s.post("/api/generate", {{"prompt", "hi"}}), 400, "\"model\" is required");
  expect_error(s.post("/api/generate", {{"model", 7}, {"prompt", "hi"}}), 400, "\"model\": expected a string, got a number");
  expect_error(s.post("/api/generate", {{"model", kStories}, {"prompt", "hi"}, {"options", {{"temperature", "hot"}}}}),
               400, "\"options.temperature\": expected a number, got a string");
  expect_error(s.post("/api/generate", {{"model", kStories}, {"prompt", "hi"}, {"stream", "yes"}}), 400,
               "\"stream\": expected a boolean");
  expect_error(s.post("/api/generate", {{"model", kStories}, {"prompt", "hi"}, {"options", {{"num_predict", -5}}}}), 400,
               "num_predict");
  expect_error(s.post("/api/generate", {{"model", "no-such-model:latest"}, {"prompt", "hi"}}), 404,
               "model \"no-such-model:latest\" not found");
  expect_error(s.post("/api/chat", {{"model", kStories}, {"messages", {{{"role", "wizard"}, {"content", "x"}}}}}), 400,
               "role");
  expect_error(s.post("/api/chat", {{"model", kStories}, {"messages", {{{"role", "user"}, {"content", "x"}, {"images", {"aGk="}}}}}}),
               400, "images are not supported");
  expect_error(s.post("/api/generate", {{"model", kStories}, {"prompt", "hi"}, {"keep_alive", "forever"}}), 400,
               "keep_alive");
  expect_error(s.post("/api/generate", {{"model", kStories},
                                        {"prompt", "hi"},
                                        {"format", {{"type", "object"},
                                                    {"properties", {{"id", {{"type", "string"}, {"pattern", "^[a-z]+$"}}}}}}}}),
               400, "pattern");
  expect_error(s.post("/api/generate", {{"model", kStories}, {"prompt", "hi"}, {"format", "yaml"}}), 400,
               "\"format\" must be \"json\" or a JSON schema");
  // OpenAI's shape on /v1.
  auto oa = s.post("/v1/chat/completions", {{"model", kStories}, {"messages", nlohmann::json::array()}});
  expect_error(oa, 400, "at least one message");
  EXPECT_TRUE(json_of(oa)["error"].contains("type"));
  expect_error(s.post("/v1/chat/completions", {{"model", "nope"}, {"messages", {{{"role", "user"}, {"content", "x"}}}}}),
               404, "not found");
  expect_error(s.post("/v1/chat/completions", {{"model", kStories}, {"n", 3}, {"messages", {{{"role", "user"}, {"content", "x"}}}}}),
               400, "n = 1");
  expect_error(s.get("/api/nothing-here"), 404, "no such endpoint");
  expect_healthy(s);
}

TEST(BadInput, APromptLongerThanTheContextNamesBothLengths) {
  TestServer s;
  std::string long_prompt;
  for (int i = 0; i < 300; ++i) long_prompt += "the cat sat on the mat. ";
  auto r = s.post("/api/generate", {{"model", kStories}, {"prompt", long_prompt}, {"options", {{"num_ctx", 128}}}});
  expect_error(r, 400, "more than the context of 128");
  EXPECT_NE(json_of(r)["error"].get<std::string>().find(" tokens"), std::string::npos);
  // Asking for truncation keeps the end of the prompt instead.
  auto t = s.post("/api/generate", {{"model", kStories},
                                    {"prompt", long_prompt},
                                    {"truncate", true},
                                    {"stream", false},
                                    {"options", {{"num_ctx", 128}, {"num_predict", 8}, {"temperature", 0}}}});
  ASSERT_EQ(t->status, 200) << t->body;
  EXPECT_LE(json_of(t)["prompt_eval_count"].get<int>(), 128);
  expect_healthy(s);
}

// Sends a streaming request on a raw socket, reads a little of the answer,
// and hangs up.
void hang_up_mid_stream(int port, const std::string& body) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string req = "POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  char buf[512];
  size_t got = 0;
  while (got < 600) {  // the headers and a few lines
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got += static_cast<size_t>(n);
  }
  ::close(fd);
}

double running_requests(const TestServer& s) {
  const std::string m = s.get("/metrics")->body;
  const size_t at = m.find("\nhearth_running_requests ");
  return at == std::string::npos ? -1 : std::stod(m.substr(at + 25));
}

TEST(BadInput, AClientThatHangsUpMidStreamFreesItsSlot) {
  ServerConfig c = TestServer::default_config();
  c.num_parallel = 1;
  TestServer s(c);
  // An endless generation (until the context of 512 fills), given up on.
  hang_up_mid_stream(s.port(), nlohmann::json({{"model", kStories},
                                              {"prompt", "Once upon a time"},
                                              {"options", {{"temperature", 1.0}, {"seed", 3}}}})
                                   .dump());
  bool freed = false;
  for (int i = 0; i < 100 && !freed; ++i) {
    freed = running_requests(s) == 0;
    if (!freed) usleep(20000);
  }
  EXPECT_TRUE(freed) << "the abandoned request still holds the only slot";
  expect_healthy(s);
}

TEST(BadInput, AFullQueueAnswers503) {
  ServerConfig c = TestServer::default_config();
  c.num_parallel = 1;
  c.max_queue = 1;
  TestServer s(c);
  expect_healthy(s);  // loaded
  // A long request holds the only slot; of five more sent at once, one
  // waits in the queue of one and the rest are refused.
  auto long_request = [&](int seed) {
    return s.post("/api/generate", {{"model", kStories},
                                    {"prompt", "Once upon a time"},
                                    {"stream", false},
                                    {"options", {{"num_predict", 1500}, {"num_ctx", 2048}, {"seed", seed}}}});
  };
  std::atomic<int> ok{0}, busy{0}, other{0};
  auto count = [&](const httplib::Result& r) {
    if (r && r->status == 200) ++ok;
    else if (r && r->status == 503 && r->body.find("server busy") != std::string::npos) ++busy;
    else ++other;
  };
  std::thread holder([&] { count(long_request(100)); });
  for (int i = 0; i < 200 && running_requests(s) < 1; ++i) usleep(5000);
  ASSERT_EQ(running_requests(s), 1);
  std::vector<std::thread> clients;
  for (int i = 0; i < 5; ++i) clients.emplace_back([&, i] { count(long_request(i)); });
  for (auto& t : clients) t.join();
  holder.join();
  EXPECT_GE(ok.load(), 2);
  EXPECT_GE(busy.load(), 1);
  EXPECT_EQ(other.load(), 0);
  expect_healthy(s);
}

TEST(Access, TheApiKeyIsRequiredButForTheOpenEndpoints) {
  ServerConfig c = TestServer::default_config();
  c.api_key = "s3cret";
  TestServer s(c);
  EXPECT_EQ(s.get("/")->status, 200);
  EXPECT_EQ(s.get("/api/version")->status, 200);
  expect_error(s.get("/api/tags"), 401, "unauthorized");
  expect_error(s.get("/api/tags", {{"Authorization", "Bearer wrong"}}), 401, "unauthorized");
  auto oa = s.get("/v1/models");
  expect_error(oa, 401, "unauthorized");
  EXPECT_EQ(json_of(oa)["error"]["type"], "authentication_error");
  EXPECT_EQ(s.get("/api/tags", {{"Authorization", "Bearer s3cret"}})->status, 200);
}

TEST(Access, BrowserOriginsAreCheckedAndPreflightsAnswered) {
  TestServer s;
  auto ok = s.get("/api/version", {{"Origin", "http://localhost:5173"}});
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->get_header_value("Access-Control-Allow-Origin"), "http://localhost:5173");
  expect_error(s.get("/api/version", {{"Origin", "https://evil.example"}}), 403, "not allowed");
  auto pre = s.client().Options("/api/chat", {{"Origin", "http://127.0.0.1:3000"},
                                              {"Access-Control-Request-Method", "POST"},
                                              {"Access-Control-Request-Headers", "content-type"}});
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->get_header_value("Access-Control-Allow-Origin"), "http://127.0.0.1:3000");
  EXPECT_NE(pre->get_header_value("Access-Control-Allow-Methods").find("POST"), std::string::npos);
}

}  // namespace
}  // namespace hearth::server
