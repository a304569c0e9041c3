#pragma once
// The errors a chat template gives. Both are hearth::Error, so callers that
// only report errors need nothing else.
#include <string>

#include "core/error.h"

namespace hearth::chat {

// A template that does not parse, or fails while rendering: what() names the
// template line and the problem ("chat template line 12: 'foo' is undefined").
class TemplateError : public Error {
 public:
  TemplateError(int line, const std::string& problem)
      : Error(cat("chat template line ", line, ": ", problem)), line_(line), problem_(problem) {}
  int line() const { return line_; }
  const std::string& problem() const { return problem_; }

 private:
  int line_;
  std::string problem_;
};

// The template called raise_exception(message), as templates do to refuse a
// conversation they cannot format. message() is the template's own text.
class TemplateRaised : public Error {
 public:
  explicit TemplateRaised(const std::string& message)
      : Error("chat template: " + message), message_(message) {}
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

[[noreturn]] inline void syntax_fail(int line, const std::string& problem) { throw TemplateError(line, problem); }

}  // namespace hearth::chat
