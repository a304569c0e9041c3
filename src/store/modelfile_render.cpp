// Writing Modelfiles: the text `hearth show --modelfile` prints.
#include <algorithm>

#include "store/modelfile.h"
#include "store/parameters.h"

namespace hearth::store {

std::string quote_modelfile_value(const std::string& value) {
  const bool needs_quotes = value.empty() || value.find_first_of("\r\n") != std::string::npos ||
                            value.front() == ' ' || value.front() == '\t' || value.back() == ' ' ||
                            value.back() == '\t' || value.front() == '"';
  if (!needs_quotes) return value;
  if (value.find('"') == std::string::npos) return "\"" + value + "\"";
  return "\"\"\"" + value + "\"\"\"";
}

std::string Modelfile::render() const {
  std::string out;
  auto line = [&](const std::string& instruction, const std::string& value) {
    out += instruction + " " + quote_modelfile_value(value) + "\n";
  };
  line("FROM", from);
  if (adapter) line("ADAPTER", *adapter);
  if (template_text) line("TEMPLATE", *template_text);
  if (system) line("SYSTEM", *system);
  for (const auto& [name, value] : parameters.items()) {
    if (value.is_array())
      for (const auto& item : value) line("PARAMETER " + name, parameter_text(item));
    else
      line("PARAMETER " + name, parameter_text(value));
  }
  for (const std::string& license : licenses) line("LICENSE", license);
  for (const Message& m : messages) line("MESSAGE " + m.role, m.content);
  return out;
}

}  // namespace hearth::store
