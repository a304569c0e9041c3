#include "cli/server_client.h"

#include <httplib.h>

#include "core/error.h"
#include "server/config.h"

namespace hearth::cli {

nlohmann::json call_server(const std::string& method, const std::string& path, const nlohmann::json& body) {
  const server::ServerConfig config = server::ServerConfig::from_environment();
  std::string host = config.address.host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  httplib::Client client(host, config.address.port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(300, 0);  // a stop may wait for a model that is busy loading
  httplib::Headers headers;
  if (!config.api_key.empty()) headers.emplace("Authorization", "Bearer " + config.api_key);
  httplib::Result r = method == "GET" ? client.Get(path, headers)
                                      : client.Post(path, headers, body.dump(), "application/json");
  const std::string where = "http://" + host + ":" + std::to_string(config.address.port);
  if (!r) fail("cannot reach the hearth server at ", where, " (is `hearth serve` running?)");
  nlohmann::json answer = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status != 200) {
    if (answer.is_object() && answer.contains("error") && answer["error"].is_string())
      fail(answer["error"].get<std::string>());
    fail("the server at ", where, " answered ", r->status);
  }
  if (answer.is_discarded()) fail("the server at ", where, " sent something other than JSON");
  return answer;
}

}  // namespace hearth::cli
