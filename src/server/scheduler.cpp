#include "server/scheduler.h"

#include <algorithm>
#include <fstream>
#include <string>

#include "core/clock.h"
#include "core/error.h"

namespace hearth::server {

Lease::~Lease() { scheduler_.release(model_, keep_alive_ns_); }

Scheduler::Scheduler(const ServerConfig& config) : config_(config) {
  expirer_ = std::thread([this] { expire_loop(); });
}

Scheduler::~Scheduler() {
  std::list<Instance> gone;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    gone.swap(instances_);
  }
  changed_.notify_all();
  expirer_.join();
  gone.clear();  // unloads outside the lock
}

uint64_t Scheduler::available_memory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb * 1024;
  return 0;  // unknown: no memory-based eviction
}

size_t Scheduler::queued() const { return static_cast<size_t>(std::max<int64_t>(0, queue_->load())); }

size_t Scheduler::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t n = 0;
  for (const Instance& i : instances_)
    if (i.model && i.model->generates()) n += i.model->generator().running();
  return n;
}

bool Scheduler::evict_one(std::unique_lock<std::mutex>& lock) {
  auto victim = instances_.end();
  for (auto it = instances_.begin(); it != instances_.end(); ++it)
    if (it->model && it->leases == 0 && (victim == instances_.end() || it->last_used_ns < victim->last_used_ns))
      victim = it;
  if (victim == instances_.end()) return false;
  std::shared_ptr<LoadedModel> gone = std::move(victim->model);
  instances_.erase(victim);
  lock.unlock();
  gone.reset();
  lock.lock();
  return true;
}

std::unique_ptr<Lease> Scheduler::acquire(const ModelEntry& entry, const LoadKey& key) {
  std::unique_lock<std::mutex> lock(mutex_);
  // Loaded already: no wait, so not in the queue.
  for (Instance& i : instances_)
    if (i.key == key && i.model) {
      ++i.leases;
      i.last_used_ns = now_ns();
      return std::unique_ptr<Lease>(new Lease(*this, i.model, false));
    }
  if (queue_->fetch_add(1) >= config_.max_queue) {
    queue_->fetch_sub(1);
    throw QueueFull(cat("server busy, please try again: ", config_.max_queue,
                        " requests are already waiting (HEARTH_MAX_QUEUE)"));
  }
  struct Unwait {
    std::atomic<int64_t>& n;
    ~Unwait() { n.fetch_sub(1); }
  } unwait{*queue_};
  for (;;) {
    if (stopping_) fail("the server is shutting down");
    auto it = std::find_if(instances_.begin(), instances_.end(), [&](const Instance& i) { return i.key == key; });
    if (it != instances_.end()) {
      if (!it->model) {  // another request is loading it
        changed_.wait(lock);
        continue;
      }
      ++it->leases;
      it->last_used_ns = now_ns();
      return std::unique_ptr<Lease>(new Lease(*this, it->model, false));
    }
    // The same file with other settings: that instance goes first.
    auto other = std::find_if(instances_.begin(), instances_.end(),
                              [&](const Instance& i) { return i.key.path == key.path && i.model; });
    if (other != instances_.end()) {
      if (other->leases == 0) {
        std::shared_ptr<LoadedModel> gone = std::move(other->model);
        instances_.erase(other);
        lock.unlock();
        gone.reset();
        lock.lock();
      } else {
        other->unload_when_idle = true;
        changed_.wait(lock);
      }
      continue;
    }
    if (instances_.size() >= static_cast<size_t>(config_.max_loaded_models)) {
      if (!evict_one(lock)) changed_.wait(lock);
      continue;
    }
    // Memory: the weights plus a rough KV cache share; idle models make room.
    const uint64_t need = entry.size;
    while (available_memory() != 0 && available_memory() < need && evict_one(lock)) {
    }
    instances_.push_back(Instance{nullptr, key, 0, false, 0, now_ns()});
    auto slot = std::prev(instances_.end());
    lock.unlock();
    std::shared_ptr<LoadedModel> loaded;
    try {
      loaded = std::make_shared<LoadedModel>(entry, key, config_.num_parallel, config_.kv_type,
                                             runtime::QueueLimit{queue_, config_.max_queue});
    } catch (...) {
      lock.lock();
      instances_.erase(slot);
      changed_.notify_all();
      throw;
    }
    lock.lock();
    slot->model = loaded;
    slot->leases = 1;
    slot->last_used_ns = now_ns();
    changed_.notify_all();
    return std::unique_ptr<Lease>(new Lease(*this, loaded, true));
  }
}

void Scheduler::release(const std::shared_ptr<LoadedModel>& model, std::optional<int64_t> keep_alive_ns) {
  std::shared_ptr<LoadedModel> gone;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find_if(instances_.begin(), instances_.end(), [&](const Instance& i) { return i.model == model; });
    if (it == instances_.end()) return;
    --it->leases;
    it->last_used_ns = now_ns();
    const int64_t keep = keep_alive_ns.value_or(config_.keep_alive_ns);
    if (it->leases == 0) {
      if (keep == 0 || it->unload_when_idle) {
        gone = std::move(it->model);
        instances_.erase(it);
      } else {
        it->expires_ns = keep < 0 ? -1 : now_ns() + keep;
      }
    } else if (keep == 0) {
      it->unload_when_idle = true;
    } else {
      // The latest request's keep_alive wins, as in ollama.
      it->expires_ns = keep < 0 ? -1 : now_ns() + keep;
    }
  }
  changed_.notify_all();
  gone.reset();
}

void Scheduler::unload(const std::string& path) {
  std::vector<std::shared_ptr<LoadedModel>> gone;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = instances_.begin(); it != instances_.end();) {
      if (it->key.path != path || !it->model) {
        ++it;
        continue;
      }
      if (it->leases == 0) {
        gone.push_back(std::move(it->model));
        it = instances_.erase(it);
      } else {
        it->unload_when_idle = true;
        ++it;
      }
    }
  }
  changed_.notify_all();
}

std::vector<LoadedInfo> Scheduler::loaded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<LoadedInfo> out;
  const int64_t wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  const int64_t steady = now_ns();
  for (const Instance& i : instances_) {
    if (!i.model) continue;
    int64_t expires = 0;
    if (i.leases == 0) expires = i.expires_ns < 0 ? -1 : wall + (i.expires_ns - steady);
    out.push_back({i.model->entry(), i.model->memory_bytes(), i.model->n_ctx(), expires});
  }
  return out;
}

void Scheduler::expire_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    changed_.wait_for(lock, std::chrono::milliseconds(250));
    const int64_t now = now_ns();
    for (auto it = instances_.begin(); it != instances_.end();) {
      if (it->model && it->leases == 0 && it->expires_ns >= 0 && it->expires_ns <= now) {
        std::shared_ptr<LoadedModel> gone = std::move(it->model);
        it = instances_.erase(it);
        lock.unlock();
        gone.reset();
        lock.lock();
        it = instances_.begin();  // the list may have changed meanwhile
      } else {
        ++it;
      }
    }
  }
}

}  // namespace hearth::server
