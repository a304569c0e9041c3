#pragma once
// Talking to a running `hearth serve` from the command line (ps, stop): its
// address from HEARTH_HOST / OLLAMA_HOST, its key from HEARTH_API_KEY.
#include <string>

#include <nlohmann/json.hpp>

namespace hearth::cli {

// Sends a request with a JSON body (GET when body is null) and returns the
// parsed answer. Throws hearth::Error naming the server when it cannot be
// reached or answers with an error.
nlohmann::json call_server(const std::string& method, const std::string& path, const nlohmann::json& body);

}  // namespace hearth::cli
