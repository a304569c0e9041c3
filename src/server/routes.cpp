#include "server/routes.h"

#include <chrono>
#include <cstdio>

#include "core/error.h"
#include "server/json_fields.h"

namespace hearth::server {

namespace {

const char* openai_type(int status) {
  switch (status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 404: return "not_found_error";
    case 503: return "server_busy";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

}  // namespace

void send_json(httplib::Response& res, const nlohmann::ordered_json& body, int status) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, ErrorStyle style, int status, const std::string& message,
                const std::string& param) {
  if (style == ErrorStyle::Ollama) return send_json(res, {{"error", message}}, status);
  nlohmann::ordered_json err = {{"message", message},
                                {"type", openai_type(status)},
                                {"param", param.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(param)},
                                {"code", status == 404 ? nlohmann::ordered_json("model_not_found")
                                                       : nlohmann::ordered_json()}};
  send_json(res, {{"error", err}}, status);
}

httplib::Server::Handler wrap(Api& api, std::string endpoint, ErrorStyle style, Handler fn) {
  return [&api, endpoint = std::move(endpoint), style, fn = std::move(fn)](const httplib::Request& req,
                                                                            httplib::Response& res) {
    try {
      fn(req, res);
    } catch (const HttpError& e) {
      send_error(res, style, e.status, e.what(), e.param);
    } catch (const runtime::QueueFull& e) {
      send_error(res, style, 503, e.what());
    } catch (const Error& e) {
      send_error(res, style, 400, e.what());
    } catch (const std::exception& e) {
      send_error(res, style, 500, std::string("internal error: ") + e.what());
    }
    api.metrics.request(endpoint, res.status);
  };
}

void stream(httplib::Response& res, const char* content_type, std::shared_ptr<StreamState> state) {
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      content_type, [state](size_t, httplib::DataSink& sink) {
        for (;;) {
          auto event = state->generation->next(std::chrono::milliseconds(100));
          if (!event) {
            // Nothing yet: is the client still there?
            if (!sink.is_writable()) {
              state->generation->cancel();
              return false;
            }
            continue;
          }
          const bool end = event->end.has_value();
          const std::string bytes = state->write_event(*event);
          if (!bytes.empty() && !sink.write(bytes.data(), bytes.size())) {
            state->generation->cancel();
            return false;
          }
          if (end) {
            if (state->write_after_end) {
              const std::string tail = state->write_after_end();
              if (!tail.empty()) sink.write(tail.data(), tail.size());
            }
            sink.done();
            return true;
          }
        }
      },
      [state](bool) { state->generation->cancel(); });
}

}  // namespace hearth::server
