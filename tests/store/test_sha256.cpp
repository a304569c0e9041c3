// SHA-256 against the FIPS 180-2 examples and the sha256sum program.
#include <random>

#include "store/digest.h"
#include "store/sha256.h"
#include "store_test_util.h"

namespace hearth::testing {
namespace {

using store::Sha256;
using store::sha256_hex;

TEST(Sha256, Fips180Examples) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, PiecesHashAsTheWhole) {
  const std::string text(1000000, 'a');
  Sha256 h;
  for (size_t at = 0; at < text.size();) {
    const size_t n = std::min<size_t>(text.size() - at, 1 + at % 997);
    h.update(std::string_view(text).substr(at, n));
    at += n;
  }
  EXPECT_EQ(h.finish_hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // The hasher starts over after finish().
  h.update("abc");
  EXPECT_EQ(h.finish_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, FilesAgreeWithSha256sum) {
  TempDir dir;
  std::mt19937 rng(42);
  std::string bytes(3 * 1024 * 1024 + 17, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  write_text(dir / "random.bin", bytes);
  EXPECT_EQ(store::sha256_file_hex(dir / "random.bin"), sha256sum(dir / "random.bin"));
  EXPECT_EQ(sha256_hex(bytes), sha256sum(dir / "random.bin"));
  EXPECT_EQ(store::sha256_file_hex(kStories), sha256sum(kStories));
  EXPECT_THROW(store::sha256_file_hex(dir / "missing"), Error);
}

TEST(Digest, ParsesBothSpellings) {
  const std::string hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  EXPECT_EQ(store::Digest::parse("sha256:" + hex).hex, hex);
  EXPECT_EQ(store::Digest::parse("sha256-" + hex).hex, hex);
  EXPECT_EQ(store::Digest::parse("sha256:" + hex).blob_name(), "sha256-" + hex);
  EXPECT_EQ(store::Digest::parse("sha256-" + hex).str(), "sha256:" + hex);
  EXPECT_EQ(store::Digest::of("abc").short_id(), "ba7816bf8f01");
  for (std::string bad : {std::string("sha256:") + hex.substr(1), "sha512:" + hex, "sha256:" + hex + "0",
                          "sha256:" + std::string(64, 'A'), "sha256_" + hex, std::string()}) {
    EXPECT_FALSE(store::Digest::try_parse(bad)) << bad;
    EXPECT_THROW(store::Digest::parse(bad), Error) << bad;
  }
}

}  // namespace
}  // namespace hearth::testing
