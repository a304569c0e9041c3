// Hostile and broken files: each is a small valid file written by the Writer
// with one field patched, and must give a one-line hearth::Error naming the
// file and the problem.
#include <gtest/gtest.h>

#include <cstring>

#include "gguf_test_util.h"

namespace hearth::gguf {
namespace {

using test::Bytes;
using test::expect_error;
using test::expect_parse_error;
using test::find;
using test::poke;
using test::small_file;
using test::tensor_info_at;

TEST(GgufErrors, SmallFileIsValid) {
  const Bytes b = small_file();
  const File f = File::parse(b, "x.gguf");
  EXPECT_EQ(f.metadata().size(), 4u);
  EXPECT_EQ(f.tensors().size(), 3u);
}

TEST(GgufErrors, MissingFile) {
  expect_error([] { File::open("/nonexistent/dir/x.gguf"); }, "cannot open '/nonexistent/dir/x.gguf'");
  expect_error([] { File::open("/"); }, "is not a regular file");
}

TEST(GgufErrors, BadMagic) {
  Bytes b = small_file();
  b[0] = 'X';
  expect_parse_error(b, "'x.gguf': not a GGUF file (bad magic)");
  expect_parse_error(Bytes{'h', 'i', '\n'}, "not a GGUF file (bad magic)");
  const std::string text = "just some text that is certainly not a model file\n";
  expect_parse_error(Bytes(text.begin(), text.end()), "not a GGUF file (bad magic)");
  expect_parse_error(Bytes{}, "truncated: header at offset 0 needs 4 bytes, 0 remain");
  expect_parse_error(Bytes{'G', 'G', 'U'}, "truncated");
}

TEST(GgufErrors, UnsupportedVersion) {
  Bytes b = small_file();
  poke<uint32_t>(b, 4, 1);
  expect_parse_error(b, "unsupported GGUF version 1 (only versions 2 and 3 are supported)");
  poke<uint32_t>(b, 4, 4);
  expect_parse_error(b, "unsupported GGUF version 4");
  poke<uint32_t>(b, 4, 0);
  expect_parse_error(b, "unsupported GGUF version 0");
  poke<uint32_t>(b, 4, 0x03000000);
  expect_parse_error(b, "big-endian GGUF files are not supported");
  poke<uint32_t>(b, 4, 2);
  EXPECT_EQ(File::parse(b).version(), 2u);
}

TEST(GgufErrors, EveryPrefixOfASmallFileIsRefused) {
  const Bytes b = small_file();
  for (size_t n = 0; n < b.size(); ++n) {
    SCOPED_TRACE(n);
    const Bytes prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THROW(File::parse(prefix, "x.gguf"), Error);
  }
  EXPECT_NO_THROW(File::parse(b, "x.gguf"));
}

TEST(GgufErrors, PrefixesOfRealFilesAreRefused) {
  for (const char* rel : {"models/stories260K.gguf", "tests/data/ggml-vocab-llama-spm.gguf"}) {
    const Bytes b = test::read_bytes(test::repo_path(rel));
    const File f = File::parse(b);
    // Every cut in the first 4 KiB, then cuts in steps through the rest of
    // the header and tensor infos, then some inside the tensor data.
    const size_t header_end = std::min<size_t>(f.data_offset(), b.size());
    const size_t step = header_end > 100000 ? 4999 : 13;
    auto check = [&](size_t n) {
      const Bytes prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
      try {
        File::parse(prefix, rel);
        ADD_FAILURE() << rel << " cut at " << n << " parsed";
      } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).rfind(std::string("'") + rel + "': ", 0), 0u) << e.what();
      }
    };
    for (size_t n = 0; n < header_end; n += n < 4096 ? 1 : step) check(n);
    for (size_t n = header_end; n < b.size(); n += 4099) check(n);
    check(b.size() - 1);
  }
}

TEST(GgufErrors, TruncatedMessage) {
  Writer w;
  w.set("k.s", Value{std::string("abc")});
  const Bytes b = w.to_bytes();
  ASSERT_EQ(b.size(), 50u);  // 24 header, 8 + 3 key, 4 type, 8 + 3 string
  const Bytes cut(b.begin(), b.begin() + 48);
  expect_parse_error(cut, "'x.gguf': truncated: value of key 'k.s' at offset 47 needs 3 bytes, 1 remain");
  const Bytes cut2(b.begin(), b.begin() + 40);
  expect_parse_error(cut2, "truncated: value of key 'k.s' (length) at offset 39 needs 8 bytes, 1 remain");
}

TEST(GgufErrors, AbsurdTensorCount) {
  Bytes b = small_file();
  poke<uint64_t>(b, 8, 10000000000000ull);
  expect_parse_error(b, "tensor count 10000000000000 cannot fit in a file of " + std::to_string(b.size()) + " bytes");
  poke<uint64_t>(b, 8, ~0ull);
  expect_parse_error(b, "tensor count 18446744073709551615 cannot fit");
}

TEST(GgufErrors, AbsurdKvCount) {
  Bytes b = small_file();
  poke<uint64_t>(b, 16, 1000000000000ull);
  expect_parse_error(b, "metadata key count 1000000000000 cannot fit in a file of");
  poke<uint64_t>(b, 16, ~0ull);
  expect_parse_error(b, "metadata key count 18446744073709551615 cannot fit");
}

TEST(GgufErrors, AbsurdStringLength) {
  Bytes b = small_file();
  poke<uint64_t>(b, 24, 5000000000ull);  // the first key's length
  expect_parse_error(b, "truncated: key of metadata entry 0 at offset 32 needs 5000000000 bytes");
  b = small_file();
  const size_t at = find(b, "k.dupa") + 6 + 4;
  poke<uint64_t>(b, at, ~0ull);
  expect_parse_error(b, "needs 18446744073709551615 bytes");
  b = small_file();
  poke<uint64_t>(b, tensor_info_at(b, "t.bbb") - 5 - 8, 1ull << 62);  // a tensor name's length
  expect_parse_error(b, "truncated: name of tensor 1 at offset");
}

TEST(GgufErrors, AbsurdArrayCount) {
  Bytes b = small_file();
  const size_t at = find(b, "k.arr") + 5 + 4 + 4;  // key, value type, element type
  ASSERT_EQ(test::peek<uint64_t>(b, at), 3u);
  poke<uint64_t>(b, at, 1000000000000000ull);
  expect_parse_error(b, "key 'k.arr' has an array count 1000000000000000 of uint32");
  expect_parse_error(b, "cannot fit");
  poke<uint64_t>(b, at, ~0ull);
  expect_parse_error(b, "cannot fit");
}

TEST(GgufErrors, UnknownValueTypes) {
  Bytes b = small_file();
  const size_t type_at = find(b, "k.first") + 7;
  poke<uint32_t>(b, type_at, 13);
  expect_parse_error(b, "key 'k.first' at offset 24 has unknown value type 13");
  b = small_file();
  poke<uint32_t>(b, find(b, "k.arr") + 5 + 4, 77);
  expect_parse_error(b, "key 'k.arr' has an array of unknown element type 77");
}

TEST(GgufErrors, BoolMustBeZeroOrOne) {
  Writer w;
  w.set("flag", Value{true});
  Bytes b = w.to_bytes();
  b.back() = 2;
  expect_parse_error(b, "key 'flag' has a bool at offset 40 with value 2 (must be 0 or 1)");
}

// key "deep": `levels` nested arrays, the innermost an empty uint8 array.
Bytes nested_file(int levels) {
  Bytes b;
  auto u32 = [&](uint32_t v) { b.insert(b.end(), reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + 4); };
  auto u64 = [&](uint64_t v) { b.insert(b.end(), reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + 8); };
  u32(kMagic);
  u32(3);
  u64(0);
  u64(1);
  u64(4);
  b.insert(b.end(), {'d', 'e', 'e', 'p'});
  u32(9);  // ARRAY
  for (int i = 1; i < levels; ++i) {
    u32(9);
    u64(1);
  }
  u32(0);
  u64(0);
  return b;
}

TEST(GgufErrors, NestingDepth) {
  const File ok = File::parse(nested_file(kMaxArrayDepth));
  const Value* v = ok.find("deep");
  for (int i = 1; i < kMaxArrayDepth; ++i) v = &v->as_array("a").items.at(0);
  EXPECT_EQ(v->as_array("a").element_type, ValueType::UINT8);
  expect_parse_error(nested_file(kMaxArrayDepth + 1), "key 'deep' has arrays nested deeper than 8 levels");
  expect_parse_error(nested_file(100000), "nested deeper than 8 levels");
  // And the writer writes exactly what it read.
  EXPECT_EQ(Writer::from_file(ok).to_bytes(), nested_file(kMaxArrayDepth));
}

TEST(GgufErrors, DimensionCount) {
  Bytes b = small_file();
  const size_t at = tensor_info_at(b, "t.aaa");
  ASSERT_EQ(test::peek<uint32_t>(b, at), 2u);
  poke<uint32_t>(b, at, 5);
  expect_parse_error(b, "tensor 't.aaa' at offset");
  expect_parse_error(b, "has 5 dimensions (must be 1 to 4)");
  poke<uint32_t>(b, at, 0);
  expect_parse_error(b, "has 0 dimensions (must be 1 to 4)");
  poke<uint32_t>(b, at, 0xffffffffu);
  expect_parse_error(b, "has 4294967295 dimensions");
}

TEST(GgufErrors, BadDimensions) {
  Bytes b = small_file();
  const size_t ne = tensor_info_at(b, "t.aaa") + 4;
  poke<uint64_t>(b, ne, 1ull << 63);
  expect_parse_error(b, "tensor 't.aaa' dimension 0 is -9223372036854775808 (negative)");
  b = small_file();
  poke<uint64_t>(b, ne, 1ull << 32);
  poke<uint64_t>(b, ne + 8, 1ull << 32);
  expect_parse_error(b, "tensor 't.aaa' has too many elements: [4294967296, 4294967296] overflows int64");
  b = small_file();
  poke<uint64_t>(b, ne, 1ull << 61);  // [2^61, 2] f32: 2^62 elements, 2^64 bytes
  expect_parse_error(b, "has too many bytes");
  b = small_file();
  poke<uint64_t>(b, tensor_info_at(b, "t.bbb") + 4, 16);
  expect_parse_error(b, "tensor 't.bbb' has rows of 16 elements, not a multiple of q8_0's block size 32");
}

TEST(GgufErrors, UnsupportedTensorType) {
  Bytes b = small_file();
  const size_t type_at = tensor_info_at(b, "t.aaa") + 4 + 2 * 8;
  ASSERT_EQ(test::peek<uint32_t>(b, type_at), 0u);
  poke<uint32_t>(b, type_at, 99);
  expect_parse_error(b, "tensor 't.aaa' has unsupported type id 99");
  for (uint32_t retired : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u}) {
    poke<uint32_t>(b, type_at, retired);
    expect_parse_error(b, "tensor 't.aaa' has unsupported type id " + std::to_string(retired));
  }
  poke<uint32_t>(b, type_at, 0xffffffffu);
  expect_parse_error(b, "unsupported type id 4294967295");
}

TEST(GgufErrors, DataOutOfBounds) {
  Bytes b = small_file();
  const size_t off = tensor_info_at(b, "t.ccc") + 4 + 8 + 4;
  ASSERT_EQ(test::peek<uint64_t>(b, off), 96u);
  poke<uint64_t>(b, off, 128);
  expect_parse_error(b, "tensor 't.ccc' data out of bounds: 32 bytes at offset 128 of a data section of 128 bytes");
  poke<uint64_t>(b, off, 0xffffffffffffffe0ull);  // aligned, and offset + size overflows
  expect_parse_error(b, "data out of bounds");
  b = small_file();
  poke<uint64_t>(b, off - 8 - 4, 16);  // t.ccc's ne0: 64 bytes no longer fit
  expect_parse_error(b, "tensor 't.ccc' data out of bounds: 64 bytes at offset 96");
  // The data section itself cut short.
  b = small_file();
  b.resize(b.size() - 1);
  expect_parse_error(b, "tensor 't.ccc' data out of bounds");
}

TEST(GgufErrors, MisalignedOffset) {
  Bytes b = small_file();
  const size_t off = tensor_info_at(b, "t.bbb") + 4 + 8 + 4;
  ASSERT_EQ(test::peek<uint64_t>(b, off), 32u);
  poke<uint64_t>(b, off, 33);
  expect_parse_error(b, "tensor 't.bbb' has offset 33, not a multiple of the alignment 32");
  poke<uint64_t>(b, off, 16);
  expect_parse_error(b, "has offset 16, not a multiple of the alignment 32");
}

TEST(GgufErrors, BadAlignment) {
  Writer w = test::small_writer();
  w.set("general.alignment", Value{uint32_t{32}});
  const Bytes good = w.to_bytes();
  EXPECT_EQ(File::parse(good).alignment(), 32u);
  const size_t type_at = find(good, "general.alignment") + 17;
  const size_t value_at = type_at + 4;
  ASSERT_EQ(test::peek<uint32_t>(good, value_at), 32u);
  Bytes b = good;
  poke<uint32_t>(b, value_at, 48);
  expect_parse_error(b, "general.alignment 48 is not a non-zero power of two");
  poke<uint32_t>(b, value_at, 0);
  expect_parse_error(b, "general.alignment 0 is not a non-zero power of two");
  poke<uint32_t>(b, value_at, 0x80000001u);
  expect_parse_error(b, "not a non-zero power of two");
  b = good;
  poke<uint32_t>(b, type_at, 5);  // int32 32: the right value, the wrong type
  expect_parse_error(b, "general.alignment has type int32, expected uint32");
  b = good;
  poke<uint32_t>(b, value_at, 64);  // valid, but the offsets are now misaligned
  expect_parse_error(b, "not a multiple of the alignment 64");
}

TEST(GgufErrors, DuplicateKey) {
  Bytes b = small_file();
  b[find(b, "k.dupb") + 5] = 'a';
  expect_parse_error(b, "duplicate metadata key 'k.dupa' at offset");
  // Control bytes in names are escaped so that the message stays on one line.
  b = small_file();
  b[find(b, "k.dupa") + 4] = '\n';
  b[find(b, "k.dupb") + 4] = '\n';
  b[find(b, "k.du\nb") + 5] = 'a';
  expect_parse_error(b, "duplicate metadata key 'k.du\\x0aa'");
}

TEST(GgufErrors, DuplicateTensor) {
  Bytes b = small_file();
  const size_t at = find(b, "t.bbb");
  b[at + 2] = b[at + 3] = b[at + 4] = 'a';
  expect_parse_error(b, "duplicate tensor name 't.aaa' at offset");
  // Long names are cut in messages.
  Writer w;
  const std::string long_name(300, 'n');
  w.add_tensor(long_name + "1", tensor::DType::F32, {1}, Bytes(4));
  w.add_tensor(long_name + "2", tensor::DType::F32, {1}, Bytes(4));
  b = w.to_bytes();
  b[find(b, long_name + "2") + 300] = '1';
  expect_parse_error(b, "duplicate tensor name '" + std::string(80, 'n') + "... (301 bytes)' at offset");
}

// Whatever single byte is changed, the parser either accepts the file or
// throws hearth::Error; it never crashes (run under ASan/UBSan to see).
TEST(GgufErrors, ByteFlipsNeverCrash) {
  const Bytes good = small_file();
  size_t accepted = 0, refused = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t v : {uint8_t{0}, uint8_t{0xff}, uint8_t{0x80}, static_cast<uint8_t>(good[i] ^ 1),
                      static_cast<uint8_t>(good[i] + 32)}) {
      Bytes b = good;
      b[i] = v;
      try {
        const File f = File::parse(b, "flip");
        for (const auto& t : f.tensors()) {
          const uint8_t* p = f.tensor_data(t);
          if (t.nbytes) {
            EXPECT_LE(p + t.nbytes, b.data() + b.size());
          }
        }
        ++accepted;
      } catch (const Error&) {
        ++refused;
      }
    }
  }
  EXPECT_GT(accepted, 0u);
  EXPECT_GT(refused, 0u);
}

}  // namespace
}  // namespace hearth::gguf
