#include "store/blob_fetch.h"

#include <chrono>

#include "core/error.h"
#include "store/staging.h"
#include "store/store.h"

namespace hearth::store {

namespace fs = std::filesystem;

namespace {

bool stored_with_size(const Store& store, const RemoteBlob& b) {
  std::error_code ec;
  const fs::path p = store.blob_path(b.digest);
  return fs::is_regular_file(p, ec) && fs::file_size(p, ec) == b.size;
}

}  // namespace

DownloadOptions download_options(const PullOptions& o) {
  DownloadOptions d;
  d.connections = o.connections;
  d.parallel_threshold = o.parallel_threshold;
  d.max_attempts = o.max_attempts;
  d.retry_delay = o.retry_delay;
  d.cancel = o.cancel;
  return d;
}

BlobFetch::BlobFetch(const Store& store, Staging& staging, const PullOptions& options, const ProgressFn& progress)
    : store_(store), staging_(staging), options_(options), progress_(progress) {}

BlobFetch::~BlobFetch() = default;

std::vector<fs::path> BlobFetch::fetch(const std::vector<RemoteBlob>& blobs, bool stage) {
  auto report = [&](const ProgressEvent& e) {
    if (progress_) progress_(e);
  };
  // A blob already in the store (or already staged), held for the new model.
  auto held = [&](const RemoteBlob& b) -> const StagedBlob* {
    if (!stage) return nullptr;
    if (const StagedBlob* s = staging_.find(b.digest)) return s;
    if (!stored_with_size(store_, b)) return nullptr;
    const StagedBlob* s = staging_.add_existing(b.digest);
    return s && s->size == b.size ? s : nullptr;
  };
  std::vector<fs::path> out(blobs.size());
  std::vector<std::pair<size_t, PartialDownload*>> downloaded;
  const DownloadOptions dopts = download_options(options_);
  for (size_t i = 0; i < blobs.size(); ++i) {
    const RemoteBlob& b = blobs[i];
    ProgressEvent ev{"pulling " + b.digest.short_id(), b.digest.str(), b.size, 0};
    if (const StagedBlob* s = held(b)) {
      ev.completed = b.size;
      report(ev);
      out[i] = s->path;
      continue;
    }
    auto d = std::make_unique<PartialDownload>(store_.root(), b.digest, b.size, options_.cancel);
    if (const StagedBlob* s = held(b)) {  // another pull committed it while we waited for its lock
      d->remove();
      ev.completed = b.size;
      report(ev);
      out[i] = s->path;
      continue;
    }
    auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    d->download(b.source, dopts, [&](uint64_t done) {
      const auto now = std::chrono::steady_clock::now();
      if (done == ev.completed || now - last < std::chrono::milliseconds(100)) return;
      last = now;
      ev.completed = done;
      report(ev);
    });
    if (ev.completed != b.size) {
      ev.completed = b.size;
      report(ev);
    }
    downloaded.emplace_back(i, d.get());
    downloads_.push_back(std::move(d));
  }
  report(ProgressEvent{"verifying sha256 digest", "", 0, 0});
  for (const auto& [i, d] : downloaded) {
    d->verify(blobs[i].source.what);
    out[i] = stage ? staging_.add_verified(d->path(), blobs[i].digest).path : d->path();
  }
  return out;
}

void BlobFetch::finish() {
  for (auto& d : downloads_) d->remove();
  downloads_.clear();
}

}  // namespace hearth::store
