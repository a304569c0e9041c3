// `hearth bench` as a user runs it, and the pieces of its report checked
// against llama.cpp's own strings and hand-computed figures.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/bench_report.h"
#include "cli/model_description.h"
#include "cli/run_hearth.h"
#include "gguf/file.h"

namespace hearth::testing {
namespace {

const std::string kModel = HEARTH_SOURCE_DIR "/models/stories260K.gguf";

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The cells of each markdown table line ("| a | b |" -> {"a", "b"}).
std::vector<std::vector<std::string>> table_rows(const std::string& out) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '|') continue;
    std::vector<std::string> cells;
    size_t start = 1;
    for (size_t bar; (bar = line.find('|', start)) != std::string::npos; start = bar + 1)
      cells.push_back(trim(line.substr(start, bar - start)));
    rows.push_back(cells);
  }
  return rows;
}

// Parameter count and weight bytes of a GGUF file, summed from its tensor table.
struct Totals {
  uint64_t params = 0, bytes = 0;
};
Totals totals(const std::string& path) {
  Totals t;
  const gguf::File file = gguf::File::open(path);
  for (const auto& info : file.tensors()) t.params += info.n_elements(), t.bytes += info.nbytes;
  return t;
}

TEST(Bench, MarkdownHasLlamaBenchColumnsAndOneRowPerModelAndTest) {
  Outcome o = run_hearth("bench -m '" + kModel + "," + kModel + "' -p 64 -n 16 -r 2 -t 1");
  ASSERT_EQ(o.status, 0) << o.err;
  const auto rows = table_rows(o.out);
  ASSERT_EQ(rows.size(), 2u + 4u) << o.out;
  EXPECT_EQ(rows[0], (std::vector<std::string>{"model", "size", "params", "backend", "threads", "test", "t/s"}));
  const Totals t = totals(kModel);
  // llama.cpp's llama_model_n_params / llama_model_size for this file.
  EXPECT_EQ(t.params, 292800u);
  EXPECT_EQ(t.bytes, 1171200u);
  char size[32], params[32];
  std::snprintf(size, sizeof size, "%.2f MiB", t.bytes / 1024.0 / 1024.0);
  std::snprintf(params, sizeof params, "%.2f M", t.params / 1e6);
  const char* tests[] = {"pp64", "tg16", "pp64", "tg16"};
  for (int i = 0; i < 4; ++i) {
    const auto& row = rows[2 + i];
    ASSERT_EQ(row.size(), 7u);
    // stories260K has no general.file_type: llama.cpp guesses it from its f32 tensors.
    EXPECT_EQ(row[0], "llama 293K (guessed) all F32");
    EXPECT_EQ(row[1], size);
    EXPECT_EQ(row[2], params);
    EXPECT_EQ(row[3], "CPU");
    EXPECT_EQ(row[4], "1");
    EXPECT_EQ(row[5], tests[i]);
    const size_t pm = row[6].find(" ± ");
    ASSERT_NE(pm, std::string::npos) << row[6];
    EXPECT_GT(std::stod(row[6].substr(0, pm)), 0.0) << row[6];
    EXPECT_GE(std::stod(row[6].substr(pm + 4)), 0.0) << row[6];
  }
}

TEST(Bench, JsonHasLlamaBenchFieldsAndOneSamplePerRepetition) {
  Outcome o = run_hearth("bench -m '" + kModel + "' -p 32,64 -n 8 -r 3 -t 1 -o json");
  ASSERT_EQ(o.status, 0) << o.err;
  const auto j = nlohmann::json::parse(o.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 3u);
  const char* tests[] = {"pp32", "pp64", "tg8"};
  const int prompt[] = {32, 64, 0}, gen[] = {0, 0, 8};
  for (int i = 0; i < 3; ++i) {
    const auto& r = j[i];
    EXPECT_EQ(r.at("test"), tests[i]);
    EXPECT_EQ(r.at("model"), "llama 293K (guessed) all F32");
    EXPECT_EQ(r.at("model_type"), r.at("model"));
    EXPECT_EQ(r.at("model_filename"), kModel);
    EXPECT_EQ(r.at("model_n_params").get<uint64_t>(), totals(kModel).params);
    EXPECT_EQ(r.at("model_size").get<uint64_t>(), totals(kModel).bytes);
    EXPECT_EQ(r.at("n_threads"), 1);
    EXPECT_EQ(r.at("n_prompt"), prompt[i]);
    EXPECT_EQ(r.at("n_gen"), gen[i]);
    const auto ns = r.at("samples_ns").get<std::vector<uint64_t>>();
    const auto ts = r.at("samples_ts").get<std::vector<double>>();
    ASSERT_EQ(ns.size(), 3u);
    ASSERT_EQ(ts.size(), 3u);
    // t/s recomputed from the raw samples: tokens / seconds, then mean and n-1 deviation.
    double sum = 0, squares = 0;
    for (int k = 0; k < 3; ++k) {
      const double expect_ts = (prompt[i] + gen[i]) * 1e9 / static_cast<double>(ns[k]);
      EXPECT_NEAR(ts[k], expect_ts, expect_ts * 1e-9);
      sum += expect_ts;
    }
    const double m = sum / 3;
    for (int k = 0; k < 3; ++k) squares += (ts[k] - m) * (ts[k] - m);
    EXPECT_GT(r.at("t_s").get<double>(), 0.0);
    EXPECT_NEAR(r.at("t_s").get<double>(), m, m * 1e-9);
    EXPECT_NEAR(r.at("stddev").get<double>(), std::sqrt(squares / 2), m * 1e-9);
    EXPECT_EQ(r.at("avg_ts"), r.at("t_s"));
    EXPECT_NEAR(r.at("avg_ns").get<double>(), (ns[0] + ns[1] + ns[2]) / 3.0, 1.0);
  }
}

TEST(Bench, ZeroSkipsATest) {
  Outcome pp_only = run_hearth("bench -m '" + kModel + "' -p 16 -n 0 -r 1 -t 1 -o json");
  ASSERT_EQ(pp_only.status, 0) << pp_only.err;
  auto j = nlohmann::json::parse(pp_only.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].at("test"), "pp16");

  Outcome tg_only = run_hearth("bench -m '" + kModel + "' -p 0 -n 4 -r 1 -t 1");
  ASSERT_EQ(tg_only.status, 0) << tg_only.err;
  const auto rows = table_rows(tg_only.out);
  ASSERT_EQ(rows.size(), 3u) << tg_only.out;
  EXPECT_EQ(rows[2][5], "tg4");
}

TEST(Bench, ModelWithAFileTypeIsNamedLikeLlamaCpp) {
  const std::string path = temp_path("q4km.gguf");
  Outcome synth = run_hearth("synth --like test-llama --type Q4_K_M -o '" + path + "'");
  ASSERT_EQ(synth.status, 0) << synth.err;
  Outcome o = run_hearth("bench -m '" + path + "' -p 8 -n 2 -r 1 -t 1 -o json");
  std::remove(path.c_str());
  ASSERT_EQ(o.status, 0) << o.err;
  // test-llama: 3,410,176 parameters; general.file_type 15 is llama.cpp's "Q4_K - Medium".
  EXPECT_EQ(nlohmann::json::parse(o.out)[0].at("model"), "llama 3M Q4_K - Medium");
}

// Embedding models have pp tests only (a forward pass with the pooling), and
// -n alone is an error for them.
TEST(Bench, EmbeddingModelsGetPromptTestsOnly) {
  const std::string path = temp_path("bench-bert.gguf");
  Outcome synth = run_hearth("synth --like test-bert -o '" + path + "'");
  ASSERT_EQ(synth.status, 0) << synth.err;
  Outcome o = run_hearth("bench -m '" + path + "' -p 32 -n 8 -r 2 -t 1 -o json");
  Outcome tg_only = run_hearth("bench -m '" + path + "' -p 0 -n 8 -r 1 -t 1");
  std::remove(path.c_str());
  ASSERT_EQ(o.status, 0) << o.err;
  const auto j = nlohmann::json::parse(o.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].at("test"), "pp32");
  EXPECT_GT(j[0].at("t_s").get<double>(), 0.0);
  EXPECT_NE(o.err.find("embedding model: no tg tests"), std::string::npos) << o.err;
  EXPECT_EQ(tg_only.status, 1);
  EXPECT_NE(tg_only.err.find("only -p tests apply"), std::string::npos) << tg_only.err;
}

void expect_error(const std::string& args, const std::string& phrase) {
  SCOPED_TRACE(args);
  Outcome o = run_hearth("bench " + args);
  EXPECT_EQ(o.status, 1) << o.err;
  EXPECT_TRUE(o.out.empty()) << o.out;
  EXPECT_EQ(o.err.rfind("hearth: error: ", 0), 0u) << o.err;
  EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << "more than one line:\n" << o.err;
  EXPECT_NE(o.err.find(phrase), std::string::npos) << "expected '" << phrase << "' in: " << o.err;
}

TEST(Bench, BadInputIsOneErrorLine) {
  expect_error("-m /nonexistent/model.gguf -p 8 -n 2", "No such file");
  expect_error("-m '" + kModel + ",/nonexistent/b.gguf' -p 8 -n 2", "No such file");
  expect_error("-m '" + kModel + "' -o xml", "unknown output format 'xml'");
  expect_error("-m '" + kModel + "' -p 2000 -n 100", "exceed the model's context of 2048");
  expect_error("-m '" + kModel + "' -p 0 -n 0", "nothing to measure");
  expect_error("-m '" + kModel + "' -r 0", "-r must be at least 1");
  expect_error("-m '" + kModel + "' -t 0", "-t must be at least 1");
  expect_error("-m '" + kModel + "' -p -5", "-p must not be negative");
  expect_error("-m '" + kModel + "' --kv-type q9", "unknown KV cache type 'q9'");
  expect_error("-p 8", "bench needs a model");
}

// llama.cpp's names for its file types (llama_ftype_name in llama-model-loader.cpp).
TEST(ModelDescription, FileTypeNamesAreLlamaCpps) {
  EXPECT_EQ(cli::file_type_name(0), "all F32");
  EXPECT_EQ(cli::file_type_name(1), "F16");
  EXPECT_EQ(cli::file_type_name(2), "Q4_0");
  EXPECT_EQ(cli::file_type_name(7), "Q8_0");
  EXPECT_EQ(cli::file_type_name(15), "Q4_K - Medium");
  EXPECT_EQ(cli::file_type_name(14), "Q4_K - Small");
  EXPECT_EQ(cli::file_type_name(18), "Q6_K");
  EXPECT_EQ(cli::file_type_name(30), "IQ4_XS - 4.25 bpw");
  EXPECT_EQ(cli::file_type_name(32), "BF16");
  EXPECT_EQ(cli::file_type_name(4), "unknown, may not work");
}

TEST(ModelDescription, SizeLabelsOfKnownModels) {
  EXPECT_EQ(cli::size_label(494032768), "0.5B");   // Qwen2.5-0.5B
  EXPECT_EQ(cli::size_label(1543714304), "1.5B");  // Qwen2.5-1.5B
  EXPECT_EQ(cli::size_label(1235814432), "1B");    // Llama 3.2 1B
  EXPECT_EQ(cli::size_label(3212749888), "3B");    // Llama 3.2 3B
  EXPECT_EQ(cli::size_label(6738415616), "7B");    // Llama 2 7B
  EXPECT_EQ(cli::size_label(8030261312), "8B");    // Llama 3.1 8B
  EXPECT_EQ(cli::size_label(134515008), "135M");   // SmolLM 135M
  EXPECT_EQ(cli::size_label(292000), "292K");
}

TEST(BenchReport, MeanAndSampleStddevByHand) {
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_DOUBLE_EQ(cli::mean(v), 5.0);
  EXPECT_NEAR(cli::sample_stddev(v), std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_EQ(cli::sample_stddev(std::vector<double>{3.0}), 0.0);
}

TEST(BenchReport, SizeAndParamsCellsAsLlamaBenchPrintsThem) {
  EXPECT_EQ(cli::format_size(491400032), "468.64 MiB");
  EXPECT_EQ(cli::format_size(1178133504), "1.10 GiB");
  EXPECT_EQ(cli::format_size((uint64_t{1} << 30) - 1), "1024.00 MiB");
  EXPECT_EQ(cli::format_params(494032768), "494.03 M");
  EXPECT_EQ(cli::format_params(1543714304), "1.54 B");
}

TEST(BenchReport, MarkdownRowIsPaddedToLlamaBenchWidths) {
  cli::BenchRecord r;
  r.model_type = "qwen2 0.5B Q4_0";
  r.model_size = 491400032;
  r.model_n_params = 494032768;
  r.n_threads = 2;
  r.n_prompt = 512;
  r.samples_ns = {1000000000, 1000000000};  // 512 t/s, no spread
  EXPECT_EQ(cli::markdown_row(r),
            "| qwen2 0.5B Q4_0                | 468.64 MiB |   494.03 M | CPU        |       2 |           pp512 |"
            "        512.00 ± 0.00 |\n");
  EXPECT_EQ(cli::markdown_header(),
            "| model                          |       size |     params | backend    | threads |            test |"
            "                  t/s |\n"
            "| ------------------------------ | ---------: | ---------: | ---------- | ------: | --------------: |"
            " -------------------: |\n");
}

}  // namespace
}  // namespace hearth::testing
