#include "cli/conversation.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "cli/options.h"

namespace hearth::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) {
  if (g_interrupted.load()) std::_Exit(130);
  g_interrupted.store(true);
}

}  // namespace

void install_interrupt_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked read returns EINTR
  sigaction(SIGINT, &sa, nullptr);
}

std::atomic<bool>& interrupted() { return g_interrupted; }

void print_timings(int64_t total_ns, int64_t load_ns, const runtime::Timings& t) {
  auto rate = [](int64_t n, int64_t ns) { return ns > 0 ? static_cast<double>(n) * 1e9 / static_cast<double>(ns) : 0.0; };
  std::fprintf(stderr, "total duration:       %s\n", format_duration(total_ns).c_str());
  std::fprintf(stderr, "load duration:        %s\n", format_duration(load_ns).c_str());
  std::fprintf(stderr, "prompt eval count:    %lld token(s)\n", static_cast<long long>(t.prompt_tokens));
  std::fprintf(stderr, "prompt eval duration: %s\n", format_duration(t.prompt_ns).c_str());
  std::fprintf(stderr, "prompt eval rate:     %.2f tokens/s\n", rate(t.prompt_tokens, t.prompt_ns));
  std::fprintf(stderr, "eval count:           %lld token(s)\n", static_cast<long long>(t.eval_tokens));
  std::fprintf(stderr, "eval duration:        %s\n", format_duration(t.eval_ns).c_str());
  std::fprintf(stderr, "eval rate:            %.2f tokens/s\n", rate(t.eval_tokens, t.eval_ns));
}

std::vector<int32_t> Conversation::chat_tokens() const {
  const tokenizer::Vocab& vocab = model.vocab();
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  if (!system.empty()) all.push_back({{"role", "system"}, {"content", system}});
  for (const auto& m : messages) all.push_back(m);
  const std::string bos = vocab.bos() >= 0 ? vocab.piece(vocab.bos()) : "";
  const std::string eos = vocab.eos() >= 0 ? vocab.piece(vocab.eos()) : "";
  const std::string prompt = store::render_prompt(*chat_template, all, nlohmann::ordered_json(), bos, eos);
  // Templates usually write the BOS text themselves; add BOS only when the
  // vocabulary wants one and the rendered prompt does not start with it.
  const bool add_bos = vocab.add_bos() && (bos.empty() || prompt.rfind(bos, 0) != 0);
  return vocab.encode(prompt, add_bos, true);
}

std::vector<int32_t> Conversation::raw_tokens(const std::string& text) const {
  return model.vocab().encode(text, model.vocab().add_bos(), false);
}

runtime::GenerateResult Conversation::stream(const std::vector<int32_t>& tokens) {
  g_interrupted.store(false);
  auto result = runtime::generate(
      session, tokens, gen,
      [](std::string_view text) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
        return true;
      },
      &g_interrupted);
  g_interrupted.store(false);
  return result;
}

}  // namespace hearth::cli
