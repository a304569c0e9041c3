// Two processes writing one store at once (as a CLI command beside a running
// server) leave it consistent: every manifest readable, every blob it
// references present with the right digest.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <memory>

#include "store/durable.h"
#include "store/store_lock.h"
#include "store_test_util.h"

namespace hearth::testing {
namespace {

using store::Name;

// Runs body in a child process; its exit status says whether it threw
// something other than the errors a race may rightly produce.
pid_t spawn(const std::function<void()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 0;
    try {
      body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child %d: %s\n", ::getpid(), e.what());
      code = 1;
    }
    ::_exit(code);
  }
  return pid;
}

// Errors a racing writer may get: its base model was removed meanwhile.
bool expected_race(const Error& e) {
  const std::string msg = e.what();
  return msg.find("not found") != std::string::npos || msg.find("removed meanwhile") != std::string::npos;
}

TEST(Concurrency, TwoWritingProcessesKeepTheStoreConsistent) {
  TempDir tmp;
  const fs::path root = tmp / "models";
  fs::copy_file(kStories, tmp / "stories.gguf");
  auto modelfile = [&](const std::string& text) {
    store::Modelfile mf = store::Modelfile::parse(text);
    mf.directory = tmp.path();
    return mf;
  };
  constexpr int kRounds = 60;

  // One process builds "x" again and again from the same file and system
  // message; the other removes it, so that its blobs become garbage just as
  // the first commits them again. Both also copy and build on it.
  const pid_t a = spawn([&] {
    store::Store s(root);
    for (int i = 0; i < kRounds; ++i) {
      s.create(Name::parse("x"), modelfile("FROM ./stories.gguf\nSYSTEM the same\n"));
      if (const auto problems = s.check(false); !problems.empty()) throw Error(problems[0]);
      if (i % 10 == 9) {
        try {
          s.copy(Name::parse("x"), Name::parse("y"));
        } catch (const Error& e) {
          if (!expected_race(e)) throw;
        }
      }
    }
  });
  const pid_t b = spawn([&] {
    store::Store s(root);
    for (int i = 0; i < kRounds; ++i) {
      try {
        s.remove(Name::parse("x"));
        if (i % 10 == 5) s.create(Name::parse("derived"), modelfile("FROM y\nPARAMETER top_k 7\n"));
        if (i % 10 == 6) s.remove(Name::parse("y"));
        if (i % 10 == 7) s.remove(Name::parse("derived"));
      } catch (const Error& e) {
        if (!expected_race(e)) throw;
      }
    }
  });
  // Meanwhile this process reads: nothing it finds is ever half there.
  store::Store reader(root);
  int status_a = -1, status_b = -1;
  auto poll = [](pid_t pid, int& status) {
    int raw = 0;
    if (status < 0 && ::waitpid(pid, &raw, WNOHANG) == pid) status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
    return status >= 0;
  };
  int reads = 0;
  while (!(poll(a, status_a) & poll(b, status_b))) {
    for (const auto& entry : reader.list()) {
      try {
        if (auto info = reader.find(entry.name)) {
          EXPECT_TRUE(fs::exists(info->model_path));
        }
      } catch (const Error& e) {
        ADD_FAILURE() << "a reader saw a damaged model: " << e.what();
      }
      ++reads;
    }
  }
  EXPECT_EQ(status_a, 0);
  EXPECT_EQ(status_b, 0);
  EXPECT_GT(reads, 0);

  store::Store s(root);
  EXPECT_EQ(s.check(true), std::vector<std::string>{});
  // No leftovers, and no blob that no manifest references.
  for (const auto& e : fs::recursive_directory_iterator(root))
    EXPECT_FALSE(store::is_temp_name(e.path().filename().string())) << e.path();
  std::set<std::string> referenced;
  for (const auto& m : s.list())
    for (const auto& d : s.get(m.name).manifest.blobs()) referenced.insert(d.blob_name());
  EXPECT_EQ(blob_files(root), referenced);
  EXPECT_LE(blob_files(root).count("sha256-" + sha256sum(kStories)), 1u);
}

// Every kind of write waits while another process holds the store lock.
TEST(Concurrency, EveryWriterWaitsForTheStoreLock) {
  TempDir tmp;
  const fs::path root = tmp / "models";
  fs::copy_file(kStories, tmp / "stories.gguf");
  store::Store s(root);
  store::Modelfile mf = store::Modelfile::parse("FROM ./stories.gguf\n");
  mf.directory = tmp.path();
  s.create(Name::parse("m"), mf);
  const std::pair<const char*, std::function<void()>> writers[] = {
      {"create", [&] { s.create(Name::parse("n"), mf); }},
      {"copy", [&] { s.copy(Name::parse("m"), Name::parse("c")); }},
      {"remove", [&] { s.remove(Name::parse("m")); }},
      {"clean_up", [&] { s.clean_up(); }},
  };
  for (const auto& [what, write] : writers) {
    SCOPED_TRACE(what);
    int done[2];
    ASSERT_EQ(::pipe(done), 0);
    auto lock = std::make_unique<store::StoreLock>(root, store::StoreLock::Mode::Exclusive);
    const pid_t child = spawn([&, write = write] {
      lock.reset();  // the parent's lock, inherited: only the parent holds it now
      ::close(done[0]);
      write();
      (void)!::write(done[1], "d", 1);
    });
    ::close(done[1]);
    pollfd p{done[0], POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 300), 0) << "wrote while the store was locked";
    lock.reset();
    EXPECT_EQ(::poll(&p, 1, 20000), 1);
    char c = 0;
    EXPECT_EQ(::read(done[0], &c, 1), 1);
    ::close(done[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_TRUE(s.check(true).empty());
}

}  // namespace
}  // namespace hearth::testing
