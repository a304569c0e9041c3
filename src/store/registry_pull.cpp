// Pulling from an ollama registry: the manifest, then its blobs.
#include <algorithm>
#include <set>

#include "core/error.h"
#include "store/blob_fetch.h"
#include "store/http_client.h"
#include "store/media_types.h"
#include "store/pull_sources.h"
#include "store/staging.h"
#include "store/store.h"

namespace hearth::store {

namespace {

constexpr size_t kMaxManifestBytes = 4 << 20;

std::string fetch_manifest(const std::string& url, const Name& name, const PullOptions& options) {
  const std::string host = name.host;
  HttpRequest req;
  req.url = url;
  req.headers = {"Accept: " + std::string(media_type::kManifest)};
  req.cancel = options.cancel;
  std::string body;
  HttpResponse r;
  try {
    r = http_get_text(req, body, kMaxManifestBytes);
  } catch (const HttpTransferError& e) {
    if (e.cancelled) fail("cancelled");
    fail("pull model manifest: cannot reach the registry ", host, ": ", e.what(),
         options.insecure ? "" : " (a registry that speaks plain HTTP needs --insecure)");
  }
  if (r.status == 404)
    fail("pull model manifest: model '", name.display(), "' was not found on ", host, " (", error_text(r.error_body), ")");
  if (r.status == 401 || r.status == 403)
    fail("pull model manifest: ", host, " refused access to '", name.display(), "' (HTTP ", r.status, ": ",
         error_text(r.error_body), "); hearth pulls models that need no sign-in");
  if (r.status < 200 || r.status >= 300)
    fail("pull model manifest: ", host, " answered HTTP ", r.status, " (", error_text(r.error_body), ")");
  return body;
}

}  // namespace

PullResult pull_from_registry(Store& store, const Name& name, const PullOptions& options, const ProgressFn& progress) {
  auto report = [&](const std::string& status) {
    if (progress) progress(ProgressEvent{status, "", 0, 0});
  };
  const std::string base = std::string(options.insecure ? "http://" : "https://") + name.host + "/v2/" + name.ns + "/" +
                           name.model;
  report("pulling manifest");
  const std::string bytes = fetch_manifest(base + "/manifests/" + name.tag, name, options);
  const Manifest manifest =
      Manifest::parse(bytes, cat("pull model manifest: the manifest of '", name.display(), "' from ", name.host));
  const Layer* model = manifest.find(media_type::kModel);
  if (!model)
    fail("'", name.display(), "' has no model layer (", media_type::kModel, "): hearth cannot run it");

  // ollama's order: the layers, then the config; each blob once.
  std::vector<Layer> all = manifest.layers;
  all.push_back(manifest.config);
  std::vector<RemoteBlob> blobs;
  std::set<Digest> seen;
  for (const Layer& l : all) {
    if (!seen.insert(l.digest).second) continue;
    blobs.push_back({l.digest, l.size, {base + "/blobs/" + l.digest.str(), {}, "layer " + l.digest.str()}});
  }
  Staging staging(store.root());
  BlobFetch fetch(store, staging, options, progress);
  fetch.fetch(blobs, true);

  PullResult result{name, {}};
  std::optional<std::filesystem::path> template_layer;
  if (const Layer* t = manifest.find(media_type::kTemplate)) template_layer = staging.find(t->digest)->path;
  if (auto problem = template_problem(staging.find(model->digest)->path, template_layer))
    result.warnings.push_back(*problem);

  report("writing manifest");
  store.write_model(name, manifest, staging, bytes);
  fetch.finish();
  report("success");
  return result;
}

}  // namespace hearth::store
