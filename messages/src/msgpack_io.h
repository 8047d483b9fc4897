// Internal: a map writer over msgpack's packer and a strict, error-latching map reader over
// msgpack::object, shared by the body codecs and the manifest's msgpack form.
#pragma once

#include <cstdint>
#include <map>
#include <msgpack.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"
#include "cocos/messages/limits.h"

namespace cocos::messages::detail {

// msgpack buffer appending to a std::string.
struct StringSink {
  std::string* s;
  void write(const char* d, std::size_t n) { s->append(d, n); }
};

// Packs the fields of one map; finish() returns the map (header + fields) as msgpack bytes.
class MapWriter {
 public:
  MapWriter() : pk_(sink_) {}
  MapWriter(const MapWriter&) = delete;
  MapWriter& operator=(const MapWriter&) = delete;

  void str(std::string_view k, std::string_view v);
  void u64(std::string_view k, std::uint64_t v);
  void boolean(std::string_view k, bool v);
  void bin(std::string_view k, std::span<const std::uint8_t> v);
  void str_array(std::string_view k, const std::vector<std::string>& v);
  void str_map(std::string_view k, const std::map<std::string, std::string>& v);
  void bin_map(std::string_view k, const std::map<std::string, Bytes>& v);
  // A value already packed (a nested map or array).
  void packed(std::string_view k, std::string_view msgpack_bytes);
  std::string finish() const;

 private:
  void key(std::string_view k);
  std::string buf_;
  StringSink sink_{&buf_};
  msgpack::packer<StringSink> pk_;
  std::uint32_t n_ = 0;
};

// Packs an array of already-packed elements.
std::string pack_array(const std::vector<std::string>& packed_elems);

std::string_view type_name(const msgpack::object& o);

// Reads fields of one map. The first failure latches; later calls are no-ops. Error messages
// name the field by its path ("items[2].bytes").
class MapReader {
 public:
  // Fails (bad_message) when `o` is not a map, has a non-str key or a duplicate key.
  static Result<MapReader> open(const msgpack::object& o, std::string path);

  const msgpack::object* find(std::string_view key) const;
  bool ok() const { return !err_.has_value(); }
  const Error& error() const { return *err_; }
  void fail(std::string_view key, std::string what);
  void fail_error(Error e) {
    if (!err_) err_ = std::move(e);
  }
  std::string field(std::string_view key) const { return path_ + std::string(key); }

  void u64(std::string_view k, std::uint64_t& out, bool required = true);
  void u32(std::string_view k, std::uint32_t& out, bool required = true);
  void boolean(std::string_view k, bool& out, bool required = true);
  void str(std::string_view k, std::string& out, bool required = true);
  void bin(std::string_view k, Bytes& out, bool required = true);
  // bin of exactly n bytes.
  void bin_n(std::string_view k, Bytes& out, std::size_t n, bool required = true);
  void opt_str(std::string_view k, std::optional<std::string>& out);
  void opt_u64(std::string_view k, std::optional<std::uint64_t>& out);
  void opt_bin(std::string_view k, std::optional<Bytes>& out);
  void str_array(std::string_view k, std::vector<std::string>& out, bool required = true);
  void str_map(std::string_view k, std::map<std::string, std::string>& out, bool required = true);
  void bin_map(std::string_view k, std::map<std::string, Bytes>& out, bool required = true);
  // Calls each(element, path) for every element of the array at k; each returns a Status.
  template <class F>
  void array(std::string_view k, F&& each, bool required = true) {
    const msgpack::object* o = get(k, msgpack::type::ARRAY, "array", required);
    if (!o) return;
    for (std::uint32_t i = 0; i < o->via.array.size && ok(); ++i) {
      Status s = each(o->via.array.ptr[i], field(k) + "[" + std::to_string(i) + "]");
      if (!s.ok()) fail_error(s.take_error());
    }
  }
  // The object at k if it has type t; nullptr (and a failure when required) otherwise.
  const msgpack::object* get(std::string_view k, msgpack::type::object_type t,
                             std::string_view tname, bool required);

 private:
  MapReader(const msgpack::object& o, std::string path) : map_(&o), path_(std::move(path)) {}
  const msgpack::object* map_;
  std::string path_;
  std::optional<Error> err_;
};

// Reads one msgpack value from the whole of `data` under `limits` (no trailing bytes allowed).
// `what` names the frame in errors ("body", "header"). The handle owns the object's memory.
Result<msgpack::object_handle> unpack_strict(std::span<const std::uint8_t> data,
                                             const Limits& limits, std::string_view what);

}  // namespace cocos::messages::detail
