// The server's settings: addresses as OLLAMA_HOST takes them, keep_alive
// durations as ollama parses them (Go's time.ParseDuration, or seconds),
// and the browser origins allowed by default.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.h"
#include "server/config.h"

namespace hearth::server {
namespace {

TEST(Address, ParsesTheFormsOllamaHostTakes) {
  struct Case {
    const char* text;
    const char* host;
    int port;
  };
  for (const Case& c : {Case{"", "127.0.0.1", 11434}, Case{"0.0.0.0", "0.0.0.0", 11434},
                        Case{"0.0.0.0:8080", "0.0.0.0", 8080}, Case{":9000", "127.0.0.1", 9000},
                        Case{"http://example.lan:1234", "example.lan", 1234}, Case{"https://host/", "host", 11434},
                        Case{"[::1]:5000", "::1", 5000}, Case{"[::]", "::", 11434}}) {
    const Address a = parse_address(c.text);
    EXPECT_EQ(a.host, c.host) << c.text;
    EXPECT_EQ(a.port, c.port) << c.text;
  }
  for (const char* bad : {"host:99999", "host:port", "::1:80", "[::1", "[::1]x"}) EXPECT_THROW(parse_address(bad), Error) << bad;
}

TEST(Address, LoopbackIsRecognised) {
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("127.5.6.7"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_TRUE(is_loopback("localhost"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("192.168.1.2"));
}

TEST(KeepAlive, DurationsAndSeconds) {
  EXPECT_EQ(parse_keep_alive_ns("5m"), 300'000'000'000);
  EXPECT_EQ(parse_keep_alive_ns("1h30m"), 5'400'000'000'000);
  EXPECT_EQ(parse_keep_alive_ns("10s"), 10'000'000'000);
  EXPECT_EQ(parse_keep_alive_ns("1.5s"), 1'500'000'000);
  EXPECT_EQ(parse_keep_alive_ns("250ms"), 250'000'000);
  EXPECT_EQ(parse_keep_alive_ns("0"), 0);
  EXPECT_EQ(parse_keep_alive_ns("30"), 30'000'000'000);
  EXPECT_EQ(parse_keep_alive_ns("-1"), -1);
  EXPECT_EQ(parse_keep_alive_ns("-1m"), -1);
  for (const char* bad : {"", "5 minutes", "m", "5x", "1h-3m"}) EXPECT_THROW(parse_keep_alive_ns(bad), Error) << bad;
}

TEST(Origins, LocalhostByDefaultAndConfiguredOnes) {
  ServerConfig c;
  EXPECT_TRUE(origin_allowed(c, "http://localhost"));
  EXPECT_TRUE(origin_allowed(c, "http://localhost:3000"));
  EXPECT_TRUE(origin_allowed(c, "https://127.0.0.1:8443"));
  EXPECT_TRUE(origin_allowed(c, "app://obsidian.md"));
  EXPECT_FALSE(origin_allowed(c, "https://evil.example"));
  EXPECT_FALSE(origin_allowed(c, "http://localhost.evil.example"));
  c.origins = {"https://chat.example.com", "https://*.corp.example"};
  EXPECT_TRUE(origin_allowed(c, "https://chat.example.com"));
  EXPECT_FALSE(origin_allowed(c, "https://chat.example.com.evil"));
  c.origins = {"*"};
  EXPECT_TRUE(origin_allowed(c, "https://anything.example"));
}

TEST(ServerConfig, ReadsHearthThenOllamaVariables) {
  ::setenv("OLLAMA_HOST", "0.0.0.0:7000", 1);
  ::setenv("HEARTH_NUM_PARALLEL", "2", 1);
  ::setenv("OLLAMA_NUM_PARALLEL", "9", 1);
  ::setenv("HEARTH_KEEP_ALIVE", "1m", 1);
  ServerConfig c = ServerConfig::from_environment();
  EXPECT_EQ(c.address.host, "0.0.0.0");
  EXPECT_EQ(c.address.port, 7000);
  EXPECT_EQ(c.num_parallel, 2);
  EXPECT_EQ(c.keep_alive_ns, 60'000'000'000);
  ::setenv("HEARTH_HOST", "127.0.0.1:7001", 1);
  EXPECT_EQ(ServerConfig::from_environment().address.port, 7001);
  ::setenv("HEARTH_NUM_PARALLEL", "0", 1);
  EXPECT_THROW(ServerConfig::from_environment(), Error);
  for (const char* v : {"OLLAMA_HOST", "HEARTH_HOST", "HEARTH_NUM_PARALLEL", "OLLAMA_NUM_PARALLEL", "HEARTH_KEEP_ALIVE"})
    ::unsetenv(v);
}

}  // namespace
}  // namespace hearth::server
