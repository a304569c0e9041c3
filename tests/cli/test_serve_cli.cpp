// `hearth serve` as a process, and `hearth ps` / `hearth stop` talking to it
// through HEARTH_HOST: the server answers on the address it was given, ps
// lists what a request loaded, stop unloads it, SIGTERM ends the server
// cleanly, and an address in use is refused with a clear error.
#include <gtest/gtest.h>

#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "cli/run_hearth.h"

namespace hearth::testing {
namespace {

const std::string kModel = HEARTH_SOURCE_DIR "/models/stories260K.gguf";

// A port nobody listens on now (the kernel's pick for an ephemeral bind).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    ADD_FAILURE() << "no free port";
  ::close(fd);
  return ntohs(addr.sin_port);
}

class ServeProcess {
 public:
  ServeProcess() : port_(free_port()), store_(temp_path("serve-store")) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setenv("HEARTH_HOST", ("127.0.0.1:" + std::to_string(port_)).c_str(), 1);
      ::setenv("HEARTH_MODELS", store_.c_str(), 1);
      const std::string log = temp_path("serve.log");
      std::freopen(log.c_str(), "w", stderr);
      ::execl(HEARTH_BINARY, HEARTH_BINARY, "serve", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    httplib::Client c("127.0.0.1", port_);
    for (int i = 0; i < 200; ++i) {
      if (auto r = c.Get("/"); r && r->status == 200) return;
      ::usleep(25000);
    }
    ADD_FAILURE() << "hearth serve did not start";
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove_all(store_);
  }
  // SIGTERM and the exit status.
  int terminate() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  int port() const { return port_; }
  // A hearth command line against this server.
  Outcome hearth(const std::string& args) const {
    return run_hearth_raw("HEARTH_HOST=127.0.0.1:" + std::to_string(port_) + " '" + HEARTH_BINARY + "' " + args +
                          " </dev/null");
  }

 private:
  int port_;
  std::string store_;
  pid_t pid_ = -1;
};

TEST(ServeCli, PsListsWhatIsLoadedAndStopUnloadsIt) {
  ServeProcess s;
  Outcome empty = s.hearth("ps");
  ASSERT_EQ(empty.status, 0) << empty.err;
  EXPECT_EQ(empty.out.find(".gguf"), std::string::npos);
  EXPECT_EQ(empty.out.rfind("NAME", 0), 0u);

  httplib::Client c("127.0.0.1", s.port());
  c.set_read_timeout(120, 0);
  auto r = c.Post("/api/generate", "{\"model\":\"" + kModel + "\",\"prompt\":\"Hi\",\"stream\":false,\"options\":{\"num_predict\":2}}",
                  "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  Outcome loaded = s.hearth("ps");
  ASSERT_EQ(loaded.status, 0) << loaded.err;
  EXPECT_NE(loaded.out.find("stories260K.gguf"), std::string::npos) << loaded.out;
  EXPECT_NE(loaded.out.find("minutes from now"), std::string::npos) << loaded.out;

  Outcome stop = s.hearth("stop '" + kModel + "'");
  EXPECT_EQ(stop.status, 0) << stop.err;
  EXPECT_EQ(s.hearth("ps").out.find("stories260K.gguf"), std::string::npos);
  Outcome unknown = s.hearth("stop no-such-model");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find("not found"), std::string::npos) << unknown.err;
  EXPECT_EQ(s.terminate(), 0);
}

TEST(ServeCli, NoServerAndABusyAddressAreClearErrors) {
  const int port = free_port();
  Outcome none = run_hearth_raw("HEARTH_HOST=127.0.0.1:" + std::to_string(port) + " '" + HEARTH_BINARY + "' ps");
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.err.find("cannot reach the hearth server"), std::string::npos) << none.err;

  ServeProcess s;
  Outcome busy = run_hearth_raw("HEARTH_HOST=127.0.0.1:" + std::to_string(s.port()) + " '" + HEARTH_BINARY + "' serve");
  EXPECT_EQ(busy.status, 1);
  EXPECT_NE(busy.err.find("cannot listen on 127.0.0.1:" + std::to_string(s.port())), std::string::npos) << busy.err;
}

}  // namespace
}  // namespace hearth::testing
