// ollama's endpoints that write the model store: /api/pull and /api/create
// (NDJSON progress streams, or one answer with "stream": false), and
// HEAD / POST /api/blobs/:digest (a blob uploaded for a later create).
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "server/api.h"
#include "server/json_fields.h"
#include "server/routes.h"
#include "store/modelfile.h"
#include "store/pull.h"
#include "store/staging.h"
#include "store/store.h"

namespace hearth::server {

namespace {

using Json = nlohmann::ordered_json;
using Job = std::function<void(const store::ProgressFn&, const std::atomic<bool>& cancel)>;

const char* const kBlobPath = R"(/api/blobs/([^/]+))";

// ollama's ProgressResponse: digest, total and completed only when set.
Json progress_json(const store::ProgressEvent& e) {
  Json j = {{"status", e.status}};
  if (!e.digest.empty()) j["digest"] = e.digest;
  if (e.total) j["total"] = e.total;
  if (e.completed) j["completed"] = e.completed;
  return j;
}

// A job on a thread of its own, its progress lines queued for the response.
// The response's releaser cancels and joins it, so it never outlives the
// request (nor the store it writes).
struct JobStream {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::string> lines;
  bool done = false;
  std::atomic<bool> cancel{false};
  std::thread worker;

  void push(std::string line) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(std::move(line));
    }
    wake.notify_one();
  }
  void stop() {
    cancel = true;
    if (worker.joinable()) worker.join();
  }
  ~JobStream() { stop(); }
};

void stream_job(httplib::Response& res, Job job) {
  auto s = std::make_shared<JobStream>();
  JobStream* raw = s.get();  // not a shared_ptr: the worker must not own what joins it
  s->worker = std::thread([raw, job = std::move(job)] {
    try {
      job([raw](const store::ProgressEvent& e) { raw->push(progress_json(e).dump() + "\n"); }, raw->cancel);
    } catch (const std::exception& e) {
      raw->push(Json({{"error", e.what()}}).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    }
    {
      std::lock_guard<std::mutex> lock(raw->mutex);
      raw->done = true;
    }
    raw->wake.notify_one();
  });
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "application/x-ndjson",
      [s](size_t, httplib::DataSink& sink) {
        for (;;) {
          std::deque<std::string> batch;
          bool done = false;
          {
            std::unique_lock<std::mutex> lock(s->mutex);
            s->wake.wait_for(lock, std::chrono::milliseconds(100), [&] { return !s->lines.empty() || s->done; });
            batch.swap(s->lines);
            done = s->done;
          }
          for (const std::string& line : batch)
            if (!sink.write(line.data(), line.size())) {
              s->cancel = true;
              return false;
            }
          if (done) {
            sink.done();
            return true;
          }
          if (batch.empty() && !sink.is_writable()) {
            s->cancel = true;  // the client went away: a pull stops, its download resumable
            return false;
          }
        }
      },
      [s](bool) { s->stop(); });
}

// Runs the job as the request asks: streamed, or to the end and one answer.
void run_job(httplib::Response& res, const nlohmann::json& body, Job job) {
  if (opt_bool(body, "stream").value_or(true)) return stream_job(res, std::move(job));
  const std::atomic<bool> never{false};
  try {
    job({}, never);
  } catch (const HttpError&) {
    throw;
  } catch (const Error& e) {
    throw HttpError(500, e.what());
  }
  send_json(res, {{"status", "success"}});
}

std::string model_name(const nlohmann::json& body) {
  std::string name = opt_string(body, "model").value_or("");
  if (name.empty()) name = opt_string(body, "name").value_or("");  // ollama's older field
  if (name.empty()) throw HttpError(400, "\"model\" is required", "model");
  return name;
}

bool is_gguf_name(const std::string& name) {
  if (name.size() < 5) return false;
  std::string ext = name.substr(name.size() - 5);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".gguf";
}

// The one GGUF blob of a "files" (or "adapters") object.
std::string gguf_blob(const store::Store& st, const nlohmann::json& files, const char* field) {
  std::vector<std::string> ggufs;
  for (const auto& [file, value] : files.items()) {
    if (!value.is_string()) throw HttpError(400, cat("\"", field, ".", file, "\" must be a digest string"), field);
    const auto d = store::Digest::try_parse(value.get<std::string>());
    if (!d) throw HttpError(400, cat("\"", field, ".", file, "\": invalid digest '", value.get<std::string>(), "'"), field);
    if (!is_gguf_name(file))
      throw HttpError(400, cat("'", file, "': hearth imports GGUF files only (convert other formats to GGUF first)"),
                      field);
    if (!st.has_blob(*d))
      throw HttpError(400, cat("blob ", d->str(), " ('", file, "') is not on the server: upload it first (POST /api/blobs/",
                               d->str(), ")"),
                      field);
    ggufs.push_back(st.blob_path(*d).string());
  }
  if (ggufs.empty()) throw HttpError(400, cat("\"", field, "\" names no .gguf file"), field);
  if (ggufs.size() > 1)
    throw HttpError(400, cat("\"", field, "\" names ", ggufs.size(), " GGUF files; hearth imports one (merge split files first)"),
                    field);
  return ggufs[0];
}

// "FROM @sha256:..." (how ollama's clients name an uploaded blob) as the blob's path.
void resolve_blob_reference(const store::Store& st, std::optional<std::string>& path) {
  if (!path || path->empty() || (*path)[0] != '@') return;
  const auto d = store::Digest::try_parse(path->substr(1));
  if (!d) throw HttpError(400, "invalid blob reference '" + *path + "'");
  path = st.blob_path(*d).string();
}

// The Modelfile a create request describes: ollama's JSON fields, or the
// older {"modelfile": "FROM ...\n..."}.
store::Modelfile modelfile_of(const store::Store& st, const nlohmann::json& body) {
  store::Modelfile mf;
  if (auto text = opt_string(body, "modelfile")) {
    mf = store::Modelfile::parse(*text, "modelfile");
    std::optional<std::string> from = mf.from;
    resolve_blob_reference(st, from);
    mf.from = *from;
    resolve_blob_reference(st, mf.adapter);
    return mf;
  }
  if (const nlohmann::json* files = opt_object(body, "files")) mf.from = gguf_blob(st, *files, "files");
  else if (auto from = opt_string(body, "from")) mf.from = *from;
  else throw HttpError(400, "\"from\" (a model) or \"files\" (uploaded GGUF blobs) is required", "from");
  if (const nlohmann::json* adapters = opt_object(body, "adapters")) mf.adapter = gguf_blob(st, *adapters, "adapters");
  mf.template_text = opt_string(body, "template");
  mf.system = opt_string(body, "system");
  if (const auto it = body.find("license"); it != body.end() && !it->is_null()) {
    if (it->is_string()) mf.licenses = {it->get<std::string>()};
    else if (auto list = opt_strings(body, "license")) mf.licenses = *list;
  }
  if (const nlohmann::json* params = opt_object(body, "parameters")) mf.parameters = *params;
  if (const nlohmann::json* messages = opt_array(body, "messages")) {
    for (size_t i = 0; i < messages->size(); ++i) {
      const nlohmann::json& m = (*messages)[i];
      const std::string where = "messages[" + std::to_string(i) + "].";
      if (!m.is_object()) throw HttpError(400, "\"messages\" must hold objects", "messages");
      mf.messages.push_back({required_string(m, "role", where), required_string(m, "content", where)});
    }
  }
  return mf;
}

void upload_blob(Api& api, const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
  const auto digest = store::Digest::try_parse(req.matches[1].str());
  if (!digest) throw HttpError(400, "invalid digest '" + req.matches[1].str() + "' (expected sha256:<64 hex digits>)");
  store::Store& st = api.catalog.store();
  if (st.has_blob(*digest)) {
    reader([](const char*, size_t) { return true; });
    res.status = 200;
    return;
  }
  store::Staging staging(st.root());
  store::BlobWriter writer = staging.begin_blob();
  reader([&](const char* data, size_t n) {
    writer.write(std::string_view(data, n));
    return true;
  });
  try {
    writer.finish(*digest);
  } catch (const Error& e) {
    throw HttpError(400, e.what());  // nothing is kept
  }
  st.put_blob(staging, *digest);
  res.status = 201;
}

}  // namespace

void register_store_routes(httplib::Server& http, Api& api) {
  http.Post("/api/pull", wrap(api, "/api/pull", ErrorStyle::Ollama, [&api](const auto& req, auto& res) {
    const nlohmann::json body = parse_body(req.body);
    const std::string name = model_name(body);
    if (!store::parse_hf_reference(name)) (void)store::Name::parse(name);  // a bad name: 400 before anything starts
    store::PullOptions options;
    options.insecure = opt_bool(body, "insecure").value_or(false);
    store::Store* st = &api.catalog.store();
    run_job(res, body, [st, name, options](const store::ProgressFn& progress, const std::atomic<bool>& cancel) {
      store::PullOptions o = options;
      o.cancel = &cancel;
      store::pull(*st, name, o, progress);
    });
  }));
  http.Post("/api/create", wrap(api, "/api/create", ErrorStyle::Ollama, [&api](const auto& req, auto& res) {
    const nlohmann::json body = parse_body(req.body);
    const store::Name name = store::Name::parse(model_name(body));
    store::Store* st = &api.catalog.store();
    const store::Modelfile mf = modelfile_of(*st, body);
    store::CreateOptions options;
    options.quantize = opt_string(body, "quantize").value_or("");
    run_job(res, body, [st, name, mf, options](const store::ProgressFn& progress, const std::atomic<bool>&) {
      st->create(name, mf, options, progress);
    });
  }));
  // HEAD is answered by the GET handler, without the body.
  http.Get(kBlobPath, wrap(api, "/api/blobs", ErrorStyle::Ollama, [&api](const auto& req, auto& res) {
    const auto digest = store::Digest::try_parse(req.matches[1].str());
    if (!digest) throw HttpError(400, "invalid digest '" + req.matches[1].str() + "'");
    res.status = api.catalog.store().has_blob(*digest) ? 200 : 404;
  }));
  http.Post(kBlobPath, [&api](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    wrap(api, "/api/blobs", ErrorStyle::Ollama,
         [&api, &reader](const auto& rq, auto& rs) { upload_blob(api, rq, rs, reader); })(req, res);
  });
}

}  // namespace hearth::server
