#include "runtime/generate.h"

#include <algorithm>
#include <utility>

#include "core/clock.h"
#include "core/error.h"
#include "runtime/stop_matcher.h"
#include "tokenizer/vocab.h"

namespace hearth::runtime {

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::EndOfGeneration: return "stop";
    case StopReason::StopString: return "stop";
    case StopReason::Length: return "length";
    case StopReason::ContextFull: return "length";
    case StopReason::Cancelled: return "cancelled";
  }
  return "stop";
}

GenerateResult generate(Session& session, const std::vector<int32_t>& prompt, const GenerateParams& params,
                        const TextSink& on_text, const std::atomic<bool>* cancel) {
  const tokenizer::Vocab& vocab = session.model().vocab();
  const int seq = params.seq;
  if (prompt.empty()) fail("the prompt is empty: there is nothing to continue from");
  if (static_cast<int64_t>(prompt.size()) > session.n_ctx())
    fail("the prompt has ", prompt.size(), " tokens but the context holds ", session.n_ctx(),
         "; raise the context size (-c)");

  GenerateResult result;
  sampling::Sampler sampler(params.sampling);
  for (int32_t t : prompt) sampler.accept(t);

  int64_t start = now_ns();
  const int64_t reused = session.keep_common_prefix(seq, prompt);
  session.append(seq, std::span(prompt).subspan(static_cast<size_t>(reused)));
  result.timings.prompt_tokens = static_cast<int64_t>(prompt.size()) - reused;
  result.timings.prompt_ns = now_ns() - start;

  tokenizer::StreamDecoder decoder(vocab);
  StopMatcher matcher(params.stop);
  bool keep_going = true;
  auto emit = [&](const std::string& text) {
    if (text.empty()) return;
    result.text += text;
    if (on_text && !on_text(text)) keep_going = false;
  };

  start = now_ns();
  result.reason = StopReason::Length;
  for (int64_t n = 0; params.num_predict < 0 || n < params.num_predict; ++n) {
    if (cancel && cancel->load()) {
      result.reason = StopReason::Cancelled;
      break;
    }
    const int32_t token = sampler.sample(session.logits(session.n_logits() - 1));
    if (vocab.is_eog(token)) {
      result.reason = StopReason::EndOfGeneration;
      break;
    }
    result.tokens.push_back(token);
    sampler.accept(token);
    ++result.timings.eval_tokens;
    bool hit = false;
    emit(matcher.push(decoder.push(token), hit));
    if (hit) {
      result.reason = StopReason::StopString;
      break;
    }
    if (!keep_going) {
      result.reason = StopReason::Cancelled;
      break;
    }
    if (params.num_predict >= 0 && n + 1 >= params.num_predict) break;  // no need to evaluate the last token
    if (session.length(seq) >= session.n_ctx()) {
      result.reason = StopReason::ContextFull;
      break;
    }
    const int32_t one[1] = {token};
    session.append(seq, one);
  }
  result.timings.eval_ns = now_ns() - start;
  if (result.reason != StopReason::StopString) {
    bool hit = false;
    emit(matcher.push(decoder.flush(), hit));
    emit(matcher.flush());
  }
  return result;
}

}  // namespace hearth::runtime
