// GHCB certificate table: a real table from cocos, round trips, and malformed tables.
#include "cocos/attestation/cert_table.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "cocos/attestation/evidence.h"

namespace cocos::attestation {
namespace {

Bytes read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(CertTable, ReadsCocosTableAndSkipsUnknownGuids) {
  Bytes file = read_all(std::string(COCOS_ATTESTATION_TESTDATA) +
                        "/cocos_milan_v2_report_with_certtable.bin");
  ASSERT_EQ(file.size(), kSnpReportSize + 56);
  Bytes table(file.begin() + kSnpReportSize, file.end());
  auto certs = parse_cert_table(table);
  ASSERT_TRUE(certs.ok()) << certs.error().to_string();
  EXPECT_TRUE(certs->empty());  // only go-sev-guest's "extra platform info" entry
}

TEST(CertTable, BuildThenParseRoundTrips) {
  std::map<std::string, Bytes> in = {
      {"vcek", Bytes(1300, 1)}, {"ask", Bytes(1600, 2)}, {"ark", Bytes(1700, 3)}};
  Bytes table = build_cert_table(in);
  EXPECT_EQ(table.size(), 4 * 24 + 1300 + 1600 + 1700u);
  // The VCEK GUID 63da758d-e664-4564-adc5-f4b93be8accd comes first, in string byte order.
  EXPECT_EQ(table[0], 0x63);
  EXPECT_EQ(table[15], 0xcd);
  auto out = parse_cert_table(table);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, in);
}

TEST(CertTable, EmptyAndZeroBuffersHaveNoCertificates) {
  EXPECT_TRUE(parse_cert_table({}).value().empty());
  EXPECT_TRUE(parse_cert_table(Bytes(4096, 0)).value().empty());
}

TEST(CertTable, RejectsEntriesOutsideTheTable) {
  Bytes table = build_cert_table({{"vcek", Bytes(100, 1)}});
  table[20] = 0xFF;  // length of entry 0
  auto r = parse_cert_table(table);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_message");
  EXPECT_NE(r.error().message.find("outside the table"), std::string::npos);
}

TEST(CertTable, RejectsAMissingTerminator) {
  Bytes table = build_cert_table({{"vcek", Bytes(100, 1)}});
  table.resize(30);  // first entry, then half of the terminator
  table[16] = 0;     // offset 0 length 0: in range
  table[20] = 0;
  auto r = parse_cert_table(table);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("terminator"), std::string::npos);
}

}  // namespace
}  // namespace cocos::attestation
