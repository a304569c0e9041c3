#pragma once
// One blob on its way down, resumable: <root>/partial/sha256-<hex> holds the
// bytes so far and sha256-<hex>.parts (JSON) which byte ranges are done, so
// an interrupted download — a dropped connection, a killed process —
// continues where it stopped with HTTP Range requests. A large blob comes in
// several parts over parallel connections. Whoever downloads a blob holds a
// lock on its partial file: a second download of the same blob (another
// pull, in this process or another) waits for the first.
//
// The file is only ever trusted after verify(): the sha256 of the whole file
// against the digest the manifest (or the Hugging Face listing) gave.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "store/digest.h"

namespace hearth::store {

struct DownloadOptions {
  int connections = 4;                        // parts for a large blob
  uint64_t parallel_threshold = 100'000'000;  // bytes: from this size on, in parts
  int max_attempts = 5;                       // tries of a part without progress before giving up
  std::chrono::milliseconds retry_delay{1000};  // grows with each try
  const std::atomic<bool>* cancel = nullptr;
};

struct BlobSource {
  std::string url;
  std::vector<std::string> headers;  // "Authorization: Bearer ..."
  std::string what;                  // for messages: "layer sha256:1234abcd...", "file model.gguf"
};

class PartialDownload {
 public:
  // Opens (or starts) the partial file of `digest` under root/partial and
  // locks it, waiting while another download holds it. Throws hearth::Error.
  PartialDownload(const std::filesystem::path& root, const Digest& digest, uint64_t size,
                  const std::atomic<bool>* cancel);
  ~PartialDownload();
  PartialDownload(const PartialDownload&) = delete;
  PartialDownload& operator=(const PartialDownload&) = delete;

  const std::filesystem::path& path() const { return data_path_; }
  uint64_t size() const { return size_; }
  uint64_t completed() const;  // bytes already downloaded

  // Downloads what is missing, retrying dropped transfers; progress(done)
  // comes from this thread, a few times a second. Throws hearth::Error
  // (what's there so far stays for the next try).
  void download(const BlobSource& source, const DownloadOptions& options,
                const std::function<void(uint64_t done)>& progress);

  // Hashes the file. A mismatch deletes it (and its state) and throws.
  void verify(const std::string& what);
  // Deletes the files (once the blob is in the store).
  void remove();

 private:
  struct Part {
    uint64_t offset = 0, size = 0;
    std::atomic<uint64_t> done{0};
  };
  struct Shared;

  void load_or_plan(const DownloadOptions& options);
  void plan(int parts);
  void save_state() const;
  void download_part(Part& part, const BlobSource& source, const DownloadOptions& options, Shared& shared);

  std::filesystem::path dir_, data_path_, state_path_;
  Digest digest_;
  uint64_t size_ = 0;
  int fd_ = -1;
  std::vector<std::unique_ptr<Part>> parts_;
  bool planned_ = false;
};

// A registry's or hub's error body made readable: the "message" fields of
// {"errors":[...]} or {"error":"..."}, else the text's start.
std::string error_text(const std::string& body);

}  // namespace hearth::store
