#pragma once
// The generation loop: evaluate the prompt in batches, then sample, stream
// and append one token at a time until end of generation, the token limit,
// a stop string, the end of the context, or cancellation.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/session.h"
#include "sampling/sampler.h"

namespace hearth::runtime {

struct GenerateParams {
  int64_t num_predict = -1;  // < 0: until end of generation or a full context
  sampling::Params sampling;
  std::vector<std::string> stop;  // generation ends before the first of these
  int seq = 0;                    // the session sequence to use
};

enum class StopReason { EndOfGeneration, Length, StopString, ContextFull, Cancelled };
const char* stop_reason_name(StopReason reason);  // "stop", "length", ... as ollama's done_reason

struct Timings {
  int64_t prompt_tokens = 0;
  int64_t prompt_ns = 0;
  int64_t eval_tokens = 0;  // generated tokens
  int64_t eval_ns = 0;
};

struct GenerateResult {
  std::string text;
  std::vector<int32_t> tokens;
  StopReason reason = StopReason::EndOfGeneration;
  Timings timings;
};

// on_text receives the text as it becomes final (never a broken UTF-8
// sequence, never part of a stop string); it may return false to stop.
// `prompt` is the whole context to continue from: whatever prefix of it the
// sequence `params.seq` already holds is reused, and only the rest is
// evaluated (timings.prompt_tokens counts those). Generated tokens stay in the
// sequence, so the next turn of a conversation reuses them too.
using TextSink = std::function<bool(std::string_view text)>;
GenerateResult generate(Session& session, const std::vector<int32_t>& prompt, const GenerateParams& params,
                        const TextSink& on_text, const std::atomic<bool>* cancel = nullptr);

}  // namespace hearth::runtime
