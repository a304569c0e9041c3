#pragma once
// Handlers as the APIs want them: errors in each API's own shape (ollama's
// {"error": "..."}; OpenAI's {"error": {"message", "type", "param",
// "code"}}), every answer counted in the metrics, and streams written as
// they come while the client is still there.
#include <functional>
#include <memory>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/api.h"
#include "server/generation.h"

namespace hearth::server {

enum class ErrorStyle { Ollama, OpenAI };

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

// Runs fn; HttpError gives its status, QueueFull 503, hearth::Error 400 (a
// request the engine refused), anything else 500, each in the API's error
// shape.
httplib::Server::Handler wrap(Api& api, std::string endpoint, ErrorStyle style, Handler fn);

void send_json(httplib::Response& res, const nlohmann::ordered_json& body, int status = 200);
void send_error(httplib::Response& res, ErrorStyle style, int status, const std::string& message,
                const std::string& param = {});

// A streamed answer: `write_event` turns each generation event into bytes
// (an NDJSON line, an SSE chunk, or nothing) and returns false to stop
// early. Holds the request (and so its lease) until the stream ends. When
// the client goes away the generation is cancelled at its next step.
struct StreamState {
  ModelRequest request;
  std::shared_ptr<Generation> generation;
  std::function<std::string(const Generation::Event&)> write_event;
  std::function<std::string()> write_after_end;  // e.g. "data: [DONE]\n\n"
};
void stream(httplib::Response& res, const char* content_type, std::shared_ptr<StreamState> state);

}  // namespace hearth::server
