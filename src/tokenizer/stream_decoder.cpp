#include "core/utf8.h"
#include "tokenizer/vocab.h"

namespace hearth::tokenizer {

std::string StreamDecoder::push(Token id) {
  pending_ += vocab_->decode_token(id);
  // Hold back an unfinished character at the end; emit everything before it.
  const size_t keep = utf8_incomplete_tail(pending_);
  std::string ready = pending_.substr(0, pending_.size() - keep);
  pending_.erase(0, pending_.size() - keep);
  return ready;
}

std::string StreamDecoder::flush() {
  std::string rest;
  rest.swap(pending_);
  return rest;
}

}  // namespace hearth::tokenizer
