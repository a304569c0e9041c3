// Pulling a GGUF model from a Hugging Face repository: its file listing,
// the file(s) of the chosen quantization (a split model's parts merged into
// one GGUF), and a manifest made for it as `hearth create` makes one.
#include <cstdlib>

#include "core/error.h"
#include "gguf/file.h"
#include "store/blob_fetch.h"
#include "store/durable.h"
#include "store/gguf_merge.h"
#include "store/gguf_summary.h"
#include "store/hf_files.h"
#include "store/http_client.h"
#include "store/media_types.h"
#include "store/pull_sources.h"
#include "store/sha256.h"
#include "store/staging.h"
#include "store/store.h"

namespace hearth::store {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxListingBytes = 32 << 20;
constexpr int kMaxPages = 100;

std::string env_or(const std::string& given, const char* name, const char* fallback) {
  if (!given.empty()) return given;
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::string(fallback);
}

// A path's segments percent-encoded for a URL.
std::string url_path(const std::string& path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::vector<HfFile> list_files(const std::string& endpoint, const HfReference& ref, const std::string& repo,
                               const std::vector<std::string>& headers, const PullOptions& options) {
  std::vector<HfFile> files;
  std::optional<std::string> url = endpoint + "/api/models/" + ref.org + "/" + ref.repo + "/tree/main?recursive=true";
  for (int page = 0; url && page < kMaxPages; ++page) {
    HttpRequest req;
    req.url = *url;
    req.headers = headers;
    req.headers.push_back("Accept: application/json");
    req.cancel = options.cancel;
    std::string body;
    HttpResponse r;
    try {
      r = http_get_text(req, body, kMaxListingBytes);
    } catch (const HttpTransferError& e) {
      if (e.cancelled) fail("cancelled");
      fail("cannot reach Hugging Face (", url_host(*url), "): ", e.what());
    }
    const std::string detail = r.error_body.empty() ? "" : " (" + error_text(r.error_body) + ")";
    if (r.status == 401 || r.status == 404)
      fail(repo, ": no such repository on ", url_host(*url), ", or it is private", detail,
           std::getenv("HF_TOKEN") || !options.hf_token.empty() ? "" : " (set HF_TOKEN for private ones)");
    if (r.status == 403)
      fail(repo, ": access refused", detail, " — a gated repository needs its terms accepted and HF_TOKEN set");
    if (r.status < 200 || r.status >= 300) fail(repo, ": listing its files failed with HTTP ", r.status, detail);
    auto page_files = parse_hf_tree(body, repo + ": the file listing");
    files.insert(files.end(), page_files.begin(), page_files.end());
    url = next_page(r.header("link"));
  }
  return files;
}

// Where the digest of an earlier merge of these parts is remembered, so a
// second pull of a split model finds its blob without downloading the parts.
fs::path merge_record(const Store& store, const std::vector<HfFile>& parts) {
  std::string key;
  for (const HfFile& p : parts) key += p.sha256->hex;
  return store.root() / "partial" / ("merged-" + sha256_hex(key));
}

}  // namespace

PullResult pull_from_hugging_face(Store& store, const HfReference& ref, const PullOptions& options,
                                  const ProgressFn& progress) {
  auto report = [&](const std::string& status) {
    if (progress) progress(ProgressEvent{status, "", 0, 0});
  };
  std::string endpoint = env_or(options.hf_endpoint, "HF_ENDPOINT", "https://huggingface.co");
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  const std::string token = env_or(options.hf_token, "HF_TOKEN", "");
  std::vector<std::string> headers;
  if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
  const std::string repo = "hf.co/" + ref.org + "/" + ref.repo;

  report("pulling manifest");
  const GgufChoice choice = choose_gguf(list_files(endpoint, ref, repo, headers, options), ref.quant, repo);
  const Name name = Name::parse(repo + ":" + choice.quant);
  std::vector<RemoteBlob> blobs;
  for (const HfFile& f : choice.parts) {
    if (!f.sha256) fail(repo, ": '", f.path, "' has no sha256 in the listing (not an LFS file), so it cannot be verified");
    blobs.push_back({*f.sha256, f.size,
                     {endpoint + "/" + ref.org + "/" + ref.repo + "/resolve/main/" + url_path(f.path), headers,
                      "file '" + f.path + "'"}});
  }

  Staging staging(store.root());
  BlobFetch fetch(store, staging, options, progress);
  const StagedBlob* model = nullptr;
  std::optional<fs::path> record;
  if (blobs.size() == 1) {
    fetch.fetch(blobs, true);
    model = staging.find(blobs[0].digest);
  } else {
    record = merge_record(store, choice.parts);
    std::error_code ec;
    if (fs::exists(*record, ec)) {
      const auto merged = Digest::try_parse("sha256:" + read_file_bytes(*record));
      if (merged && store.has_blob(*merged)) model = staging.add_existing(*merged);
    }
    if (model) {
      for (const RemoteBlob& b : blobs)
        if (progress) progress(ProgressEvent{"pulling " + b.digest.short_id(), b.digest.str(), b.size, b.size});
    } else {
      const std::vector<fs::path> parts = fetch.fetch(blobs, false);
      report(cat("merging ", parts.size(), " GGUF parts"));
      const fs::path out = staging.scratch_path("merged.gguf");
      merge_gguf_parts(parts, out);
      model = &staging.add_written_file(out);
    }
  }

  const GgufSummary summary = summarize_gguf(gguf::File::open(model->path.string()));
  ModelConfig config = ModelConfig::from_gguf(summary);
  config.diff_ids = {model->digest};
  const StagedBlob& config_blob = staging.add_bytes(config.serialize());
  Manifest manifest;
  manifest.config = Layer{std::string(media_type::kConfig), config_blob.digest, config_blob.size};
  manifest.layers = {Layer{std::string(media_type::kModel), model->digest, model->size}};
  const Digest model_digest = model->digest;

  report("writing manifest");
  store.write_model(name, manifest, staging);
  if (record) write_file_atomically(*record, model_digest.hex);
  fetch.finish();
  report("success");
  return PullResult{name, {}};
}

}  // namespace hearth::store
