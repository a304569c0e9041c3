// store::pull against the local fake registry and Hugging Face
// (registry_fixture.h): what lands in the store, what goes over the wire
// (Range requests, bytes, repeated downloads), and bad input.
#include <gtest/gtest.h>

#include <chrono>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "store/hf_files.h"
#include "store/media_types.h"
#include "store/pull.h"
#include "store/registry_fixture.h"
#include "store/sha256.h"
#include "store/store_test_util.h"

namespace hearth::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTemplate = "{{ if .System }}<<{{ .System }}>>{{ end }}{{ .Prompt }}";

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

class PullTest : public StoreTest {
 protected:
  FakeRegistry reg_{tmp_ / "registry"};
  std::string stories_ = read_text(kStories);
  store::Digest gguf_ = store::Digest::of(stories_);
  std::vector<store::ProgressEvent> events_;

  std::string name(const std::string& model) const { return reg_.host() + "/library/" + model; }

  store::PullResult pull(const std::string& text, store::PullOptions o = {}) {
    o.insecure = true;
    o.retry_delay = 5ms;
    events_.clear();
    return store::pull(store_, text, o, [this](const store::ProgressEvent& e) { events_.push_back(e); });
  }
  // The statuses in order, repeats of one blob's progress collapsed.
  std::vector<std::string> statuses() const {
    std::vector<std::string> out;
    for (const auto& e : events_)
      if (out.empty() || out.back() != e.status) out.push_back(e.status);
    return out;
  }
  std::vector<ServedRequest> gguf_requests() const { return reg_.requests_for("/cdn/" + gguf_.str()); }
  // The store's files, the lock and the download area left out.
  std::set<std::string> store_files() const {
    std::set<std::string> out;
    for (const std::string& f : snapshot())
      if (f.rfind("partial", 0) != 0) out.insert(f);
    return out;
  }
  std::set<std::string> partial_files() const {
    std::set<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_ / "partial", ec)) out.insert(e.path().filename().string());
    return out;
  }
};

TEST_F(PullTest, StoresTheRegistrysModelExactly) {
  const std::string manifest = publish_stories(reg_, "library", "stories", kTemplate, "Tell a story.", R"({"temperature":0.5})");
  const store::PullResult r = pull(name("stories"));
  EXPECT_EQ(r.name.full(), reg_.host() + "/library/stories:latest");
  EXPECT_TRUE(r.warnings.empty());

  // The manifest as the registry sent it; every blob once, with its digest.
  EXPECT_EQ(read_text(root_ / "manifests" / reg_.host() / "library/stories/latest"), manifest);
  const store::Manifest m = store::Manifest::parse(manifest, "test");
  std::set<std::string> expected;
  for (const store::Digest& d : m.blobs()) expected.insert(d.blob_name());
  EXPECT_EQ(blob_files(root_), expected);
  for (const store::Digest& d : m.blobs()) EXPECT_EQ(sha256sum(store_.blob_path(d)), d.hex);
  EXPECT_TRUE(store_.check(true).empty());
  EXPECT_TRUE(partial_files().empty());

  const store::ModelInfo info = store_.get(r.name);
  EXPECT_EQ(info.model_path, store_.blob_path(gguf_));
  EXPECT_EQ(info.template_text, kTemplate);
  EXPECT_EQ(info.system, "Tell a story.");
  EXPECT_EQ(info.parameters, nlohmann::json::parse(R"({"temperature":0.5})"));
  EXPECT_EQ(info.digest, store::Digest::of(manifest));  // the ID is the registry's

  // ollama's steps, each layer then the config.
  std::vector<std::string> want{"pulling manifest"};
  for (const store::Layer& l : m.layers) want.push_back("pulling " + l.digest.short_id());
  want.push_back("pulling " + m.config.digest.short_id());
  for (const char* s : {"verifying sha256 digest", "writing manifest", "success"}) want.push_back(s);
  EXPECT_EQ(statuses(), want);
  for (const auto& e : events_)
    if (e.status == "pulling " + gguf_.short_id()) {
      EXPECT_EQ(e.digest, gguf_.str());
      EXPECT_EQ(e.total, stories_.size());
    }
  EXPECT_EQ(events_[events_.size() - 4].completed, events_[events_.size() - 4].total);

  // The manifest asked for in ollama's format; blobs through the redirect.
  const auto manifests = reg_.requests_for("/manifests/");
  ASSERT_EQ(manifests.size(), 1u);
  EXPECT_EQ(manifests[0].accept, store::media_type::kManifest);
  EXPECT_EQ(reg_.requests_for("/v2/library/stories/blobs/").size(), m.blobs().size());
  ASSERT_EQ(gguf_requests().size(), 1u);
  EXPECT_EQ(gguf_requests()[0].range, "");
  EXPECT_EQ(*gguf_requests()[0].bytes, stories_.size());
}

TEST_F(PullTest, BlobsAlreadyInTheStoreAreNotDownloadedAgain) {
  publish_stories(reg_, "library", "stories", kTemplate);
  const std::string other = publish_stories(reg_, "library", "other", kTemplate, "Another system message.");
  pull(name("stories"));
  reg_.clear_log();
  pull(name("stories"));
  EXPECT_TRUE(reg_.requests_for("/cdn/").empty());
  EXPECT_EQ(reg_.requests_for("/manifests/").size(), 1u);

  pull(name("other"));
  EXPECT_TRUE(gguf_requests().empty());  // shared with stories
  EXPECT_EQ(store::Manifest::parse(other, "test").layers.size(), 3u);
  EXPECT_EQ(reg_.requests_for("/cdn/").size(), 2u);  // its system layer and config only
  EXPECT_TRUE(store_.check(true).empty());
}

TEST_F(PullTest, CopiesAndRemovalsShareBlobsWithPulledModels) {
  publish_stories(reg_, "library", "stories", kTemplate);
  publish_stories(reg_, "library", "other", kTemplate, "Another system message.");
  pull(name("stories"));
  pull(name("other"));
  store_.copy(store::Name::parse(name("stories")), store::Name::parse("mine"));
  const fs::path blob = store_.blob_path(gguf_);
  store_.remove(store::Name::parse(name("stories")));
  EXPECT_TRUE(fs::exists(blob));
  store_.remove(store::Name::parse(name("other")));
  EXPECT_TRUE(fs::exists(blob));
  EXPECT_EQ(store_.get(store::Name::parse("mine")).model_path, blob);
  store_.remove(store::Name::parse("mine"));
  EXPECT_FALSE(fs::exists(blob));
  EXPECT_TRUE(blob_files(root_).empty());
}

TEST_F(PullTest, ADroppedConnectionResumesWithARangeRequest) {
  publish_stories(reg_, "library", "stories", kTemplate);
  reg_.behave(gguf_, {.drop_requests = 1, .drop_at = 300000});
  pull(name("stories"));
  const auto r = gguf_requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].range, "");
  EXPECT_EQ(*r[0].bytes, 300000u);
  EXPECT_EQ(r[1].range, "bytes=300000-" + std::to_string(stories_.size() - 1));
  EXPECT_EQ(r[1].status, 206);
  EXPECT_EQ(*r[1].bytes, stories_.size() - 300000);
  EXPECT_EQ(sha256sum(store_.blob_path(gguf_)), gguf_.hex);
  EXPECT_TRUE(store_.check(true).empty());
}

TEST_F(PullTest, AFailedPullIsResumedByTheNextOne) {
  publish_stories(reg_, "library", "stories", kTemplate);
  reg_.behave(gguf_, {.drop_requests = 3, .drop_at = 400000});
  store::PullOptions o;
  o.max_attempts = 2;
  const std::string err = error_of([&] { pull(name("stories"), o); });
  EXPECT_NE(err.find("layer " + gguf_.str()), std::string::npos) << err;
  EXPECT_TRUE(store_.list().empty());
  EXPECT_TRUE(blob_files(root_).empty());  // nothing half-done in the store itself
  EXPECT_TRUE(partial_files().count(gguf_.blob_name()));

  reg_.clear_log();
  pull(name("stories"));
  const auto r = gguf_requests();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].range, "bytes=400000-" + std::to_string(stories_.size() - 1));
  EXPECT_EQ(*r[0].bytes, stories_.size() - 400000);
  EXPECT_EQ(sha256sum(store_.blob_path(gguf_)), gguf_.hex);
  EXPECT_TRUE(partial_files().empty());
}

TEST_F(PullTest, AServerThatIgnoresRangeIsDownloadedFromTheStart) {
  publish_stories(reg_, "library", "stories", kTemplate);
  reg_.behave(gguf_, {.drop_requests = 1, .drop_at = 300000, .ignore_range = true});
  pull(name("stories"));
  const auto r = gguf_requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].range, "bytes=300000-" + std::to_string(stories_.size() - 1));
  EXPECT_EQ(r[1].status, 200);
  EXPECT_EQ(*r[1].bytes, stories_.size());
  EXPECT_EQ(sha256sum(store_.blob_path(gguf_)), gguf_.hex);
}

TEST_F(PullTest, LargeBlobsComeInParallelRanges) {
  publish_stories(reg_, "library", "stories", kTemplate);
  store::PullOptions o;
  o.parallel_threshold = 64 << 10;
  pull(name("stories"), o);
  std::set<std::string> ranges;
  uint64_t bytes = 0;
  for (const auto& r : gguf_requests()) {
    ranges.insert(r.range);
    bytes += *r.bytes;
    EXPECT_EQ(r.status, 206);
  }
  const uint64_t q = stories_.size() / 4;
  EXPECT_EQ(ranges, (std::set<std::string>{"bytes=0-" + std::to_string(q - 1),
                                           "bytes=" + std::to_string(q) + "-" + std::to_string(2 * q - 1),
                                           "bytes=" + std::to_string(2 * q) + "-" + std::to_string(3 * q - 1),
                                           "bytes=" + std::to_string(3 * q) + "-" + std::to_string(stories_.size() - 1)}));
  EXPECT_EQ(bytes, stories_.size());
  EXPECT_EQ(sha256sum(store_.blob_path(gguf_)), gguf_.hex);

  // Without Range support: one plain download instead.
  store_.remove(store::Name::parse(name("stories")));
  reg_.clear_log();
  reg_.behave(gguf_, {.ignore_range = true});
  pull(name("stories"), o);
  bool whole = false;
  for (const auto& r : gguf_requests()) whole |= r.range.empty() && *r.bytes == stories_.size();
  EXPECT_TRUE(whole);
  EXPECT_EQ(sha256sum(store_.blob_path(gguf_)), gguf_.hex);
}

TEST_F(PullTest, ACorruptedBlobIsRefusedAndNothingIsKept) {
  publish_stories(reg_, "library", "stories", kTemplate);
  reg_.behave(gguf_, {.corrupt = true});
  const std::string err = error_of([&] { pull(name("stories")); });
  EXPECT_NE(err.find("layer " + gguf_.str()), std::string::npos) << err;
  EXPECT_NE(err.find("nothing was kept"), std::string::npos) << err;
  EXPECT_TRUE(store_.list().empty());
  EXPECT_TRUE(blob_files(root_).empty());
  EXPECT_FALSE(partial_files().count(gguf_.blob_name()));
  EXPECT_TRUE(store_.check(true).empty());

  reg_.behave(gguf_, {});
  pull(name("stories"));
  EXPECT_EQ(sha256sum(store_.blob_path(gguf_)), gguf_.hex);
}

TEST_F(PullTest, BadInputIsOneClearErrorAndTheStoreStaysAsItWas) {
  publish_stories(reg_, "library", "stories", kTemplate);
  pull(name("stories"));
  const auto before = store_files();
  reg_.set_manifest("library", "broken", "latest", "{not json");
  reg_.set_manifest("library", "nomodel", "latest",
                    R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:)" + gguf_.hex +
                        R"(","size":1},"layers":[]})");
  const std::string not_found = error_of([&] { pull(name("nosuch")); });
  EXPECT_EQ(not_found, "pull model manifest: model '" + reg_.host() + "/library/nosuch:latest' was not found on " +
                           reg_.host() + " (manifest unknown)");
  EXPECT_NE(error_of([&] { pull(name("broken")); }).find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of([&] { pull(name("nomodel")); }).find("has no model layer"), std::string::npos);
  EXPECT_NE(error_of([&] { pull("127.0.0.1:9/library/x"); }).find("cannot reach the registry 127.0.0.1:9"),
            std::string::npos);
  EXPECT_NE(error_of([&] { pull("Bad Name!"); }).find("invalid model name"), std::string::npos);
  EXPECT_NE(error_of([&] { store::pull(store_, name("stories")); }).find("needs --insecure"), std::string::npos);
  EXPECT_EQ(store_files(), before);
  EXPECT_TRUE(store_.check(true).empty());
}

TEST_F(PullTest, ATemplateHearthCannotRunIsReported) {
  publish_stories(reg_, "library", "stories", "{{ template \"x\" . }}");
  const store::PullResult r = pull(name("stories"));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("{{template}}"), std::string::npos) << r.warnings[0];
}

// A GGUF model split into two parts as llama-gguf-split writes them.
std::pair<std::string, std::string> split_stories() {
  const gguf::File f = gguf::File::open(kStories);
  const size_t half = f.tensors().size() / 2;
  auto part = [&](uint16_t no, size_t from, size_t to) {
    gguf::Writer w;
    if (no == 0)
      for (const gguf::KeyValue& kv : f.metadata()) w.set(kv.key, kv.value);
    w.set("split.no", gguf::Value{uint16_t{no}});
    w.set("split.count", gguf::Value{uint16_t{2}});
    w.set("split.tensors.count", gguf::Value{int32_t(f.tensors().size())});
    for (size_t i = from; i < to; ++i) {
      const auto& t = f.tensors()[i];
      w.add_tensor(t.name, t.type, t.dims, std::span<const uint8_t>(f.tensor_data(t), t.nbytes));
    }
    const auto bytes = w.to_bytes();
    return std::string(bytes.begin(), bytes.end());
  };
  return {part(0, 0, half), part(1, half, f.tensors().size())};
}

TEST_F(PullTest, HuggingFaceSplitGgufIsMergedIntoOneModel) {
  const auto [p1, p2] = split_stories();
  reg_.add_hf_file("test", "tiny-GGUF", "README.md", "# tiny\n", true);
  reg_.add_hf_file("test", "tiny-GGUF", "tiny-Q8_0.gguf", stories_);
  reg_.add_hf_file("test", "tiny-GGUF", "Q4_K_M/tiny-Q4_K_M-00001-of-00002.gguf", p1);
  reg_.add_hf_file("test", "tiny-GGUF", "Q4_K_M/tiny-Q4_K_M-00002-of-00002.gguf", p2);
  reg_.add_hf_file("test", "tiny-GGUF", "mmproj-tiny-f16.gguf", "not a model");
  reg_.set_hf_page_size(2);  // the listing comes in pages
  store::PullOptions o;
  o.hf_endpoint = reg_.url();
  const store::PullResult r = pull("hf.co/test/tiny-GGUF", o);
  EXPECT_EQ(r.name.full(), "hf.co/test/tiny-GGUF:Q4_K_M");
  EXPECT_GE(reg_.requests_for("/tree/main").size(), 3u);
  EXPECT_EQ(reg_.requests_for("/resolve/main/Q4_K_M/").size(), 2u);
  EXPECT_TRUE(reg_.requests_for("tiny-Q8_0").empty());

  const store::ModelInfo info = store_.get(r.name);
  const gguf::File merged = gguf::File::open(info.model_path.string());
  const gguf::File source = gguf::File::open(kStories);
  EXPECT_FALSE(merged.find("split.count"));
  EXPECT_EQ(merged.metadata(), source.metadata());
  ASSERT_EQ(merged.tensors().size(), source.tensors().size());
  for (size_t i = 0; i < source.tensors().size(); ++i) {
    const auto &a = merged.tensors()[i], &b = source.tensors()[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(0, std::memcmp(merged.tensor_data(a), source.tensor_data(b), b.nbytes)) << b.name;
  }
  EXPECT_EQ(info.details.family, "llama");
  EXPECT_TRUE(store_.check(true).empty());
  EXPECT_TRUE(blob_files(root_).count(info.model_path.filename().string()));
  EXPECT_EQ(blob_files(root_).size(), 2u);  // the merged model and its config: the parts are not kept

  // Pulled again: the parts are not downloaded again.
  reg_.clear_log();
  pull("hf://test/tiny-GGUF", o);
  EXPECT_TRUE(reg_.requests_for("/cdn-lfs/").empty());
}

TEST_F(PullTest, HuggingFaceQuantIsChosenByNameAndVerified) {
  reg_.add_hf_file("test", "tiny-GGUF", "tiny-Q8_0.gguf", stories_);
  reg_.add_hf_file("test", "tiny-GGUF", "tiny-F16.gguf", stories_ + "x");
  store::PullOptions o;
  o.hf_endpoint = reg_.url() + "/";
  o.hf_token = "secret";
  const store::PullResult r = pull("huggingface.co/test/tiny-GGUF:q8_0", o);
  EXPECT_EQ(r.name.full(), "hf.co/test/tiny-GGUF:Q8_0");
  EXPECT_EQ(store_.get(r.name).model_path, store_.blob_path(gguf_));  // the LFS sha256 is the blob's digest
  for (const auto& req : reg_.requests_for("/test/tiny-GGUF/")) EXPECT_EQ(req.authorization, "Bearer secret");

  EXPECT_EQ(error_of([&] { pull("hf.co/test/tiny-GGUF:Q2_K", o); }),
            "hf.co/test/tiny-GGUF has no Q2_K GGUF file; it has: F16, Q8_0");
  EXPECT_NE(error_of([&] { pull("hf.co/test/nosuch", o); }).find("no such repository"), std::string::npos);

  // A corrupted download is refused, naming the file.
  reg_.add_hf_file("test", "bad-GGUF", "bad-Q4_K_M.gguf", stories_ + "yz");
  reg_.behave(store::Digest::of(stories_ + "yz"), {.corrupt = true});
  const std::string err = error_of([&] { pull("hf.co/test/bad-GGUF", o); });
  EXPECT_NE(err.find("file 'bad-Q4_K_M.gguf'"), std::string::npos) << err;
  EXPECT_FALSE(store_.contains(store::Name::parse("hf.co/test/bad-GGUF:Q4_K_M")));
}

TEST(HfFiles, QuantLabels) {
  EXPECT_EQ(store::quant_label("Qwen2.5-0.5B-Instruct-Q4_K_M.gguf"), "Q4_K_M");
  EXPECT_EQ(store::quant_label("llama-2-7b.Q4_K_S.gguf"), "Q4_K_S");
  EXPECT_EQ(store::quant_label("model-q8_0.gguf"), "Q8_0");
  EXPECT_EQ(store::quant_label("Qwen3-8B-UD-Q4_K_XL.gguf"), "Q4_K_XL");
  EXPECT_EQ(store::quant_label("gemma-bf16.gguf"), "BF16");
  EXPECT_EQ(store::quant_label("x-Q4_0_4_4.gguf"), "Q4_0_4_4");
  EXPECT_EQ(store::quant_label("big/DeepSeek-Q2_K-00001-of-00005.gguf"), "Q2_K");
  EXPECT_EQ(store::quant_label("stories260K.gguf"), "");
}

TEST(HfFiles, DefaultChoiceFollowsThePreferenceOrder) {
  auto f = [](const std::string& p) { return store::HfFile{p, 1, store::Digest::of(p)}; };
  const std::vector<store::HfFile> files{f("m-Q8_0.gguf"), f("m-Q5_K_M.gguf"), f("m-IQ4_XS.gguf"), f("mmproj-m-f16.gguf")};
  EXPECT_EQ(store::choose_gguf(files, std::nullopt, "r").quant, "IQ4_XS");
  EXPECT_EQ(store::choose_gguf(files, std::string("latest"), "r").quant, "IQ4_XS");
  EXPECT_EQ(store::choose_gguf(files, std::string("q5_k_m"), "r").parts[0].path, "m-Q5_K_M.gguf");
  EXPECT_EQ(store::choose_gguf({f("only.gguf")}, std::nullopt, "r").quant, "latest");
  EXPECT_THROW(store::choose_gguf({f("README.md")}, std::nullopt, "r"), Error);
  EXPECT_THROW(store::choose_gguf({f("a.gguf"), f("b.gguf")}, std::nullopt, "r"), Error);
  const std::string missing = error_of([&] {
    store::choose_gguf({f("m-Q4_K_M-00001-of-00003.gguf"), f("m-Q4_K_M-00003-of-00003.gguf")}, std::nullopt, "r");
  });
  EXPECT_NE(missing.find("part 2 of 3"), std::string::npos) << missing;
}

TEST(HfFiles, ListingAndLinks) {
  const auto files = store::parse_hf_tree(
      R"([{"type":"directory","path":"d","oid":"1","size":0},
          {"type":"file","path":"d/a.gguf","oid":"2","size":10,"lfs":{"oid":")" + std::string(64, 'a') +
          R"(","size":10,"pointerSize":134}},
          {"type":"file","path":"README.md","oid":"3","size":5}])",
      "listing");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "d/a.gguf");
  EXPECT_EQ(files[0].sha256->hex, std::string(64, 'a'));
  EXPECT_FALSE(files[1].sha256);
  EXPECT_THROW(store::parse_hf_tree("{}", "listing"), Error);
  EXPECT_EQ(store::next_page(std::string("<https://h/api/x?cursor=abc>; rel=\"next\"")), "https://h/api/x?cursor=abc");
  EXPECT_FALSE(store::next_page(std::string("<https://h/a>; rel=\"prev\"")));
  EXPECT_FALSE(store::next_page(std::nullopt));
}

TEST(HfFiles, NamesOfHuggingFaceModels) {
  for (const char* text : {"hf.co/org/repo:Q4_K_M", "hf://org/repo:Q4_K_M", "huggingface.co/org/repo:Q4_K_M",
                           "https://huggingface.co/org/repo:Q4_K_M", "HF.CO/org/repo:Q4_K_M"}) {
    const auto ref = store::parse_hf_reference(text);
    ASSERT_TRUE(ref) << text;
    EXPECT_EQ(ref->org, "org");
    EXPECT_EQ(ref->repo, "repo");
    EXPECT_EQ(ref->quant, "Q4_K_M");
  }
  EXPECT_FALSE(store::parse_hf_reference("hf.co/org/repo")->quant);
  EXPECT_FALSE(store::parse_hf_reference("llama3"));
  EXPECT_FALSE(store::parse_hf_reference("myhf.co/a/b"));
  EXPECT_THROW(store::parse_hf_reference("hf.co/justone"), Error);
  EXPECT_EQ(store::pulled_name("hf.co/org/repo:q8_0")->full(), "hf.co/org/repo:q8_0");
  EXPECT_FALSE(store::pulled_name("hf.co/org/repo"));
  EXPECT_EQ(store::pulled_name("llama3")->full(), "registry.ollama.ai/library/llama3:latest");
}

}  // namespace
}  // namespace hearth::testing
