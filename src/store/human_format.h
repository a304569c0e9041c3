#pragma once
// Numbers, sizes and ages as ollama prints them.
#include <chrono>
#include <cstdint>
#include <string>

namespace hearth::store {

// ollama's HumanNumber: "494.03M", "7.6B", "8B", "260K", "999".
std::string human_number(uint64_t n);
// ollama's HumanBytes (powers of 1000): "397 MB", "4.7 GB", "1.1 MB", "812 B".
std::string human_bytes(uint64_t bytes);
// ollama's HumanTime: "Less than a second ago", "2 minutes ago", "About an
// hour ago", "3 days ago", "5 weeks ago", "2 months ago", "3 years ago";
// a time in the future reads "... from now".
std::string human_time_ago(std::chrono::system_clock::time_point when, std::chrono::system_clock::time_point now);

}  // namespace hearth::store
