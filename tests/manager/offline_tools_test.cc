// Offline tools: key files (modes, no overwrite, usable), checksums, upload signatures bound to
// computation, item and content, signature files.
#include "cocos/manager/offline_tools.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "cocos/common/hash.h"
#include "cocos/manager/checksum.h"
#include "temp_dir.h"

namespace cocos::manager {
namespace {

using testing::TempDir;

void write(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

class KeyFilesTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(KeyFilesTest, WritesUsablePairWithPrivateMode) {
  TempDir dir;
  auto files = generate_key_files(GetParam(), dir / "prov");
  ASSERT_TRUE(files) << files.error().to_string();
  EXPECT_EQ(files->private_pem, dir / "prov.pem");
  EXPECT_EQ(files->public_pem, dir / "prov.pub.pem");
  struct stat st {};
  ASSERT_EQ(::stat(files->private_pem.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto priv = PrivateKey::from_file(files->private_pem);
  auto pub = PublicKey::from_file(files->public_pem);
  ASSERT_TRUE(priv);
  ASSERT_TRUE(pub);
  EXPECT_EQ(priv->type(), GetParam());
  EXPECT_EQ(pub->fingerprint(), priv->public_key().fingerprint());

  auto again = generate_key_files(GetParam(), dir / "prov");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "exists");
}

INSTANTIATE_TEST_SUITE_P(AllTypes, KeyFilesTest,
                         ::testing::Values(KeyType::kRsa, KeyType::kEcdsa, KeyType::kEd25519));

TEST(Checksum, FileIsSha3OfItsBytes) {
  TempDir dir;
  write(dir / "f", "abc");
  auto sum = checksum_path(dir / "f", false);
  ASSERT_TRUE(sum);
  EXPECT_EQ(to_hex(*sum), "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  EXPECT_FALSE(checksum_path(dir / "missing", false));
}

TEST(Sign, SignatureBindsComputationItemAndContent) {
  TempDir dir;
  auto key = PrivateKey::generate(KeyType::kEd25519);
  ASSERT_TRUE(key);
  write(dir / "data.csv", "a,b\n1,2\n");
  auto sum = checksum_file(dir / "data.csv");
  ASSERT_TRUE(sum);
  auto item = make_upload_item("dataset", 1, "data.csv");
  ASSERT_TRUE(item);
  auto sig = sign_upload(*key, "comp-1", *item, *sum);
  ASSERT_TRUE(sig);
  PublicKey pub = key->public_key();
  EXPECT_TRUE(pub.verify(as_bytes(upload_statement("comp-1", *item, *sum)), *sig));
  EXPECT_FALSE(pub.verify(as_bytes(upload_statement("comp-2", *item, *sum)), *sig));
  EXPECT_FALSE(pub.verify(
      as_bytes(upload_statement("comp-1", UploadItem::dataset(0, "data.csv"), *sum)), *sig));
  EXPECT_FALSE(
      pub.verify(as_bytes(upload_statement("comp-1", UploadItem::algorithm(), *sum)), *sig));
  Bytes other = *sum;
  other[0] ^= 1;
  EXPECT_FALSE(pub.verify(as_bytes(upload_statement("comp-1", *item, other)), *sig));

  EXPECT_EQ(make_upload_item("dataset", 0, "").error().code, "bad_item");
  EXPECT_EQ(make_upload_item("model", 0, "x").error().code, "bad_item");
  EXPECT_FALSE(sign_upload(*key, "", *item, *sum));
  EXPECT_FALSE(sign_upload(*key, "c", *item, Bytes(31)));
}

TEST(SignatureFile, RoundTripAndRejectsGarbage) {
  TempDir dir;
  Bytes sig = {1, 2, 3, 250, 251};
  ASSERT_TRUE(write_signature_file(dir / "s.sig", sig));
  auto back = read_signature_file(dir / "s.sig");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, sig);
  write(dir / "empty.sig", "  \n");
  EXPECT_EQ(read_signature_file(dir / "empty.sig").error().code, "bad_signature_file");
  write(dir / "junk.sig", "!!!not base64!!!");
  EXPECT_EQ(read_signature_file(dir / "junk.sig").error().code, "bad_signature_file");
  EXPECT_EQ(read_signature_file(dir / "none.sig").error().code, "io_error");
}

TEST(WriteFileAtomic, ReplacesContentAndSetsMode) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir / "f", "one", 0600));
  ASSERT_TRUE(write_file_atomic(dir / "f", "two", 0640));
  auto text = read_small_file(dir / "f");
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "two");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(read_small_file(dir / "f", 2).error().code, "too_large");
  EXPECT_FALSE(write_file_atomic(dir / "no/such/dir/f", "x"));
}

}  // namespace
}  // namespace cocos::manager

namespace cocos::manager {
namespace {

TEST(Checksum, DirectoryIsSha3OfItsDeterministicZip) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "d/sub");
  write(dir / "d/a.csv", "1,2\n");
  write(dir / "d/sub/b.csv", "3,4\n");
  auto sum = checksum_path(dir / "d", false);
  ASSERT_TRUE(sum) << sum.error().to_string();
  ASSERT_TRUE(pack_directory(dir / "d", dir / "d.zip"));
  auto zip_sum = checksum_path(dir / "d.zip", false);
  ASSERT_TRUE(zip_sum);
  EXPECT_EQ(*sum, *zip_sum);  // what is uploaded is what the manifest declares
  write(dir / "d/a.csv", "1,3\n");
  auto changed = checksum_path(dir / "d", false);
  ASSERT_TRUE(changed);
  EXPECT_NE(*changed, *sum);
}

TEST(Checksum, ManifestHashesItsCanonicalForm) {
  testing::TempDir dir;
  auto key = PrivateKey::generate(KeyType::kEd25519);
  ASSERT_TRUE(key);
  std::string pem = key->public_key().to_pem();
  std::string esc;
  for (char ch : pem) esc += ch == '\n' ? std::string("\\n") : std::string(1, ch);
  std::string hash(64, 'a');
  auto manifest = [&](const std::string& spacing) {
    return "{" + spacing + "\"id\":\"c1\",\"name\":\"n\",\"algorithm\":{\"hash\":\"" + hash +
           "\",\"userKey\":\"" + esc + "\",\"algo_type\":\"python\"},\"datasets\":[]," + spacing +
           "\"result_consumers\":[{\"userKey\":\"" + esc + "\"}]}";
  };
  write(dir / "m1.json", manifest(""));
  write(dir / "m2.json", manifest("\n   "));
  auto a = checksum_path(dir / "m1.json", true);
  auto b = checksum_path(dir / "m2.json", true);
  ASSERT_TRUE(a) << a.error().to_string();
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);  // whitespace does not change the measured value
  auto raw = checksum_path(dir / "m1.json", false);
  ASSERT_TRUE(raw);
  EXPECT_NE(*a, *raw);
  write(dir / "bad.json", "{\"id\":\"\"}");
  EXPECT_FALSE(checksum_path(dir / "bad.json", true));
}

}  // namespace
}  // namespace cocos::manager
