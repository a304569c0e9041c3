#pragma once
// A local stand-in for the registries hearth pulls from, on a free loopback
// port (cpp-httplib), serving from a folder:
//
//   ollama's registry protocol    GET /v2/<ns>/<model>/manifests/<tag>  <dir>/manifests/<ns>/<model>/<tag>
//                                 GET /v2/<ns>/<model>/blobs/<digest>   307 to /cdn/<digest> (as the real one
//                                                                       sends blobs to a CDN), from <dir>/blobs
//   Hugging Face's file API       GET /api/models/<org>/<repo>/tree/main  <dir>/hf/<org>/<repo>/..., paged
//                                 GET /<org>/<repo>/resolve/main/<file>   302 to /cdn-lfs/<sha256>
//
// Blobs are served with Range support (206), and can be made to misbehave:
// a connection dropped after N bytes, corrupted bytes, Range ignored (200
// and everything), a slow trickle. Every request is logged (path, Range and
// Authorization headers, status, body bytes sent).
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/digest.h"
#include "store/media_types.h"
#include "store/sha256.h"

namespace hearth::testing {

struct ServedRequest {
  std::string path;
  std::string range;          // the Range header, "" when none
  std::string authorization;  // the Authorization header
  std::string accept;
  int status = 0;
  std::shared_ptr<std::atomic<uint64_t>> bytes = std::make_shared<std::atomic<uint64_t>>(0);
};

struct BlobBehaviour {
  int drop_requests = 0;   // the next N requests for the blob are cut off...
  uint64_t drop_at = 0;    // ...when they reach this byte of the blob
  bool corrupt = false;    // one byte flipped (the size stays right)
  bool ignore_range = false;
};

// One layer to publish: its media type and bytes.
struct FakeLayer {
  std::string media_type;
  std::string bytes;
};

class FakeRegistry {
 public:
  explicit FakeRegistry(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_ / "manifests");
    std::filesystem::create_directories(dir_ / "blobs");
    std::filesystem::create_directories(dir_ / "hf");
    routes();
    http_.set_tcp_nodelay(true);  // no Nagle stalls between headers and body
    port_ = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeRegistry() {
    http_.stop();
    thread_.join();
  }
  FakeRegistry(const FakeRegistry&) = delete;

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url() const { return "http://" + host(); }
  const std::filesystem::path& dir() const { return dir_; }

  store::Digest add_blob(const std::string& bytes) {
    const store::Digest d = store::Digest::of(bytes);
    write(dir_ / "blobs" / d.blob_name(), bytes);
    return d;
  }

  // Publishes a model under <ns>/<model>/<tag>: its layers, a config blob,
  // and a manifest (indented, unlike ollama's own: the store must keep the
  // registry's bytes). Returns the manifest's bytes.
  std::string publish(const std::string& ns, const std::string& model, const std::string& tag,
                      const std::vector<FakeLayer>& layers) {
    nlohmann::ordered_json diff = nlohmann::ordered_json::array();
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const FakeLayer& l : layers) {
      const store::Digest d = add_blob(l.bytes);
      diff.push_back(d.str());
      list.push_back({{"mediaType", l.media_type}, {"digest", d.str()}, {"size", l.bytes.size()}});
    }
    const std::string config =
        nlohmann::ordered_json{{"model_format", "gguf"}, {"model_family", "llama"}, {"model_families", {"llama"}},
                               {"model_type", "292.35K"}, {"file_type", "F32"}, {"architecture", "amd64"}, {"os", "linux"},
                               {"rootfs", {{"type", "layers"}, {"diff_ids", diff}}}}
            .dump();
    const store::Digest c = add_blob(config);
    const std::string manifest =
        nlohmann::ordered_json{{"schemaVersion", 2},
                               {"mediaType", store::media_type::kManifest},
                               {"config", {{"mediaType", store::media_type::kConfig}, {"digest", c.str()}, {"size", config.size()}}},
                               {"layers", list}}
            .dump(2);
    set_manifest(ns, model, tag, manifest);
    return manifest;
  }
  void set_manifest(const std::string& ns, const std::string& model, const std::string& tag, const std::string& bytes) {
    std::filesystem::create_directories(dir_ / "manifests" / ns / model);
    write(dir_ / "manifests" / ns / model / tag, bytes);
  }

  // A file of a Hugging Face repository (kept with LFS unless `in_git`).
  void add_hf_file(const std::string& org, const std::string& repo, const std::string& path, const std::string& bytes,
                   bool in_git = false) {
    const auto p = dir_ / "hf" / org / repo / path;
    std::filesystem::create_directories(p.parent_path());
    write(p, bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!in_git) lfs_[store::sha256_hex(bytes)] = p;
    else git_files_.insert(p.string());
  }
  void set_hf_page_size(size_t n) { page_size_ = n; }

  void behave(const store::Digest& d, BlobBehaviour b) {
    std::lock_guard<std::mutex> lock(mutex_);
    behaviour_[d.hex] = b;
  }
  void set_trickle(std::chrono::microseconds per_16k) { trickle_ = per_16k; }

  std::vector<ServedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_;
  }
  // The requests whose path contains `part`.
  std::vector<ServedRequest> requests_for(const std::string& part) const {
    std::vector<ServedRequest> out;
    for (const ServedRequest& r : requests())
      if (r.path.find(part) != std::string::npos) out.push_back(r);
    return out;
  }
  void clear_log() {
    std::lock_guard<std::mutex> lock(mutex_);
    log_.clear();
  }

 private:
  static void write(const std::filesystem::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
  }
  static std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  ServedRequest& record(const httplib::Request& req, int status) {
    std::lock_guard<std::mutex> lock(mutex_);
    ServedRequest r;
    r.path = req.path;
    r.range = req.get_header_value("Range");
    r.authorization = req.get_header_value("Authorization");
    r.accept = req.get_header_value("Accept");
    r.status = status;
    log_.push_back(r);
    return log_.back();
  }

  void not_found(const httplib::Request& req, httplib::Response& res, const std::string& code, const std::string& what) {
    record(req, 404);
    res.status = 404;
    res.set_content(nlohmann::json{{"errors", {{{"code", code}, {"message", what}}}}}.dump(), "application/json");
  }

  void serve_file(const httplib::Request& req, httplib::Response& res, const std::filesystem::path& path,
                  const std::string& hex) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return not_found(req, res, "BLOB_UNKNOWN", "blob unknown to registry");
    BlobBehaviour b;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = behaviour_.find(hex);
      if (it != behaviour_.end()) {
        b = it->second;
        if (it->second.drop_requests > 0) --it->second.drop_requests;
      }
    }
    auto bytes = std::make_shared<std::string>(read(path));
    if (b.corrupt && !bytes->empty()) (*bytes)[bytes->size() / 2] ^= 0x5a;
    // cpp-httplib answers Range itself; a server that ignores it sends 200 and everything.
    if (b.ignore_range) const_cast<httplib::Request&>(req).ranges.clear();
    const bool ranged = !req.ranges.empty();
    std::shared_ptr<std::atomic<uint64_t>> sent = record(req, ranged ? 206 : 200).bytes;
    const bool drop = b.drop_requests > 0;
    const uint64_t drop_at = b.drop_at;
    const auto trickle = trickle_;
    res.set_content_provider(bytes->size(), "application/octet-stream",
                             [bytes, sent, drop, drop_at, trickle](size_t off, size_t len, httplib::DataSink& sink) {
                               const size_t n = std::min<size_t>(len, 16 << 10);
                               if (drop && off + n >= drop_at) {
                                 const size_t rest = drop_at > off ? static_cast<size_t>(drop_at - off) : 0;
                                 if (rest) sink.write(bytes->data() + off, rest);
                                 *sent += rest;
                                 return false;  // the connection goes down mid-body
                               }
                               if (!sink.write(bytes->data() + off, n)) return false;
                               *sent += n;
                               if (trickle.count()) std::this_thread::sleep_for(trickle);
                               return true;
                             });
  }

  void hf_tree(const httplib::Request& req, httplib::Response& res) {
    const std::string org = req.matches[1], repo = req.matches[2];
    const auto root = dir_ / "hf" / org / repo;
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) {
      record(req, 401);
      res.status = 401;  // what the hub says for a repository that does not exist
      res.set_content(R"({"error":"Repository not found"})", "application/json");
      return;
    }
    std::vector<std::filesystem::path> entries;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) entries.push_back(e.path());
    std::sort(entries.begin(), entries.end());
    const size_t page = req.has_param("cursor") ? std::stoul(req.get_param_value("cursor")) : 0;
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = page * page_size_; i < entries.size() && i < (page + 1) * page_size_; ++i) {
      const auto& p = entries[i];
      const std::string rel = std::filesystem::relative(p, root).string();
      if (std::filesystem::is_directory(p)) {
        out.push_back({{"type", "directory"}, {"oid", "0000"}, {"size", 0}, {"path", rel}});
        continue;
      }
      const std::string bytes = read(p);
      nlohmann::json e = {{"type", "file"}, {"oid", store::sha256_hex(rel).substr(0, 40)}, {"size", bytes.size()}, {"path", rel}};
      bool git;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        git = git_files_.count(p.string()) > 0;
      }
      if (!git) e["lfs"] = {{"oid", store::sha256_hex(bytes)}, {"size", bytes.size()}, {"pointerSize", 134}};
      out.push_back(e);
    }
    record(req, 200);
    if ((page + 1) * page_size_ < entries.size())
      res.set_header("Link", "<" + url() + "/api/models/" + org + "/" + repo + "/tree/main?recursive=true&cursor=" +
                                 std::to_string(page + 1) + ">; rel=\"next\"");
    res.set_content(out.dump(), "application/json");
  }

  void routes() {
    http_.Get(R"(/v2/([^/]+)/([^/]+)/manifests/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      const auto p = dir_ / "manifests" / req.matches[1].str() / req.matches[2].str() / req.matches[3].str();
      std::error_code ec;
      if (!std::filesystem::is_regular_file(p, ec)) return not_found(req, res, "MANIFEST_UNKNOWN", "manifest unknown");
      record(req, 200);
      res.set_content(read(p), store::media_type::kManifest.data());
    });
    http_.Get(R"(/v2/([^/]+)/([^/]+)/blobs/(sha256:[0-9a-f]{64}))", [this](const httplib::Request& req, httplib::Response& res) {
      record(req, 307);
      res.set_redirect("/cdn/" + req.matches[3].str(), 307);
    });
    http_.Get(R"(/cdn/sha256:([0-9a-f]{64}))", [this](const httplib::Request& req, httplib::Response& res) {
      serve_file(req, res, dir_ / "blobs" / ("sha256-" + req.matches[1].str()), req.matches[1]);
    });
    http_.Get(R"(/api/models/([^/]+)/([^/]+)/tree/main)",
              [this](const httplib::Request& req, httplib::Response& res) { hf_tree(req, res); });
    http_.Get(R"(/([^/]+)/([^/]+)/resolve/main/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      const auto p = dir_ / "hf" / req.matches[1].str() / req.matches[2].str() / req.matches[3].str();
      std::error_code ec;
      if (!std::filesystem::is_regular_file(p, ec)) return not_found(req, res, "NOT_FOUND", "entry not found");
      const std::string sha = store::sha256_file_hex(p);
      record(req, 302);
      res.set_redirect("/cdn-lfs/" + sha, 302);
    });
    http_.Get(R"(/cdn-lfs/([0-9a-f]{64}))", [this](const httplib::Request& req, httplib::Response& res) {
      std::filesystem::path p;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = lfs_.find(req.matches[1].str());
        if (it != lfs_.end()) p = it->second;
      }
      serve_file(req, res, p, req.matches[1]);
    });
  }

  std::filesystem::path dir_;
  httplib::Server http_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<ServedRequest> log_;
  std::map<std::string, BlobBehaviour> behaviour_;
  std::map<std::string, std::filesystem::path> lfs_;
  std::set<std::string> git_files_;
  size_t page_size_ = 1000;
  std::chrono::microseconds trickle_{0};
};

// stories260K as a model of the registry: GGUF, a Go template, and
// optionally a system message and parameters. Returns the manifest's bytes.
inline std::string publish_stories(FakeRegistry& reg, const std::string& ns, const std::string& model,
                                   const std::string& go_template = "{{ .Prompt }}", const std::string& system = "",
                                   const std::string& params = "") {
  std::ifstream in(HEARTH_SOURCE_DIR "/models/stories260K.gguf", std::ios::binary);
  std::vector<FakeLayer> layers{{std::string(store::media_type::kModel),
                                 std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>())},
                                {std::string(store::media_type::kTemplate), go_template}};
  if (!system.empty()) layers.push_back({std::string(store::media_type::kSystem), system});
  if (!params.empty()) layers.push_back({std::string(store::media_type::kParams), params});
  return reg.publish(ns, model, "latest", layers);
}

}  // namespace hearth::testing
