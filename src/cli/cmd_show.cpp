// `hearth show NAME [--modelfile|--template|--parameters|--system|--license]`:
// a stored model's details, laid out as `ollama show` lays them out.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "gguf/file.h"
#include "store/gguf_summary.h"
#include "store/human_format.h"
#include "store/parameters.h"
#include "store/show.h"
#include "store/store.h"

namespace hearth::cli {

namespace {

using Rows = std::vector<std::vector<std::string>>;

// "  Header", then each row indented by four spaces, columns four apart.
void print_section(const std::string& header, const Rows& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  std::printf("  %s\n", header.c_str());
  for (const auto& row : rows) {
    std::string line = "    ";
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 4, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
  std::printf("\n");
}

// The first n non-empty lines, trimmed, and "..." when there are more.
Rows head(const std::string& text, size_t n) {
  Rows rows;
  std::istringstream in(text);
  size_t count = 0;
  for (std::string line; std::getline(in, line);) {
    const size_t b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b == std::string::npos) continue;
    if (++count <= n) rows.push_back({line.substr(b, e - b + 1)});
  }
  if (count > n) rows.push_back({"..."});
  return rows;
}

void print_info(const store::ModelInfo& info) {
  const store::GgufSummary gguf = store::summarize_gguf(gguf::File::open(info.model_path.string()));
  Rows model;
  if (!gguf.architecture.empty()) model.push_back({"architecture", gguf.architecture});
  model.push_back({"parameters", !info.details.parameter_size.empty() ? info.details.parameter_size
                                                                      : store::human_number(gguf.parameter_count)});
  if (gguf.context_length) model.push_back({"context length", std::to_string(gguf.context_length)});
  if (gguf.embedding_length) model.push_back({"embedding length", std::to_string(gguf.embedding_length)});
  model.push_back({"quantization", !info.details.quantization_level.empty() ? info.details.quantization_level
                                                                            : gguf.file_type});
  print_section("Model", model);
  print_section("Capabilities", {{gguf.encoder ? "embedding" : "completion"}});
  if (!info.parameters.empty()) {
    Rows params;
    std::istringstream in(store::parameters_listing(info.parameters));
    for (std::string line; std::getline(in, line);) {
      const size_t gap = line.find(' ');
      const size_t value = line.find_first_not_of(' ', gap);
      params.push_back({line.substr(0, gap), line.substr(value)});
    }
    print_section("Parameters", params);
  }
  if (info.system && !info.system->empty()) print_section("System", head(*info.system, 2));
  std::string license;
  for (const std::string& l : info.licenses) license += (license.empty() ? "" : "\n") + l;
  if (!license.empty()) print_section("License", head(license, 2));
}

// Text as ollama prints it, with the final newline a terminal needs.
void print_text(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (text.empty() || text.back() != '\n') std::fputc('\n', stdout);
}

}  // namespace

void register_show(CLI::App& app) {
  struct Options {
    std::string name;
    bool modelfile = false, template_text = false, parameters = false, system = false, license = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("show", "Show information about a model in the model store");
  cmd->add_option("name", opts->name, "Model")->required();
  cmd->add_flag("--modelfile", opts->modelfile, "Show the Modelfile of the model");
  cmd->add_flag("--template", opts->template_text, "Show the chat template of the model");
  cmd->add_flag("--parameters", opts->parameters, "Show the parameters of the model");
  cmd->add_flag("--system", opts->system, "Show the system message of the model");
  cmd->add_flag("--license", opts->license, "Show the license of the model");
  cmd->callback([opts] {
    const int flags = opts->modelfile + opts->template_text + opts->parameters + opts->system + opts->license;
    if (flags > 1)
      fail("only one of '--license', '--modelfile', '--parameters', '--system', or '--template' can be specified");
    const store::Name name = store::Name::parse(opts->name);
    const store::Store store = store::Store::open();
    auto info = store.find(name);
    if (!info) fail("model '", opts->name, "' not found");
    if (opts->modelfile) {
      print_text(store::generated_modelfile(*info) + "\n");  // ollama's Println: a blank line at the end
    } else if (opts->template_text) {
      print_text(store::chat_template_of(*info).value_or(""));
    } else if (opts->parameters) {
      print_text(store::parameters_listing(info->parameters));
    } else if (opts->system) {
      print_text(info->system.value_or(""));
    } else if (opts->license) {
      std::string license;
      for (const std::string& l : info->licenses) license += (license.empty() ? "" : "\n") + l;
      print_text(license);
    } else {
      print_info(*info);
    }
  });
}

}  // namespace hearth::cli
