// Nothing half-written survives: wrong digests are never kept, what a
// crashed writer leaves is ignored and cleaned up, writes replace atomically.
#include <sys/file.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "store/durable.h"
#include "store/staging.h"
#include "store/store_lock.h"
#include "store_test_util.h"

namespace hearth::testing {
namespace {

using store::Digest;
using store::Name;

class Atomicity : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    fs::copy_file(kStories, src_ / "stories.gguf");
  }
};

TEST_F(Atomicity, ABlobWithTheWrongDigestIsNeverKept) {
  {
    store::Staging staging(root_);
    store::BlobWriter w = staging.begin_blob();
    w.write("the bytes that arrived");
    try {
      w.finish(Digest::of("the bytes that were promised"));
      ADD_FAILURE();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("digest mismatch: expected sha256:" +
                                           Digest::of("the bytes that were promised").hex),
                std::string::npos)
          << e.what();
    }
    // Not even in the staging directory.
    size_t files = 0;
    for (const auto& e : fs::recursive_directory_iterator(root_ / "blobs"))
      if (e.is_regular_file()) ++files;
    EXPECT_EQ(files, 0u);
    // Committing a manifest that names it fails: the blob is not there.
    store::Manifest m;
    m.config = {"application/vnd.docker.container.image.v1+json", Digest::of("the bytes that were promised"), 28};
    EXPECT_THROW(store_.write_model(Name::parse("x"), m, staging), Error);
  }
  EXPECT_TRUE(blob_files(root_).empty());
  EXPECT_FALSE(fs::exists(root_ / "manifests/registry.ollama.ai/library/x"));
}

TEST_F(Atomicity, StagedBlobsReachTheStoreOnlyWithTheirManifest) {
  {
    store::Staging staging(root_);
    const auto& b = staging.add_bytes("some layer");
    EXPECT_EQ(b.digest, Digest::of("some layer"));
    EXPECT_FALSE(fs::exists(store_.blob_path(b.digest)));
  }  // the writer gave up: nothing was committed
  EXPECT_TRUE(blob_files(root_).empty());
}

TEST_F(Atomicity, LeftoversOfACrashAreIgnoredAndCleanedUp) {
  create("m", "FROM ./stories.gguf\n");
  const auto before = snapshot();
  // A writer that died: a staging directory with half a blob, an unfinished
  // manifest beside a real one; nobody holds their locks.
  const pid_t child = ::fork();
  if (child == 0) {
    store::Staging staging(root_);
    store::BlobWriter w = staging.begin_blob();
    w.write(std::string(100000, 'x'));
    ::_exit(0);  // no destructors: as if killed
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  const fs::path manifest_dir = root_ / "manifests/registry.ollama.ai/library/m";
  write_text(manifest_dir / ".hearth-tmp-99999-0-dead", "{\"schemaVer");
  write_text(root_ / "blobs/.hearth-tmp-99999-1-dead", "half a blob");
  EXPECT_NE(snapshot(), before);

  // Readers do not see them.
  const auto models = store_.list();
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0].name.display(), "m:latest");
  EXPECT_TRUE(store_.find(Name::parse("m")));
  EXPECT_TRUE(store_.check(true).empty());

  // A live writer's entry stays while the crashed ones go.
  {
    store::Staging live(root_);
    live.add_bytes("in progress");
    EXPECT_EQ(store_.clean_up(), 3u);
    bool live_dir_kept = false;
    for (const auto& e : fs::directory_iterator(root_ / "blobs"))
      live_dir_kept |= store::is_temp_name(e.path().filename().string());
    EXPECT_TRUE(live_dir_kept);
  }
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(store_.clean_up(), 0u);
}

TEST_F(Atomicity, WritesCleanUpOnTheirOwn) {
  create("m", "FROM ./stories.gguf\n");
  write_text(root_ / "blobs/.hearth-tmp-1-2-3", "left over");
  create("n", "FROM m\nSYSTEM s\n");
  EXPECT_FALSE(fs::exists(root_ / "blobs/.hearth-tmp-1-2-3"));
  write_text(root_ / "blobs/.hearth-tmp-1-2-4", "left over");
  store_.remove(Name::parse("n"));
  EXPECT_FALSE(fs::exists(root_ / "blobs/.hearth-tmp-1-2-4"));
}

TEST(Durable, ReplacesFilesAtomically) {
  TempDir dir;
  const fs::path p = dir / "file";
  store::write_file_atomically(p, "first");
  EXPECT_EQ(read_text(p), "first");
  // A reader holding the old file keeps reading the old bytes.
  const int fd = ::open(p.c_str(), O_RDONLY);
  store::write_file_atomically(p, "second, longer");
  char buf[32] = {};
  ASSERT_EQ(::read(fd, buf, sizeof buf), 5);
  EXPECT_STREQ(buf, "first");
  ::close(fd);
  EXPECT_EQ(read_text(p), "second, longer");
  EXPECT_EQ(tree(dir.path()), std::set<std::string>{"file"});  // no temporary file left
  EXPECT_THROW(store::write_file_atomically(dir / "no/such/dir/file", "x"), Error);
}

TEST(StoreLock, ExcludesOtherProcesses) {
  TempDir dir;
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    store::StoreLock lock(dir.path(), store::StoreLock::Mode::Exclusive);
    (void)!::write(pipe_fds[1], "L", 1);
    ::usleep(300000);
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  char c;
  ASSERT_EQ(::read(pipe_fds[0], &c, 1), 1);  // the child holds the lock
  const auto start = std::chrono::steady_clock::now();
  {
    store::StoreLock lock(dir.path(), store::StoreLock::Mode::Shared);
    EXPECT_GT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(pipe_fds[0]);
}

}  // namespace
}  // namespace hearth::testing
