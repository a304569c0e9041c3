#pragma once
// Stop strings in streamed text: holds back whatever might be the beginning
// of a stop string until the text that follows settles it.
#include <string>
#include <string_view>
#include <vector>

namespace hearth::runtime {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}

  // Adds text; returns what can be emitted. Sets `hit` when a stop string
  // appeared (the returned text then ends right before it, and the rest is
  // dropped).
  std::string push(std::string_view text, bool& hit);
  // Whatever is still held back.
  std::string flush();

 private:
  std::vector<std::string> stops_;
  std::string pending_;
};

}  // namespace hearth::runtime
