// `hearth list`: the models in the store, as `ollama list` shows them.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "store/human_format.h"
#include "store/store.h"

namespace hearth::cli {

namespace {

// Left-aligned columns four spaces apart, as ollama's table writer lays them out.
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 4, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

}  // namespace

void register_list(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("list", "List the models in the model store");
  cmd->alias("ls");
  cmd->callback([] {
    const store::Store store = store::Store::open();
    std::vector<std::string> problems;
    const auto models = store.list(&problems);
    for (const std::string& p : problems) std::fprintf(stderr, "hearth: warning: %s\n", p.c_str());
    const auto now = std::chrono::system_clock::now();
    std::vector<std::vector<std::string>> rows{{"NAME", "ID", "SIZE", "MODIFIED"}};
    for (const store::ListEntry& m : models)
      rows.push_back({m.name.display(), m.digest.short_id(), store::human_bytes(m.size),
                      store::human_time_ago(m.modified, now)});
    print_table(rows);
  });
}

}  // namespace hearth::cli
