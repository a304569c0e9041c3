#include "store/store.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "core/error.h"
#include "store/durable.h"
#include "store/media_types.h"
#include "store/parameters.h"
#include "store/sha256.h"
#include "store/staging.h"
#include "store/store_lock.h"

namespace hearth::store {

namespace fs = std::filesystem;

namespace {

bool equal_fold(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The entries of dir, temporary ones left out; empty when dir cannot be read.
std::vector<fs::directory_entry> entries(const fs::path& dir) {
  std::vector<fs::directory_entry> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (!is_temp_name(it->path().filename().string())) out.push_back(*it);
  return out;
}

std::chrono::system_clock::time_point modified_time(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

bool is_missing(const fs::path& path) {
  std::error_code ec;
  return !fs::exists(path, ec);
}

// Removes the now empty directories between a deleted manifest and manifests/.
void remove_empty_parents(fs::path dir, const fs::path& stop) {
  std::error_code ec;
  while (dir != stop && dir.string().size() > stop.string().size()) {
    if (!fs::is_empty(dir, ec) || ec || !fs::remove(dir, ec) || ec) return;
    dir = dir.parent_path();
  }
}

}  // namespace

fs::path Store::default_root() {
  if (const char* env = std::getenv("HEARTH_MODELS"); env && *env) return fs::path(env);
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    const passwd* pw = ::getpwuid(::getuid());
    if (!pw || !pw->pw_dir) fail("cannot find the home directory: set HOME or HEARTH_MODELS");
    home = pw->pw_dir;
  }
  return fs::path(home) / ".hearth" / "models";
}

Store::Store(fs::path root) : root_(std::move(root)) {}

std::optional<Store::Located> Store::locate(const Name& name) const {
  const fs::path exact = manifests_dir() / name.relative_path();
  std::error_code ec;
  if (fs::is_regular_file(exact, ec)) return Located{name, exact};
  // Walk down, level by level, through every spelling that matches ignoring case.
  const std::string wanted[4] = {name.host, name.ns, name.model, name.tag};
  struct Step {
    fs::path dir;
    int level;
    std::vector<std::string> parts;
  };
  std::vector<Step> todo{{manifests_dir(), 0, {}}};
  while (!todo.empty()) {
    Step step = std::move(todo.back());
    todo.pop_back();
    for (const auto& entry : entries(step.dir)) {
      const std::string part = entry.path().filename().string();
      if (!equal_fold(part, wanted[step.level])) continue;
      std::vector<std::string> parts = step.parts;
      parts.push_back(part);
      if (step.level == 3) {
        if (!entry.is_regular_file(ec)) continue;
        if (auto n = Name::from_parts(parts[0], parts[1], parts[2], parts[3])) return Located{*n, entry.path()};
      } else if (entry.is_directory(ec)) {
        todo.push_back({entry.path(), step.level + 1, std::move(parts)});
      }
    }
  }
  return std::nullopt;
}

std::vector<Store::Located> Store::all_manifests() const {
  std::vector<Located> out;
  std::error_code ec;
  for (const auto& host : entries(manifests_dir())) {
    if (!host.is_directory(ec)) continue;
    for (const auto& ns : entries(host.path())) {
      if (!ns.is_directory(ec)) continue;
      for (const auto& model : entries(ns.path())) {
        if (!model.is_directory(ec)) continue;
        for (const auto& tag : entries(model.path())) {
          if (!tag.is_regular_file(ec)) continue;
          auto name = Name::from_parts(host.path().filename().string(), ns.path().filename().string(),
                                       model.path().filename().string(), tag.path().filename().string());
          if (name) out.push_back({*name, tag.path()});
        }
      }
    }
  }
  return out;
}

ModelInfo Store::read_model(const Located& where) const {
  const std::string what = cat("model '", where.name.display(), "'");
  const std::string bytes = read_file_bytes(where.path);
  ModelInfo info;
  info.name = where.name;
  info.manifest = Manifest::parse(bytes, cat(what, ": manifest '", where.path.string(), "'"));
  info.digest = Digest::of(bytes);
  info.size = info.manifest.total_size();
  info.modified = modified_time(where.path);

  auto blob = [&](const Layer& layer, const char* kind) {
    const fs::path path = blob_path(layer.digest);
    if (is_missing(path)) fail(what, " is damaged: its ", kind, " blob ", layer.digest.str(), " is missing");
    return path;
  };
  auto text = [&](const Layer& layer, const char* kind) { return read_file_bytes(blob(layer, kind)); };

  info.config = ModelConfig::parse(text(info.manifest.config, "config"), what);
  info.details = info.config.details();
  const Layer* model = info.manifest.find(media_type::kModel);
  if (!model) fail(what, " has no model layer (", media_type::kModel, ")");
  info.model_path = blob(*model, "model");
  if (const Layer* l = info.manifest.find(media_type::kAdapter)) info.adapter_path = blob(*l, "adapter");
  if (const Layer* l = info.manifest.find(media_type::kTemplate)) info.template_text = text(*l, "template");
  if (const Layer* l = info.manifest.find(media_type::kSystem)) info.system = text(*l, "system");
  for (const Layer* l : info.manifest.find_all(media_type::kLicense)) info.licenses.push_back(text(*l, "license"));
  if (const Layer* l = info.manifest.find(media_type::kParams)) {
    auto params = nlohmann::json::parse(text(*l, "params"), nullptr, false);
    if (params.is_discarded() || !params.is_object()) fail(what, " is damaged: its params layer is not a JSON object");
    info.parameters = std::move(params);
  }
  if (const Layer* l = info.manifest.find(media_type::kMessages)) {
    auto messages = nlohmann::json::parse(text(*l, "messages"), nullptr, false);
    if (messages.is_discarded() || !messages.is_array()) fail(what, " is damaged: its messages layer is not a JSON array");
    for (const auto& m : messages) {
      if (!m.is_object() || !m.value("role", nlohmann::json()).is_string() || !m.value("content", nlohmann::json()).is_string())
        fail(what, " is damaged: a message lacks a role or content");
      info.messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    }
  }
  return info;
}

std::optional<ModelInfo> Store::find(const Name& name) const {
  // A writer may replace or remove the model while it is read (its old blobs
  // going with it): read again from the manifest that is there now.
  for (int attempt = 1;; ++attempt) {
    auto where = locate(name);
    if (!where) return std::nullopt;
    try {
      return read_model(*where);
    } catch (const Error&) {
      if (attempt == 3) throw;
    }
  }
}

ModelInfo Store::get(const Name& name) const {
  if (auto info = find(name)) return std::move(*info);
  fail("model '", name.display(), "' not found");
}

std::vector<ListEntry> Store::list(std::vector<std::string>* problems) const {
  std::vector<ListEntry> out;
  for (const Located& where : all_manifests()) {
    try {
      const std::string bytes = read_file_bytes(where.path);
      ListEntry e;
      e.name = where.name;
      const Manifest m = Manifest::parse(bytes, cat("manifest '", where.path.string(), "'"));
      e.digest = Digest::of(bytes);
      e.size = m.total_size();
      e.modified = modified_time(where.path);
      const fs::path config = blob_path(m.config.digest);
      if (!is_missing(config)) e.details = ModelConfig::parse(read_file_bytes(config), where.name.display()).details();
      else if (problems) problems->push_back(cat("model '", where.name.display(), "': its config blob is missing"));
      out.push_back(std::move(e));
    } catch (const Error& err) {
      if (problems && !is_missing(where.path)) problems->push_back(err.what());
    }
  }
  std::sort(out.begin(), out.end(), [](const ListEntry& a, const ListEntry& b) {
    if (a.modified != b.modified) return a.modified > b.modified;
    return a.name.display() < b.name.display();
  });
  return out;
}

void Store::check_name_free(const Name& name) const {
  if (auto existing = locate(name); existing && existing->name != name)
    fail("a model with that name already exists: '", existing->name.display(),
         "' (model names ignore case; remove it first or use its spelling)");
}

void Store::write_model(const Name& name, const Manifest& manifest, const Staging& staging) {
  write_model(name, manifest, staging, manifest.serialize());
}

void Store::write_model(const Name& name, const Manifest& manifest, const Staging& staging,
                        std::string_view manifest_bytes) {
  if (!(Manifest::parse(manifest_bytes, "the manifest to write") == manifest))
    fail("internal error: the manifest's bytes do not match the manifest");
  StoreLock lock(root_, StoreLock::Mode::Exclusive);
  remove_stale_temps(blobs_dir(), false);
  remove_stale_temps(manifests_dir(), true);
  check_name_free(name);
  create_directories_durably(blobs_dir(), root_);

  // Every blob is checked before any is moved in: a manifest that cannot be
  // committed leaves no blob behind.
  std::vector<Layer> wanted{manifest.config};
  wanted.insert(wanted.end(), manifest.layers.begin(), manifest.layers.end());
  std::vector<const StagedBlob*> to_move;
  for (const Layer& layer : wanted) {
    const fs::path target = blob_path(layer.digest);
    const StagedBlob* staged = staging.find(layer.digest);
    if (staged && staged->size != layer.size)
      fail("layer ", layer.digest.str(), " is ", staged->size, " bytes, the manifest says ", layer.size);
    std::error_code ec;
    const bool present = fs::exists(target, ec);
    if (present && fs::file_size(target, ec) == layer.size) continue;
    if (!staged || staged->path.empty() || is_missing(staged->path)) {
      if (present)
        fail("blob ", layer.digest.str(), " in the store is damaged (", fs::file_size(target, ec), " bytes, not ",
             layer.size, ")");
      fail("blob ", layer.digest.str(), " is not in the store (was it removed meanwhile? try again)");
    }
    if (std::find(to_move.begin(), to_move.end(), staged) == to_move.end()) to_move.push_back(staged);
  }
  for (const StagedBlob* staged : to_move) {
    const fs::path target = blob_path(staged->digest);
    if (::rename(staged->path.c_str(), target.c_str()) != 0)
      fail("cannot move a blob into '", target.string(), "': ", errno_text(errno));
  }
  const bool renamed = !to_move.empty();
  if (renamed) fsync_directory(blobs_dir());

  put_manifest(name, std::string(manifest_bytes), manifest);
}

bool Store::has_blob(const Digest& digest) const {
  std::error_code ec;
  return fs::is_regular_file(blob_path(digest), ec);
}

void Store::put_blob(const Staging& staging, const Digest& digest) {
  const StagedBlob* staged = staging.find(digest);
  if (!staged || staged->path.empty()) fail("blob ", digest.str(), " is not staged");
  StoreLock lock(root_, StoreLock::Mode::Exclusive);
  create_directories_durably(blobs_dir(), root_);
  const fs::path target = blob_path(digest);
  std::error_code ec;
  if (fs::exists(target, ec) && fs::file_size(target, ec) == staged->size) return;
  if (::rename(staged->path.c_str(), target.c_str()) != 0)
    fail("cannot move a blob into '", target.string(), "': ", errno_text(errno));
  fsync_directory(blobs_dir());
}

void Store::put_manifest(const Name& name, const std::string& bytes, const Manifest& manifest) {
  const fs::path path = manifests_dir() / name.relative_path();
  std::optional<Manifest> old;
  if (!is_missing(path)) {
    try {
      old = Manifest::parse(read_file_bytes(path), path.string());
    } catch (const Error&) {
      // A damaged manifest being replaced: its blobs cannot be known.
    }
  }
  create_directories_durably(path.parent_path(), root_);
  write_file_atomically(path, bytes);
  if (old && !(*old == manifest)) collect_garbage(*old);
}

void Store::copy(const Name& from, const Name& to) {
  StoreLock lock(root_, StoreLock::Mode::Exclusive);
  remove_stale_temps(manifests_dir(), true);
  auto source = locate(from);
  if (!source) fail("model '", from.display(), "' not found");
  if (source->name.same_model(to)) {
    if (source->name == to) return;
    fail("'", from.display(), "' and '", to.display(), "' name the same model (model names ignore case)");
  }
  check_name_free(to);
  const std::string bytes = read_file_bytes(source->path);
  const Manifest manifest = Manifest::parse(bytes, cat("model '", from.display(), "': manifest '", source->path.string(), "'"));
  for (const Digest& d : manifest.blobs())
    if (is_missing(blob_path(d))) fail("model '", from.display(), "' is damaged: blob ", d.str(), " is missing");
  put_manifest(to, bytes, manifest);  // the same bytes: the copy has the same digest (ID), as in ollama
}

void Store::remove(const Name& name) {
  StoreLock lock(root_, StoreLock::Mode::Exclusive);
  remove_stale_temps(blobs_dir(), false);
  remove_stale_temps(manifests_dir(), true);
  auto where = locate(name);
  if (!where) fail("model '", name.display(), "' not found");
  std::optional<Manifest> manifest;
  try {
    manifest = Manifest::parse(read_file_bytes(where->path), where->path.string());
  } catch (const Error&) {
    // A damaged manifest can still be removed; its blobs stay (unknown).
  }
  if (::unlink(where->path.c_str()) != 0)
    fail("cannot remove '", where->path.string(), "': ", errno_text(errno));
  fsync_directory(where->path.parent_path());
  remove_empty_parents(where->path.parent_path(), manifests_dir());
  if (manifest) collect_garbage(*manifest);
}

void Store::collect_garbage(const Manifest& m) {
  std::set<Digest> referenced;
  for (const Located& other : all_manifests()) {
    try {
      for (const Digest& d : Manifest::parse(read_file_bytes(other.path), other.path.string()).blobs())
        referenced.insert(d);
    } catch (const Error&) {
      return;  // a manifest we cannot read may reference anything: keep every blob
    }
  }
  bool removed = false;
  for (const Digest& d : m.blobs()) {
    if (referenced.count(d)) continue;
    if (::unlink(blob_path(d).c_str()) == 0) removed = true;
  }
  if (removed) fsync_directory(blobs_dir());
}

size_t Store::clean_up() {
  if (is_missing(root_)) return 0;
  StoreLock lock(root_, StoreLock::Mode::Exclusive);
  return remove_stale_temps(blobs_dir(), false) + remove_stale_temps(manifests_dir(), true);
}

std::vector<std::string> Store::check(bool verify_digests) const {
  std::vector<std::string> problems;
  if (is_missing(root_)) return problems;
  StoreLock lock(root_, StoreLock::Mode::Shared);  // a state no writer is halfway through
  for (const Located& where : all_manifests()) {
    Manifest m;
    try {
      m = Manifest::parse(read_file_bytes(where.path), where.path.string());
    } catch (const Error& e) {
      problems.push_back(e.what());
      continue;
    }
    std::vector<Layer> layers{m.config};
    layers.insert(layers.end(), m.layers.begin(), m.layers.end());
    for (const Layer& l : layers) {
      const fs::path path = blob_path(l.digest);
      std::error_code ec;
      const auto size = fs::file_size(path, ec);
      if (ec) {
        problems.push_back(cat(where.name.display(), ": blob ", l.digest.str(), " is missing"));
      } else if (size != l.size) {
        problems.push_back(cat(where.name.display(), ": blob ", l.digest.str(), " is ", size, " bytes, not ", l.size));
      } else if (verify_digests && sha256_file_hex(path) != l.digest.hex) {
        problems.push_back(cat(where.name.display(), ": blob ", l.digest.str(), " does not have that digest"));
      }
    }
  }
  return problems;
}

}  // namespace hearth::store
