#pragma once
// The download step both pulls share: for each remote blob, hold the copy
// already in the store, or download it (resuming), then verify every
// download and stage it for Store::write_model. The partial files stay until
// the model is committed (finish()), so a pull killed after a download but
// before its manifest loses nothing.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/digest.h"
#include "store/partial_download.h"
#include "store/progress.h"
#include "store/pull.h"

namespace hearth::store {

class Staging;
class Store;

struct RemoteBlob {
  Digest digest;
  uint64_t size = 0;
  BlobSource source;
};

class BlobFetch {
 public:
  BlobFetch(const Store& store, Staging& staging, const PullOptions& options, const ProgressFn& progress);
  ~BlobFetch();

  // Downloads what the store lacks, reporting "pulling <12 hex>" per blob,
  // then "verifying sha256 digest" and verifies. With stage, each blob is
  // staged (or held, when already stored); without, the verified files are
  // returned for the caller to use (parts to merge). Throws hearth::Error.
  std::vector<std::filesystem::path> fetch(const std::vector<RemoteBlob>& blobs, bool stage);

  // The model is committed: the partial files can go.
  void finish();

 private:
  const Store& store_;
  Staging& staging_;
  const PullOptions& options_;
  const ProgressFn& progress_;
  std::vector<std::unique_ptr<PartialDownload>> downloads_;
};

DownloadOptions download_options(const PullOptions& options);

}  // namespace hearth::store
