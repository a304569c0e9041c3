#pragma once
// SHA-256 (FIPS 180-4) through OpenSSL's libcrypto, fed in pieces so that a
// model of many gigabytes is hashed while it is copied.
#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace hearth::store {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const uint8_t> bytes);
  void update(std::string_view text);
  // The digest of everything fed so far; the hasher starts over afterwards.
  std::array<uint8_t, 32> finish();
  std::string finish_hex();  // 64 lowercase hex digits

 private:
  void* ctx_;  // EVP_MD_CTX, kept out of this header
};

std::string sha256_hex(std::string_view bytes);
// Streams the file. Throws hearth::Error naming the path.
std::string sha256_file_hex(const std::filesystem::path& path);

std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace hearth::store
