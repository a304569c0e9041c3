#include "store/partial_download.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "store/durable.h"
#include "store/http_client.h"
#include "store/sha256.h"

namespace hearth::store {

namespace fs = std::filesystem;

namespace {

constexpr size_t kWriteBuffer = 256 << 10;

void sleep_unless(const std::atomic<bool>& stop, std::chrono::milliseconds total) {
  const auto until = std::chrono::steady_clock::now() + total;
  while (!stop.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void pwrite_all(int fd, const char* data, size_t n, uint64_t offset, const fs::path& path) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) fail("cannot write '", path.string(), "': ", errno_text(errno));
    data += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
}

// "bytes 100-999/1000": the first byte, or -1.
int64_t content_range_start(const std::optional<std::string>& header) {
  if (!header || header->rfind("bytes ", 0) != 0) return -1;
  char* end = nullptr;
  const long long v = std::strtoll(header->c_str() + 6, &end, 10);
  return end && *end == '-' ? v : -1;
}

bool same_file(int fd, const fs::path& path) {
  struct stat a {}, b {};
  return ::fstat(fd, &a) == 0 && ::stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

std::string error_text(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  std::string out;
  if (j.is_object()) {
    if (const auto e = j.find("errors"); e != j.end() && e->is_array())
      for (const auto& item : *e)
        if (item.is_object() && item.contains("message") && item["message"].is_string())
          out += (out.empty() ? "" : "; ") + item["message"].get<std::string>();
    if (out.empty())
      for (const char* key : {"error", "message"})
        if (const auto e = j.find(key); e != j.end() && e->is_string()) return e->get<std::string>();
  }
  if (!out.empty()) return out;
  std::string text = body.substr(0, 200);
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

struct PartialDownload::Shared {
  std::atomic<bool> abort{false};
  std::atomic<bool> ranges_ignored{false};
  std::mutex mutex;
  std::condition_variable finished;
  std::exception_ptr error;
  std::atomic<int> running{0};

  void fatal(std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!error) error = e;
    abort = true;
  }
};

PartialDownload::PartialDownload(const fs::path& root, const Digest& digest, uint64_t size,
                                 const std::atomic<bool>* cancel)
    : dir_(root / "partial"), digest_(digest), size_(size) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) fail("cannot create '", dir_.string(), "': ", ec.message());
  remove_stale_temps(dir_, false);
  data_path_ = dir_ / digest.blob_name();
  state_path_ = dir_ / (digest.blob_name() + ".parts");
  for (;;) {
    fd_ = ::open(data_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot open '", data_path_.string(), "': ", errno_text(errno));
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        const int err = errno;
        ::close(fd_);
        fail("cannot lock '", data_path_.string(), "': ", errno_text(err));
      }
      if (cancel && cancel->load()) {
        ::close(fd_);
        fail("cancelled");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // The holder before us may have finished and deleted the file: start on the new one.
    if (same_file(fd_, data_path_)) break;
    ::close(fd_);
  }
}

PartialDownload::~PartialDownload() {
  if (fd_ >= 0) ::close(fd_);
}

uint64_t PartialDownload::completed() const {
  uint64_t n = 0;
  for (const auto& p : parts_) n += p->done.load();
  return n;
}

void PartialDownload::plan(int count) {
  parts_.clear();
  if (::ftruncate(fd_, 0) != 0 || ::ftruncate(fd_, static_cast<off_t>(size_)) != 0)
    fail("cannot size '", data_path_.string(), "': ", errno_text(errno));
  const uint64_t n = static_cast<uint64_t>(std::max(1, count));
  const uint64_t each = size_ / n;
  for (uint64_t i = 0; i < n; ++i) {
    auto p = std::make_unique<Part>();
    p->offset = i * each;
    p->size = i + 1 == n ? size_ - p->offset : each;
    parts_.push_back(std::move(p));
  }
  save_state();
}

void PartialDownload::load_or_plan(const DownloadOptions& options) {
  planned_ = true;
  struct stat st {};
  const bool sized = ::fstat(fd_, &st) == 0 && static_cast<uint64_t>(st.st_size) == size_;
  if (sized && fs::exists(state_path_)) {
    try {
      const auto j = nlohmann::json::parse(read_file_bytes(state_path_));
      if (j.at("digest").get<std::string>() == digest_.str() && j.at("size").get<uint64_t>() == size_) {
        uint64_t next = 0;
        for (const auto& e : j.at("parts")) {
          auto p = std::make_unique<Part>();
          p->offset = e.at("offset").get<uint64_t>();
          p->size = e.at("size").get<uint64_t>();
          p->done = std::min(e.at("done").get<uint64_t>(), p->size);
          if (p->offset != next) throw std::runtime_error("gap");
          next += p->size;
          parts_.push_back(std::move(p));
        }
        if (next == size_ && !parts_.empty()) return;
      }
    } catch (const std::exception&) {
      // A state we cannot read: start over.
    }
    parts_.clear();
  }
  plan(size_ >= options.parallel_threshold && options.connections > 1 ? options.connections : 1);
}

void PartialDownload::save_state() const {
  nlohmann::json j = {{"digest", digest_.str()}, {"size", size_}, {"parts", nlohmann::json::array()}};
  for (const auto& p : parts_) j["parts"].push_back({{"offset", p->offset}, {"size", p->size}, {"done", p->done.load()}});
  // Renamed into place but not fsynced: the state only has to survive the
  // process, and verify() catches anything a power cut could garble.
  LockedTemp temp = LockedTemp::create_file(dir_);
  const std::string bytes = j.dump();
  write_all(temp.fd(), bytes.data(), bytes.size(), state_path_.string());
  if (::rename(temp.path().c_str(), state_path_.c_str()) != 0)
    fail("cannot write '", state_path_.string(), "': ", errno_text(errno));
  temp.release();
}

void PartialDownload::download(const BlobSource& source, const DownloadOptions& options,
                               const std::function<void(uint64_t)>& progress) {
  if (!planned_) load_or_plan(options);
  for (;;) {
    Shared shared;
    std::vector<std::thread> workers;
    for (auto& p : parts_) {
      if (p->done.load() >= p->size) continue;
      ++shared.running;
      workers.emplace_back([this, &p, &source, &options, &shared] {
        try {
          download_part(*p, source, options, shared);
        } catch (...) {
          shared.fatal(std::current_exception());
        }
        std::lock_guard<std::mutex> lock(shared.mutex);
        --shared.running;
        shared.finished.notify_all();
      });
    }
    auto last_save = std::chrono::steady_clock::now();
    try {
      while (shared.running.load() > 0) {
        {
          std::unique_lock<std::mutex> lock(shared.mutex);
          shared.finished.wait_for(lock, std::chrono::milliseconds(50), [&] { return shared.running.load() == 0; });
        }
        if (options.cancel && options.cancel->load()) shared.abort = true;
        if (progress) progress(completed());
        if (std::chrono::steady_clock::now() - last_save > std::chrono::milliseconds(100)) {
          save_state();
          last_save = std::chrono::steady_clock::now();
        }
      }
    } catch (...) {
      shared.fatal(std::current_exception());  // the workers stop, are joined, and this is rethrown
    }
    for (auto& w : workers) w.join();
    save_state();
    if (progress) progress(completed());
    if (shared.error) std::rethrow_exception(shared.error);
    if (options.cancel && options.cancel->load()) fail("cancelled");
    if (shared.ranges_ignored.load() && parts_.size() > 1) {
      plan(1);  // the server ignores Range: one plain download from the start
      continue;
    }
    if (completed() < size_) fail(source.what, ": the download stopped before the end");
    return;
  }
}

void PartialDownload::download_part(Part& part, const BlobSource& source, const DownloadOptions& options,
                                    Shared& shared) {
  int failures = 0;
  std::string last_error;
  const std::string host = url_host(source.url);
  while (part.done.load() < part.size) {
    if (shared.abort.load()) return;
    const uint64_t before = part.done.load();
    const uint64_t start = part.offset + before;
    HttpRequest req;
    req.url = source.url;
    req.headers = source.headers;
    req.cancel = &shared.abort;
    if (parts_.size() > 1 || before > 0) req.range = {{start, static_cast<int64_t>(part.offset + part.size - 1)}};

    std::string buffer;
    bool overflow = false, wrong_range = false;
    auto flush = [&] {
      if (buffer.empty()) return;
      pwrite_all(fd_, buffer.data(), buffer.size(), part.offset + part.done.load(), data_path_);
      part.done += buffer.size();
      buffer.clear();
    };
    auto on_head = [&](const HttpResponse& r) {
      if (!req.range) return true;
      if (r.status == 206) {
        if (content_range_start(r.header("content-range")) != static_cast<int64_t>(start)) {
          wrong_range = true;
          return false;
        }
        return true;
      }
      // 200 to a range request: the server ignored Range and sends everything.
      if (parts_.size() == 1) {
        part.done = 0;
        return true;
      }
      shared.ranges_ignored = true;
      shared.abort = true;
      return false;
    };
    auto on_body = [&](std::string_view data) {
      if (part.done.load() + buffer.size() + data.size() > part.size) {
        overflow = true;
        return false;
      }
      buffer.append(data);
      if (buffer.size() >= kWriteBuffer) flush();
      return true;
    };
    try {
      const HttpResponse r = http_get(req, on_body, on_head);
      flush();
      if (r.status < 200 || r.status >= 300) {
        const std::string message =
            cat("cannot download ", source.what, " from ", host, ": HTTP ", r.status,
                r.error_body.empty() ? std::string() : " (" + error_text(r.error_body) + ")");
        const bool retry = r.status >= 500 || r.status == 429 || r.status == 408;
        if (!retry) fail(message);
        last_error = message;
      } else if (part.done.load() < part.size) {
        last_error = cat("cannot download ", source.what, " from ", host, ": the server ended the transfer early");
      }
    } catch (const HttpTransferError& e) {
      flush();  // what came before the drop is good
      if (e.cancelled || shared.ranges_ignored.load() || shared.abort.load()) return;
      if (overflow) fail(source.what, ": ", host, " sent more bytes than were asked for");
      if (wrong_range) fail(source.what, ": ", host, " answered a range request with another range");
      last_error = cat("cannot download ", source.what, " from ", host, ": ", e.what());
    }
    if (part.done.load() >= part.size) return;
    if (part.done.load() > before) failures = 0;
    else if (++failures >= options.max_attempts) fail(last_error, " — gave up after ", failures, " tries");
    sleep_unless(shared.abort, options.retry_delay * std::min(failures + 1, 5));
  }
}

void PartialDownload::verify(const std::string& what) {
  const std::string got = sha256_file_hex(data_path_);
  if (got == digest_.hex) return;
  remove();
  fail(what, ": the downloaded bytes have digest sha256:", got, ", not ", digest_.str(),
       " (damaged in transfer, or the server sent the wrong bytes); nothing was kept");
}

void PartialDownload::remove() {
  ::unlink(data_path_.c_str());
  ::unlink(state_path_.c_str());
  parts_.clear();
  planned_ = false;
}

}  // namespace hearth::store
