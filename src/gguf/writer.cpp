#include "gguf/writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

#include "core/error.h"
#include "gguf/file.h"

namespace hearth::gguf {

static_assert(std::endian::native == std::endian::little,
              "the GGUF writer assumes a little-endian host");

namespace {

template <typename T>
void put(std::vector<uint8_t>& b, T v) {
  const size_t at = b.size();
  b.resize(at + sizeof(T));
  std::memcpy(b.data() + at, &v, sizeof(T));
}

void put_string(std::vector<uint8_t>& b, std::string_view s) {
  put<uint64_t>(b, s.size());
  b.insert(b.end(), s.begin(), s.end());
}

// The value's bytes without its type tag (arrays carry their element type).
void put_payload(std::vector<uint8_t>& b, const Value& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          put_string(b, x);
        } else if constexpr (std::is_same_v<T, Array>) {
          put<uint32_t>(b, static_cast<uint32_t>(x.element_type));
          put<uint64_t>(b, x.items.size());
          for (const Value& item : x.items) put_payload(b, item);
        } else if constexpr (std::is_same_v<T, bool>) {
          put<uint8_t>(b, x ? 1 : 0);
        } else {
          put<T>(b, x);
        }
      },
      v.data);
}

// Refuses what the reader would refuse: arrays whose items are not all of
// the element type, unknown element types, nesting past kMaxArrayDepth.
void check_value(const std::string& key, const Value& v, int depth) {
  const Array* a = std::get_if<Array>(&v.data);
  if (!a) return;
  if (depth + 1 > kMaxArrayDepth)
    fail("gguf writer: key '", key, "' has arrays nested deeper than ", kMaxArrayDepth, " levels");
  if (static_cast<uint32_t>(a->element_type) > static_cast<uint32_t>(ValueType::FLOAT64))
    fail("gguf writer: key '", key, "' has an array of unknown element type ",
         static_cast<uint32_t>(a->element_type));
  for (const Value& item : a->items) {
    if (item.type() != a->element_type)
      fail("gguf writer: key '", key, "' has an array of ", value_type_name(a->element_type),
           " holding a ", value_type_name(item.type()));
    check_value(key, item, depth + 1);
  }
}

uint64_t pad_to(uint64_t n, uint64_t align) { return (n + align - 1) / align * align; }

// Writes all of [p, p+n) to fd.
void write_all(int fd, const uint8_t* p, size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("cannot write '", path, "': ", errno_text(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

Writer::Writer(uint32_t version) : version_(version) {
  if (version != 2 && version != 3)
    fail("gguf writer: unsupported GGUF version ", version, " (only versions 2 and 3)");
}

void Writer::set(const std::string& key, Value value) {
  check_value(key, value, 0);
  if (key == "general.alignment") {
    const auto* a = std::get_if<uint32_t>(&value.data);
    if (!a) fail("gguf writer: general.alignment must be a uint32, not ", value_type_name(value.type()));
    if (*a == 0 || (*a & (*a - 1)) != 0)
      fail("gguf writer: general.alignment ", *a, " is not a non-zero power of two");
  }
  for (KeyValue& kv : metadata_) {
    if (kv.key == key) {
      kv.value = std::move(value);
      return;
    }
  }
  metadata_.push_back({key, std::move(value)});
}

void Writer::add_tensor(const std::string& name, tensor::DType type, std::vector<int64_t> dims,
                        Fill fill) {
  for (const Tensor& t : tensors_)
    if (t.name == name) fail("gguf writer: duplicate tensor name '", name, "'");
  if (dims.empty() || dims.size() > 4)
    fail("gguf writer: tensor '", name, "' has ", dims.size(), " dimensions (must be 1 to 4)");
  if (!fill) fail("gguf writer: tensor '", name, "' has no fill function");
  const tensor::DTypeInfo& info = tensor::dtype_info(type);
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) fail("gguf writer: tensor '", name, "' has a negative dimension ", d);
    if (__builtin_mul_overflow(n, d, &n)) fail("gguf writer: tensor '", name, "' has too many elements");
  }
  if (dims[0] % info.block_size != 0)
    fail("gguf writer: tensor '", name, "' has rows of ", dims[0], " elements, not a multiple of ",
         info.name, "'s block size ", info.block_size);
  uint64_t nbytes = static_cast<uint64_t>(dims[0] / info.block_size);
  bool overflow = __builtin_mul_overflow(nbytes, info.block_bytes, &nbytes);
  for (size_t d = 1; d < dims.size(); ++d)
    overflow = overflow || __builtin_mul_overflow(nbytes, static_cast<uint64_t>(dims[d]), &nbytes);
  if (overflow || nbytes > std::numeric_limits<size_t>::max() / 2)
    fail("gguf writer: tensor '", name, "' has too many bytes");
  tensors_.push_back({name, type, std::move(dims), static_cast<size_t>(nbytes), std::move(fill)});
}

void Writer::add_tensor(const std::string& name, tensor::DType type, std::vector<int64_t> dims,
                        std::span<const uint8_t> bytes) {
  auto copy = std::make_shared<const std::vector<uint8_t>>(bytes.begin(), bytes.end());
  add_tensor(name, type, std::move(dims), [copy](uint8_t* dst, size_t n) {
    if (n) std::memcpy(dst, copy->data(), n);
  });
  if (tensors_.back().nbytes != bytes.size()) {
    const size_t expected = tensors_.back().nbytes;
    tensors_.pop_back();
    fail("gguf writer: tensor '", name, "' is given ", bytes.size(), " bytes, its shape needs ",
         expected);
  }
}

uint64_t Writer::alignment() const {
  for (const KeyValue& kv : metadata_)
    if (kv.key == "general.alignment") return std::get<uint32_t>(kv.value.data);  // checked by set()
  return kDefaultAlignment;
}

std::vector<uint8_t> Writer::encode_head() const {
  std::vector<uint8_t> b;
  put<uint32_t>(b, kMagic);
  put<uint32_t>(b, version_);
  put<uint64_t>(b, tensors_.size());
  put<uint64_t>(b, metadata_.size());
  for (const KeyValue& kv : metadata_) {
    put_string(b, kv.key);
    put<uint32_t>(b, static_cast<uint32_t>(kv.value.type()));
    put_payload(b, kv.value);
  }
  const uint64_t align = alignment();
  uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    put_string(b, t.name);
    put<uint32_t>(b, static_cast<uint32_t>(t.dims.size()));
    for (int64_t d : t.dims) put<uint64_t>(b, static_cast<uint64_t>(d));
    put<uint32_t>(b, static_cast<uint32_t>(t.type));
    put<uint64_t>(b, offset);
    offset += pad_to(t.nbytes, align);
  }
  if (!tensors_.empty() || pad_empty_data_) b.resize(pad_to(b.size(), align), 0);
  return b;
}

std::vector<uint8_t> Writer::to_bytes() const {
  std::vector<uint8_t> out = encode_head();
  const uint64_t align = alignment();
  uint64_t total = out.size();
  for (const Tensor& t : tensors_) total += pad_to(t.nbytes, align);
  out.reserve(total);
  for (const Tensor& t : tensors_) {
    const size_t at = out.size();
    out.resize(at + pad_to(t.nbytes, align), 0);
    t.fill(out.data() + at, t.nbytes);
  }
  return out;
}

void Writer::write(const std::string& path) const {
  const std::string tmp = cat(path, ".tmp-", ::getpid());
  // Removes the temporary file unless the rename went through.
  struct Temp {
    std::string path;
    int fd = -1;
    bool committed = false;
    ~Temp() {
      if (fd >= 0) ::close(fd);
      if (!committed) ::unlink(path.c_str());
    }
  } temp{tmp};
  temp.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (temp.fd < 0) {
    const int err = errno;
    temp.committed = true;  // nothing was created
    fail("cannot write '", path, "': cannot create '", tmp, "': ", errno_text(err));
  }

  const std::vector<uint8_t> head = encode_head();
  write_all(temp.fd, head.data(), head.size(), path);
  const uint64_t align = alignment();
  std::vector<uint8_t> buf;
  for (const Tensor& t : tensors_) {
    const size_t padded = pad_to(t.nbytes, align);
    buf.assign(padded, 0);
    t.fill(buf.data(), t.nbytes);
    write_all(temp.fd, buf.data(), padded, path);
  }
  if (::fsync(temp.fd) != 0) fail("cannot write '", path, "': fsync: ", errno_text(errno));
  const int fd = temp.fd;
  temp.fd = -1;
  if (::close(fd) != 0) fail("cannot write '", path, "': close: ", errno_text(errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    fail("cannot rename '", tmp, "' to '", path, "': ", errno_text(errno));
  temp.committed = true;

  // Make the rename durable; a failure here leaves a complete file in place.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

Writer Writer::from_file(const File& file) {
  Writer w(file.version());
  w.metadata_ = file.metadata();
  w.pad_empty_data_ = file.bytes().size() >= file.data_offset();
  std::shared_ptr<MappedFile> keep = file.mapping_;
  for (const TensorInfo& t : file.tensors()) {
    const uint8_t* src = file.tensor_data(t);
    w.tensors_.push_back({t.name, t.type, t.dims, static_cast<size_t>(t.nbytes),
                          [src, keep](uint8_t* dst, size_t n) {
                            if (n) std::memcpy(dst, src, n);
                          }});
  }
  return w;
}

}  // namespace hearth::gguf
