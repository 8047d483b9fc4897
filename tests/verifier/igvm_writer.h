// Test-only IGVM writer: builds small IGVM files header by header (any page type, parameter
// areas and inserts, VMSAs, ID blocks, several platforms), plus a naive reference of the SNP
// launch digest to compare the library against. Corruptions are applied to the built bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cocos/common/encoding.h"

namespace cocos::test {

class IgvmWriter {
 public:
  void platform(std::uint32_t mask, std::uint8_t type);
  void guest_policy(std::uint64_t policy, std::uint32_t mask);
  void parameter_area(std::uint32_t index, std::uint64_t size);
  // data empty = zero page (file_offset 0); otherwise 4096 bytes (or 2 MiB with the 2MB flag).
  void page_data(std::uint64_t gpa, std::uint32_t mask, Bytes data, std::uint32_t flags = 0,
                 std::uint16_t data_type = 0);
  void parameter_insert(std::uint64_t gpa, std::uint32_t mask, std::uint32_t index);
  void parameter_usage(std::uint32_t type, std::uint32_t index, std::uint32_t offset);
  void vp_context(std::uint64_t gpa, std::uint32_t mask, Bytes vmsa, std::uint16_t vp = 0);
  void id_block(std::uint32_t mask, const Bytes& ld48, const Bytes& family16, std::uint32_t svn);
  void raw(std::uint32_t type, Bytes body, std::optional<Bytes> data = std::nullopt,
           std::size_t data_offset_field = 0);
  Bytes build() const;

 private:
  struct Header {
    std::uint32_t type;
    Bytes body;
    std::optional<Bytes> data;  // file data; its offset is patched into body at `offset_field`
    std::size_t offset_field = 0;
  };
  std::vector<Header> headers_;
};

// Recomputes the IGVM checksum after a test edited the bytes.
void fix_checksum(Bytes& file);
void put_le(Bytes& b, std::size_t at, std::uint64_t v, int n);

// Naive launch digest (one SHA-384 over each PAGE_INFO) for expected values.
class RefDigest {
 public:
  void page(std::uint8_t type, std::uint64_t gpa, const Bytes* contents4k);
  Bytes value() const { return ld_; }

 private:
  Bytes ld_ = Bytes(48, 0);
};

Bytes pattern_page(std::uint8_t seed, std::size_t n = 4096);

}  // namespace cocos::test
