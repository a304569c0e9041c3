#include "gguf/file.h"

#include <bit>
#include <cstring>
#include <limits>
#include <sstream>
#include <unordered_set>

#include "core/error.h"

namespace hearth::gguf {

static_assert(std::endian::native == std::endian::little,
              "the GGUF reader assumes a little-endian host");

int64_t TensorInfo::n_elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;  // the parser has checked that this cannot overflow
  return n;
}

namespace {

// Smallest encodings, used to refuse counts that cannot fit before reserving.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;               // key length, value type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // name length, n_dims, ne0, type, offset
constexpr uint32_t kMaxDims = 4;

uint64_t fixed_size(ValueType t) {
  switch (t) {
    case ValueType::UINT8: case ValueType::INT8: case ValueType::BOOL: return 1;
    case ValueType::UINT16: case ValueType::INT16: return 2;
    case ValueType::UINT32: case ValueType::INT32: case ValueType::FLOAT32: return 4;
    case ValueType::UINT64: case ValueType::INT64: case ValueType::FLOAT64: return 8;
    default: return 0;
  }
}

// Bytes the smallest element of type t takes in an array.
uint64_t min_element_size(ValueType t) {
  if (t == ValueType::STRING) return 8;
  if (t == ValueType::ARRAY) return 4 + 8;
  return fixed_size(t);
}

// A key or tensor name as error messages show it: on one line (control bytes
// as \xNN) and at most 80 bytes, however hostile the file.
struct Shown {
  std::string_view s;
};

std::ostream& operator<<(std::ostream& o, Shown v) {
  static constexpr char kHex[] = "0123456789abcdef";
  constexpr size_t kMax = 80;
  for (size_t i = 0; i < v.s.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(v.s[i]);
    if (c < 0x20 || c == 0x7f || c == '\\')
      o << '\\' << 'x' << kHex[c >> 4] << kHex[c & 15];
    else
      o << static_cast<char>(c);
  }
  if (v.s.size() > kMax) o << "... (" << v.s.size() << " bytes)";
  return o;
}

bool valid_value_type(uint32_t t) { return t <= static_cast<uint32_t>(ValueType::FLOAT64); }

}  // namespace

// Reads a GGUF image front to back; every read is checked against the bytes
// that remain, and every count against what could possibly fit.
class Parser {
 public:
  Parser(File& file) : f_(file), bytes_(file.bytes_), size_(file.bytes_.size()) {}

  void run() {
    parse_header();
    parse_metadata();
    parse_tensor_infos();
    place_data();
  }

 private:
  File& f_;
  std::span<const uint8_t> bytes_;
  uint64_t size_;
  uint64_t pos_ = 0;
  uint64_t n_tensors_ = 0;
  uint64_t n_kv_ = 0;

  template <typename... Args>
  [[noreturn]] void error(const Args&... args) const {
    fail("'", f_.name_, "': ", args...);
  }

  uint64_t remaining() const { return size_ - pos_; }

  // Ensures n bytes remain; `what` writes a description of the item for the message.
  template <typename Describe>
  void need(uint64_t n, Describe&& what) const {
    if (n > remaining()) {
      std::ostringstream d;
      what(d);
      error("truncated: ", d.str(), " at offset ", pos_, " needs ", n, " bytes, ", remaining(),
            " remain");
    }
  }

  template <typename T, typename Describe>
  T read(Describe&& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  // A string: u64 length then bytes. Returns a view into the image.
  template <typename Describe>
  std::string_view read_string_view(Describe&& what) {
    const uint64_t len = read<uint64_t>([&](std::ostream& o) {
      what(o);
      o << " (length)";
    });
    need(len, what);
    std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
    pos_ += len;
    return s;
  }

  void parse_header() {
    auto what = [](std::ostream& o) { o << "header"; };
    if (size_ < 4) {
      if (size_ > 0 && std::memcmp(bytes_.data(), "GGUF", size_) != 0) error("not a GGUF file (bad magic)");
      need(4, what);
    }
    uint32_t magic;
    std::memcpy(&magic, bytes_.data(), 4);
    if (magic != kMagic) error("not a GGUF file (bad magic)");
    pos_ = 4;
    const uint32_t version = read<uint32_t>(what);
    if (version != 2 && version != 3) {
      const uint32_t swapped = __builtin_bswap32(version);
      if (swapped == 2 || swapped == 3)
        error("big-endian GGUF files are not supported (version ", swapped, " byte-swapped)");
      error("unsupported GGUF version ", version, " (only versions 2 and 3 are supported)");
    }
    f_.version_ = version;
    n_tensors_ = read<uint64_t>(what);
    n_kv_ = read<uint64_t>(what);
    // Each entry takes at least a fixed number of bytes, so a count that needs
    // more than remain is refused here, before anything is reserved.
    if (n_tensors_ > remaining() / kMinTensorInfoBytes)
      error("truncated or corrupt: tensor count ", n_tensors_, " cannot fit in a file of ", size_, " bytes");
    if (n_kv_ > remaining() / kMinKvBytes)
      error("truncated or corrupt: metadata key count ", n_kv_, " cannot fit in a file of ", size_, " bytes");
    if (n_tensors_ > (remaining() - n_kv_ * kMinKvBytes) / kMinTensorInfoBytes)
      error("truncated or corrupt: tensor count ", n_tensors_, " and metadata key count ", n_kv_,
            " cannot fit in a file of ", size_, " bytes");
  }

  void parse_metadata() {
    f_.metadata_.reserve(n_kv_);
    f_.key_index_.reserve(n_kv_);
    bool have_alignment = false;
    for (uint64_t i = 0; i < n_kv_; ++i) {
      const uint64_t key_pos = pos_;
      std::string_view key =
          read_string_view([&](std::ostream& o) { o << "key of metadata entry " << i; });
      auto about = [&](std::ostream& o) { o << "value type of key '" << Shown{key} << "'"; };
      const uint32_t type = read<uint32_t>(about);
      if (!valid_value_type(type))
        error("key '", Shown{key}, "' at offset ", key_pos, " has unknown value type ", type);
      KeyValue kv;
      kv.key = std::string(key);
      kv.value = read_value(static_cast<ValueType>(type), key, 0);
      if (!f_.key_index_.emplace(kv.key, f_.metadata_.size()).second)
        error("duplicate metadata key '", Shown{key}, "' at offset ", key_pos);
      if (kv.key == "general.alignment") {
        const auto* a = std::get_if<uint32_t>(&kv.value.data);
        if (!a)
          error("general.alignment has type ", value_type_name(kv.value.type()),
                ", expected uint32");
        if (*a == 0 || (*a & (*a - 1)) != 0)
          error("general.alignment ", *a, " is not a non-zero power of two");
        f_.alignment_ = *a;
        have_alignment = true;
      }
      f_.metadata_.push_back(std::move(kv));
    }
    if (!have_alignment) f_.alignment_ = kDefaultAlignment;
  }

  // depth: how many arrays enclose this value.
  Value read_value(ValueType type, std::string_view key, int depth) {
    auto what = [&](std::ostream& o) { o << "value of key '" << Shown{key} << "'"; };
    Value v;
    switch (type) {
      case ValueType::UINT8: v.data = read<uint8_t>(what); break;
      case ValueType::INT8: v.data = read<int8_t>(what); break;
      case ValueType::UINT16: v.data = read<uint16_t>(what); break;
      case ValueType::INT16: v.data = read<int16_t>(what); break;
      case ValueType::UINT32: v.data = read<uint32_t>(what); break;
      case ValueType::INT32: v.data = read<int32_t>(what); break;
      case ValueType::FLOAT32: v.data = read<float>(what); break;
      case ValueType::UINT64: v.data = read<uint64_t>(what); break;
      case ValueType::INT64: v.data = read<int64_t>(what); break;
      case ValueType::FLOAT64: v.data = read<double>(what); break;
      case ValueType::BOOL: {
        const uint64_t at = pos_;
        const uint8_t b = read<uint8_t>(what);
        if (b > 1) error("key '", Shown{key}, "' has a bool at offset ", at, " with value ", +b, " (must be 0 or 1)");
        v.data = b != 0;
        break;
      }
      case ValueType::STRING:
        v.data = std::string(read_string_view(what));
        break;
      case ValueType::ARRAY:
        v.data = read_array(key, depth + 1);
        break;
    }
    return v;
  }

  Array read_array(std::string_view key, int depth) {
    const uint64_t at = pos_;
    if (depth > kMaxArrayDepth)
      error("key '", Shown{key}, "' has arrays nested deeper than ", kMaxArrayDepth, " levels at offset ", at);
    auto what = [&](std::ostream& o) { o << "array header of key '" << Shown{key} << "'"; };
    const uint32_t et = read<uint32_t>(what);
    if (!valid_value_type(et))
      error("key '", Shown{key}, "' has an array of unknown element type ", et, " at offset ", at);
    const uint64_t count = read<uint64_t>(what);
    Array arr;
    arr.element_type = static_cast<ValueType>(et);
    if (count > remaining() / min_element_size(arr.element_type))
      error("key '", Shown{key}, "' has an array count ", count, " of ", value_type_name(arr.element_type),
            " at offset ", at, " that cannot fit in the ", remaining(), " bytes remaining");
    arr.items.reserve(count);
    for (uint64_t i = 0; i < count; ++i) arr.items.push_back(read_value(arr.element_type, key, depth));
    return arr;
  }

  void parse_tensor_infos() {
    f_.tensors_.reserve(n_tensors_);
    f_.tensor_index_.reserve(n_tensors_);
    for (uint64_t i = 0; i < n_tensors_; ++i) {
      const uint64_t info_pos = pos_;
      std::string_view name =
          read_string_view([&](std::ostream& o) { o << "name of tensor " << i; });
      auto what = [&](std::ostream& o) { o << "info of tensor '" << Shown{name} << "'"; };
      TensorInfo t;
      t.name = std::string(name);
      const uint32_t n_dims = read<uint32_t>(what);
      if (n_dims < 1 || n_dims > kMaxDims)
        error("tensor '", Shown{name}, "' at offset ", info_pos, " has ", n_dims,
              " dimensions (must be 1 to ", kMaxDims, ")");
      t.dims.resize(n_dims);
      int64_t n_elements = 1;
      for (uint32_t d = 0; d < n_dims; ++d) {
        const uint64_t ne = read<uint64_t>(what);
        if (ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
          error("tensor '", Shown{name}, "' dimension ", d, " is ", static_cast<int64_t>(ne), " (negative)");
        t.dims[d] = static_cast<int64_t>(ne);
        if (__builtin_mul_overflow(n_elements, t.dims[d], &n_elements))
          error("tensor '", Shown{name}, "' has too many elements: ", shape(t.dims, d + 1),
                " overflows int64");
      }
      const uint32_t type_id = read<uint32_t>(what);
      const tensor::DTypeInfo* info = tensor::dtype_info(type_id);
      if (!info) error("tensor '", Shown{name}, "' has unsupported type id ", type_id);
      t.type = info->type;
      if (t.dims[0] % info->block_size != 0)
        error("tensor '", Shown{name}, "' has rows of ", t.dims[0], " elements, not a multiple of ",
              info->name, "'s block size ", info->block_size);
      uint64_t nbytes = static_cast<uint64_t>(t.dims[0] / info->block_size);
      bool overflow = __builtin_mul_overflow(nbytes, info->block_bytes, &nbytes);
      for (uint32_t d = 1; d < n_dims; ++d)
        overflow = overflow || __builtin_mul_overflow(nbytes, static_cast<uint64_t>(t.dims[d]), &nbytes);
      if (overflow) error("tensor '", Shown{name}, "' of shape ", shape(t.dims, n_dims), " has too many bytes");
      t.nbytes = nbytes;
      t.offset = read<uint64_t>(what);
      if (!f_.tensor_index_.emplace(t.name, f_.tensors_.size()).second)
        error("duplicate tensor name '", Shown{name}, "' at offset ", info_pos);
      f_.tensors_.push_back(std::move(t));
    }
  }

  static std::string shape(const std::vector<int64_t>& dims, size_t n) {
    std::string s = "[";
    for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
  }

  void place_data() {
    const uint64_t align = f_.alignment_;
    const uint64_t end_of_infos = pos_;
    // pos_ <= size_ and align <= 2^31, so this cannot overflow.
    f_.data_offset_ = (end_of_infos + align - 1) / align * align;
    if (f_.tensors_.empty()) return;
    if (f_.data_offset_ > size_)
      error("truncated: tensor data starts at offset ", f_.data_offset_, " but the file has ", size_,
            " bytes");
    const uint64_t data_size = size_ - f_.data_offset_;
    for (const TensorInfo& t : f_.tensors_) {
      if (t.offset % align != 0)
        error("tensor '", Shown{t.name}, "' has offset ", t.offset, ", not a multiple of the alignment ",
              align);
      if (t.offset > data_size || t.nbytes > data_size - t.offset)
        error("truncated or corrupt: tensor '", Shown{t.name}, "' data out of bounds: ", t.nbytes, " bytes at offset ", t.offset,
              " of a data section of ", data_size, " bytes (file offset ", f_.data_offset_, ")");
    }
  }
};

File File::open(const std::string& path) {
  auto mapping = std::make_shared<MappedFile>(MappedFile::open(path));
  File f = parse(mapping->bytes(), path);
  f.mapping_ = std::move(mapping);
  return f;
}

File File::parse(std::span<const uint8_t> bytes, const std::string& name) {
  File f;
  f.bytes_ = bytes;
  f.name_ = name;
  Parser(f).run();
  return f;
}

const Value* File::find(std::string_view key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second].value;
}

namespace {
std::string describe_key(const std::string& path, std::string_view key) {
  return cat("'", path, "': key '", Shown{key}, "'");
}
}  // namespace

std::string File::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (!v) fail("'", name_, "': missing key '", Shown{key}, "'");
  return v->as_string(describe_key(name_, key));
}

std::optional<std::string> File::find_string(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  return v->as_string(describe_key(name_, key));
}

uint64_t File::get_uint(std::string_view key) const {
  const Value* v = find(key);
  if (!v) fail("'", name_, "': missing key '", Shown{key}, "'");
  return v->as_uint(describe_key(name_, key));
}

uint64_t File::get_uint_or(std::string_view key, uint64_t fallback) const {
  const Value* v = find(key);
  return v ? v->as_uint(describe_key(name_, key)) : fallback;
}

double File::get_double_or(std::string_view key, double fallback) const {
  const Value* v = find(key);
  return v ? v->as_double(describe_key(name_, key)) : fallback;
}

bool File::get_bool_or(std::string_view key, bool fallback) const {
  const Value* v = find(key);
  return v ? v->as_bool(describe_key(name_, key)) : fallback;
}

const TensorInfo* File::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const uint8_t* File::tensor_data(const TensorInfo& info) const {
  // Checked at parse time for this file's tensors; checked again so that an
  // info from elsewhere cannot point outside the image.
  const uint64_t size = bytes_.size();
  if (data_offset_ > size || info.offset > size - data_offset_ ||
      info.nbytes > size - data_offset_ - info.offset)
    fail("'", name_, "': tensor '", Shown{info.name}, "' data out of bounds");
  return bytes_.data() + data_offset_ + info.offset;
}

}  // namespace hearth::gguf
