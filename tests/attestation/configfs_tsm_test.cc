// configfs-tsm against a fake kernel tree. The fake does what the kernel does for an entry:
// on mkdir (the provider's test hook) it creates `provider`, `generation` = 0, `auxblob` and
// `outblob` as a FIFO; a helper thread plays the PSP: when the provider opens outblob it reads
// inblob/privlevel, bumps `generation` by the number of writes (2; one more when simulating a
// concurrent writer) and writes back a report with REPORT_DATA = inblob and VMPL = privlevel.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include "cocos/attestation/cert_table.h"
#include "cocos/attestation/configfs_tsm_provider.h"
#include "cocos/attestation/evidence.h"
#include "cocos/attestation/snp_report_layout.h"
#include "swtpm_fixture.h"

namespace cocos::attestation {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
void spit(const std::string& path, const std::string& s) {
  std::ofstream(path, std::ios::binary) << s;
}

class FakeTsmKernel {
 public:
  enum class Mode { kNormal, kRaceFirst, kRaceAlways, kWrongReportData };

  explicit FakeTsmKernel(std::string root, Mode mode) : root_(std::move(root)), mode_(mode) {
    std::filesystem::create_directories(root_);
    certs_ = {{"vcek", Bytes(500, 0x0c)}, {"ask", Bytes(600, 0x0a)}, {"ark", Bytes(700, 0x0b)}};
    thread_ = std::thread([this] { run(); });
  }
  ~FakeTsmKernel() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // What mkdir does in the kernel: populate the entry.
  void on_mkdir(const std::string& entry) {
    spit(entry + "/provider", "sev_guest\n");
    spit(entry + "/generation", "0\n");
    Bytes aux = build_cert_table(certs_);
    spit(entry + "/auxblob", std::string(aux.begin(), aux.end()));
    ASSERT_EQ(::mkfifo((entry + "/outblob").c_str(), 0600), 0);
    {
      std::lock_guard l(mu_);
      pending_.push_back(entry);
      ++entries_;
    }
    cv_.notify_all();
  }

  int entries() const { return entries_; }
  const std::map<std::string, Bytes>& certs() const { return certs_; }
  std::string last_privlevel() {
    std::lock_guard l(mu_);
    return last_privlevel_;
  }

 private:
  void run() {
    for (;;) {
      std::string entry;
      {
        std::unique_lock l(mu_);
        cv_.wait(l, [&] { return stop_ || !pending_.empty(); });
        if (pending_.empty()) return;
        entry = pending_.front();
        pending_.pop_front();
      }
      serve(entry);
    }
  }

  // Waits for the provider to open outblob (non-blocking open fails with ENXIO until then).
  void serve(const std::string& entry) {
    int fd = -1;
    while ((fd = ::open((entry + "/outblob").c_str(), O_WRONLY | O_NONBLOCK)) < 0) {
      {
        std::lock_guard l(mu_);
        if (stop_) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ::fcntl(fd, F_SETFL, 0);
    const std::string inblob = slurp(entry + "/inblob");
    const std::string privlevel = slurp(entry + "/privlevel");
    {
      std::lock_guard l(mu_);
      last_privlevel_ = privlevel;
    }
    const int n = ++served_;
    const bool race = mode_ == Mode::kRaceAlways || (mode_ == Mode::kRaceFirst && n == 1);
    spit(entry + "/generation", std::to_string(race ? 3 : 2) + "\n");
    Bytes report(kSnpReportSize, 0);
    report[0] = 3;
    std::copy(inblob.begin(), inblob.end(), report.begin() + snp_layout::kReportData);
    if (mode_ == Mode::kWrongReportData) report[snp_layout::kReportData] ^= 0xFF;
    report[snp_layout::kVmpl] = static_cast<std::uint8_t>(std::stoi(privlevel));
    std::size_t done = 0;
    while (done < report.size()) {
      ssize_t w = ::write(fd, report.data() + done, report.size() - done);
      if (w <= 0) break;
      done += static_cast<std::size_t>(w);
    }
    ::close(fd);
  }

  std::string root_;
  Mode mode_;
  std::map<std::string, Bytes> certs_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> pending_;
  bool stop_ = false;
  std::atomic<int> entries_{0};
  int served_ = 0;
  std::string last_privlevel_;
  std::thread thread_;
};

struct FakeTsm {
  testing::TempDir dir;
  FakeTsmKernel kernel;
  ConfigfsTsmProvider provider;
  explicit FakeTsm(FakeTsmKernel::Mode mode, std::uint32_t vmpl = 2)
      : kernel(dir.path() + "/report", mode), provider(config(vmpl)) {}
  ConfigfsTsmConfig config(std::uint32_t vmpl) {
    ConfigfsTsmConfig c;
    c.root = dir.path() + "/report";
    c.vmpl = vmpl;
    c.on_entry_created_for_test = [this](const std::string& e) { kernel.on_mkdir(e); };
    return c;
  }
};

std::array<std::uint8_t, 64> report_data() {
  std::array<std::uint8_t, 64> rd{};
  for (std::size_t i = 0; i < rd.size(); ++i) rd[i] = static_cast<std::uint8_t>(0x40 + i);
  return rd;
}

TEST(ConfigfsTsm, ReturnsTheReportAndTheCertificatesOfTheAuxblob) {
  FakeTsm s(FakeTsmKernel::Mode::kNormal, 1);
  EXPECT_TRUE(ConfigfsTsmProvider::available(s.dir.path() + "/report"));
  auto rd = report_data();
  auto r = s.provider.get_report(rd);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->report.size(), kSnpReportSize);
  EXPECT_TRUE(std::equal(rd.begin(), rd.end(), r->report.begin() + snp_layout::kReportData));
  EXPECT_EQ(r->report[snp_layout::kVmpl], 1);
  EXPECT_EQ(s.kernel.last_privlevel(), "1");
  EXPECT_EQ(r->certs, s.kernel.certs());
  EXPECT_EQ(s.kernel.entries(), 1);
}

TEST(ConfigfsTsm, GenerationRaceIsRetriedWithAFreshEntry) {
  FakeTsm s(FakeTsmKernel::Mode::kRaceFirst);
  auto rd = report_data();
  auto r = s.provider.get_report(rd);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(s.kernel.entries(), 2);
  EXPECT_TRUE(std::equal(rd.begin(), rd.end(), r->report.begin() + snp_layout::kReportData));
}

TEST(ConfigfsTsm, PersistentRacesEndInBusy) {
  FakeTsm s(FakeTsmKernel::Mode::kRaceAlways);
  auto r = s.provider.get_report(report_data());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "busy");
  EXPECT_EQ(s.kernel.entries(), 3);
}

TEST(ConfigfsTsm, AReportForOtherDataIsRejected) {
  FakeTsm s(FakeTsmKernel::Mode::kWrongReportData);
  auto r = s.provider.get_report(report_data());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("REPORT_DATA is not ours"), std::string::npos);
}

TEST(ConfigfsTsm, MissingRootIsUnavailable) {
  testing::TempDir dir;
  ConfigfsTsmConfig c;
  c.root = dir.path() + "/no/such/report";
  EXPECT_FALSE(ConfigfsTsmProvider::available(c.root));
  ConfigfsTsmProvider p(c);
  auto r = p.get_report(report_data());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "attestation_unavailable");
  EXPECT_NE(r.error().message.find("no/such/report"), std::string::npos);
}

}  // namespace
}  // namespace cocos::attestation
