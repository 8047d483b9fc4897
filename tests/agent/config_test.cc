// Configuration precedence (flag > env > file > default) and error messages for bad values.
#include "cocos/agent/core/config.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace cocos::agent {
namespace {

Result<ParsedConfig> parse(std::vector<const char*> args,
                           const std::map<std::string, std::string>& env) {
  args.insert(args.begin(), "cocos-agent");
  return parse_config(static_cast<int>(args.size()), args.data(), env);
}

TEST(Config, PrecedenceFlagEnvFileDefault) {
  testing::TempDir dir;
  const std::string file = dir.path() + "/agent.conf";
  testing::write_text(file,
                      "# comment\nmanager = tcp://file:1\nwork-dir=/from/file\nvmpl = 1\n"
                      "default-timeout = 77\n");
  auto c = parse({"--config", file.c_str(), "--manager", "tcp://flag:1"},
                 {{"COCOS_MANAGER", "tcp://env:1"}, {"COCOS_WORK_DIR", "/from/env"}});
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->config.manager, "tcp://flag:1");
  EXPECT_EQ(c->config.work_dir, "/from/env");
  EXPECT_EQ(c->config.vmpl, 1u);
  EXPECT_EQ(c->config.default_timeout.count(), 77);
  EXPECT_EQ(c->config.log_level, "info");
  EXPECT_FALSE(c->config.agent_id.empty());
}

TEST(Config, BadValuesNameTheirSource) {
  auto v = parse({}, {{"COCOS_VMPL", "7"}});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, "bad_config");
  EXPECT_NE(v.error().message.find("COCOS_VMPL"), std::string::npos);
  auto m = parse({"--snp-mode", "maybe"}, {});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("auto|configfs"), std::string::npos);
  auto n = parse({"--chunk-size", "12abc"}, {});
  ASSERT_FALSE(n.ok());
  auto u = parse({"--no-such-flag"}, {});
  ASSERT_FALSE(u.ok());
}

TEST(Config, ByteCountsTakeBinarySuffixes) {
  auto c = parse({"--run-memory-max", "4G", "--run-file-size-max", "512Ki", "--max-upload-bytes",
                  "3tib", "--unpack-max-bytes", "123"},
                 {{"COCOS_RUN_OPEN_FILES_MAX", "256"}, {"COCOS_RUN_PROCESSES_MAX", "64"}});
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->config.run_memory_max, 4ull << 30);
  EXPECT_EQ(c->config.run_file_size_max, 512ull << 10);
  EXPECT_EQ(c->config.max_upload_bytes, 3ull << 40);
  EXPECT_EQ(c->config.unpack_max_bytes, 123u);
  EXPECT_EQ(c->config.run_open_files_max, 256u);
  EXPECT_EQ(c->config.run_processes_max, 64u);
  // Off unless asked for.
  auto d = parse({}, {});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->config.run_memory_max, 0u);
  EXPECT_EQ(d->config.run_file_size_max, 0u);

  for (const char* bad : {"4X", "G", "-1", "4 G", "4GB", "99999999999T", ""}) {
    auto e = parse({"--run-memory-max", bad}, {});
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().code, "bad_config");
    EXPECT_NE(e.error().message.find("run-memory-max"), std::string::npos) << e.error().message;
  }
  auto zero = parse({"--max-upload-bytes", "0K"}, {});  // below its minimum of 1
  ASSERT_FALSE(zero.ok());
}

TEST(Config, UnknownFileKeyIsAnError) {
  testing::TempDir dir;
  const std::string file = dir.path() + "/agent.conf";
  testing::write_text(file, "manger = tcp://typo:1\n");
  auto c = parse({}, {{"COCOS_CONFIG", file}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("manger"), std::string::npos);
}

TEST(Config, HelpListsEveryOptionWithItsEnvironmentName) {
  auto c = parse({"--help"}, {});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->exit_now);
  for (const char* s : {"--agent-id", "COCOS_MANAGER", "--tcti", "--snp-mode", "--wasm-runtime",
                        "--containers-conf", "--curve-key", "--vmpl", "--igvm"}) {
    EXPECT_NE(c->output.find(s), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace cocos::agent
