#pragma once
// Which models are in memory. A request takes a Lease on the model it needs
// (loading it first when it is not loaded); a model with leases out is never
// unloaded. When the last lease goes, the model stays for its keep_alive
// (the request's, else the server's), then a background thread unloads it.
// Loading past HEARTH_MAX_LOADED_MODELS, or past the memory the machine has
// available, first unloads the least recently used idle models; when none is
// idle the request waits. At most max_queue requests wait (for a load, or for
// a slot of a loaded model, counted together); past that, acquire() and a
// generator's submit() throw QueueFull.
#include <chrono>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "server/catalog.h"
#include "server/config.h"
#include "server/loaded_model.h"

namespace hearth::server {

using QueueFull = runtime::QueueFull;

class Scheduler;

class Lease {
 public:
  ~Lease();
  LoadedModel& model() { return *model_; }
  // The keep_alive to apply when this lease is returned (nullopt: the
  // server's default).
  void set_keep_alive(std::optional<int64_t> ns) { keep_alive_ns_ = ns; }
  // Whether this request had to load the model.
  bool loaded_now() const { return loaded_now_; }

 private:
  friend class Scheduler;
  Lease(Scheduler& s, std::shared_ptr<LoadedModel> m, bool loaded_now)
      : scheduler_(s), model_(std::move(m)), loaded_now_(loaded_now) {}
  Scheduler& scheduler_;
  std::shared_ptr<LoadedModel> model_;
  std::optional<int64_t> keep_alive_ns_;
  bool loaded_now_;
};

struct LoadedInfo {  // for /api/ps
  ModelEntry entry;
  uint64_t memory_bytes;
  int64_t n_ctx;
  int64_t expires_unix_ns;  // -1: never; 0: in use
};

class Scheduler {
 public:
  explicit Scheduler(const ServerConfig& config);
  ~Scheduler();

  // Blocks until the model is loaded for key. Throws QueueFull, or
  // hearth::Error when loading fails.
  std::unique_ptr<Lease> acquire(const ModelEntry& entry, const LoadKey& key);
  // Unloads every idle instance of the model at path now; instances in use
  // are unloaded when their last lease returns.
  void unload(const std::string& path);
  std::vector<LoadedInfo> loaded() const;
  // Requests waiting for a load, plus those waiting for a generation slot.
  size_t queued() const;
  // Requests holding a generation slot.
  size_t running() const;

 private:
  friend class Lease;
  struct Instance {
    std::shared_ptr<LoadedModel> model;  // null while loading
    LoadKey key;
    int leases = 0;
    bool unload_when_idle = false;
    int64_t expires_ns = 0;  // steady clock; -1: never
    int64_t last_used_ns = 0;
  };
  void release(const std::shared_ptr<LoadedModel>& model, std::optional<int64_t> keep_alive_ns);
  // Removes the least recently used idle instance; false if none.
  bool evict_one(std::unique_lock<std::mutex>& lock);
  void expire_loop();
  static uint64_t available_memory();

  ServerConfig config_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::list<Instance> instances_;
  // Requests waiting for a load or a slot.
  std::shared_ptr<std::atomic<int64_t>> queue_ = std::make_shared<std::atomic<int64_t>>(0);
  bool stopping_ = false;
  std::thread expirer_;
};

}  // namespace hearth::server
