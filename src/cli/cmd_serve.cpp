// `hearth serve`: the ollama- and OpenAI-compatible API server, configured
// from the environment as ollama is (server/config.h). Ctrl-C or SIGTERM
// stops it.
#include <csignal>
#include <cstdio>
#include <pthread.h>
#include <thread>

#include "cli/commands.h"
#include "server/config.h"
#include "server/http_server.h"

namespace hearth::cli {

namespace {

void run_serve() {
  const server::ServerConfig config = server::ServerConfig::from_environment();
  // Signals go to one thread that stops the server, not to whichever
  // thread happens to run (the handler threads hold locks).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  server::HttpServer http(config, server::make_catalog());
  const int port = http.bind();
  std::fprintf(stderr, "hearth: listening on http://%s:%d (models: %d loaded at most, %d parallel requests each)\n",
               config.address.host.c_str(), port, config.max_loaded_models, config.num_parallel);
  if (!server::is_loopback(config.address.host))
    std::fprintf(stderr, "hearth: serving on %s: other machines can reach this server%s\n", config.address.host.c_str(),
                 config.api_key.empty() ? " without an API key (set HEARTH_API_KEY to require one)" : "");
  std::fflush(stderr);
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::fprintf(stderr, "hearth: stopping\n");
    http.stop();
  });
  http.serve();
  // serve() also returns when listening fails: wake the stopper then.
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
}

}  // namespace

void register_serve(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the ollama- and OpenAI-compatible API (HEARTH_HOST, default 127.0.0.1:11434)");
  cmd->footer(
      "Environment: HEARTH_HOST (or OLLAMA_HOST), HEARTH_API_KEY, HEARTH_ORIGINS, HEARTH_KEEP_ALIVE (5m),\n"
      "HEARTH_MAX_LOADED_MODELS (1), HEARTH_NUM_PARALLEL (4), HEARTH_MAX_QUEUE (512), HEARTH_CONTEXT_LENGTH (4096),\n"
      "HEARTH_NUM_THREAD, HEARTH_KV_CACHE_TYPE (f16), HEARTH_MODELS.");
  cmd->callback([] { run_serve(); });
}

}  // namespace hearth::cli
