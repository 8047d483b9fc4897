// python runner end to end: a fresh venv, a script computing from a CSV into results/, an
// offline pip install of a wheel built here (a wheel is a zip: package, METADATA, WHEEL,
// RECORD), non-zero exits and a failing pip step.
#include <gtest/gtest.h>

#include <algorithm>

#include "cocos/archive/zip_writer.h"
#include "cocos/common/encoding.h"
#include "cocos/common/hash.h"
#include "cocos/runner/runner.h"
#include "runner_test_util.h"

namespace cocos::runner {
namespace {

using namespace std::chrono_literals;
using testing::Collector;
using testing::read_file;
using testing::Workspace;
using testing::write_file;

RunnerConfig python_config(const std::string& wheels = "") {
  RunnerConfig c;
  c.grace = 500ms;
  if (!wheels.empty())
    c.pip_options = {"--no-index", "--find-links", wheels};
  else
    c.pip_options = {"--no-index"};  // the test machine (like a CVM) has no package index
  return c;
}

// RECORD line for one file: "path,sha256=<urlsafe base64, no padding>,size".
std::string record_line(const std::string& path, const std::string& content) {
  std::string b64 = to_base64(digest(HashAlg::kSha256, content));
  std::replace(b64.begin(), b64.end(), '+', '-');
  std::replace(b64.begin(), b64.end(), '/', '_');
  b64.erase(std::remove(b64.begin(), b64.end(), '='), b64.end());
  return path + ",sha256=" + b64 + "," + std::to_string(content.size()) + "\n";
}

// Builds cocoshelper-1.0-py3-none-any.whl into `dir`.
void build_wheel(const std::string& staging, const std::string& dir) {
  const std::string init = "def double(x):\n    return 2 * x\n";
  const std::string metadata = "Metadata-Version: 2.1\nName: cocoshelper\nVersion: 1.0\n";
  const std::string wheel =
      "Wheel-Version: 1.0\nGenerator: cocos-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
  write_file(staging + "/cocoshelper/__init__.py", init);
  write_file(staging + "/cocoshelper-1.0.dist-info/METADATA", metadata);
  write_file(staging + "/cocoshelper-1.0.dist-info/WHEEL", wheel);
  write_file(staging + "/cocoshelper-1.0.dist-info/RECORD",
             record_line("cocoshelper/__init__.py", init) +
                 record_line("cocoshelper-1.0.dist-info/METADATA", metadata) +
                 record_line("cocoshelper-1.0.dist-info/WHEEL", wheel) +
                 "cocoshelper-1.0.dist-info/RECORD,,\n");
  std::filesystem::create_directories(dir);
  auto z = archive::write_dir_zip(staging, dir + "/cocoshelper-1.0-py3-none-any.whl",
                                  archive::ZipOptions{.compress = true});
  ASSERT_TRUE(z.ok()) << z.error().to_string();
}

TEST(PythonRunner, ComputesFromACsvIntoResults) {
  Workspace ws;
  write_file(ws.datasets + "/data.csv", "x,y\n1,2\n3,4\n5,6\n");
  std::string algo = ws.work + "/algo.py";
  write_file(algo,
             "import csv, os, sys\n"
             "rows = list(csv.DictReader(open(os.path.join(os.environ['DATASETS_DIR'], "
             "'data.csv'))))\n"
             "total = sum(int(r['x']) * int(r['y']) for r in rows)\n"
             "open(os.path.join(os.environ['RESULTS_DIR'], 'sum.txt'), 'w').write(str(total))\n"
             "print('rows', len(rows), 'arg', sys.argv[1])\n");
  RunSpec spec = ws.spec(AlgoType::kPython, algo);
  spec.args = {"hello"};
  Collector c;
  auto r = Runner(python_config()).run(spec, c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->success) << r->reason << "\n" << c.dump();
  EXPECT_EQ(read_file(ws.results + "/sum.txt"), "44");
  EXPECT_TRUE(c.has(Stream::kStdout, "rows 3 arg hello")) << c.dump();
  EXPECT_FALSE(std::filesystem::exists(ws.work + "/venv"));  // removed afterwards
}

TEST(PythonRunner, InstallsRequirementsFromALocalWheelDirectory) {
  Workspace ws;
  build_wheel(ws.dir / "wheel-src", ws.dir / "wheels");
  write_file(ws.work + "/requirements.txt", "cocoshelper==1.0\n");
  std::string algo = ws.work + "/algo.py";
  write_file(algo,
             "import os, cocoshelper\n"
             "open(os.path.join(os.environ['RESULTS_DIR'], 'out.txt'), 'w')"
             ".write(str(cocoshelper.double(21)))\n");
  RunSpec spec = ws.spec(AlgoType::kPython, algo);
  spec.requirements = ws.work + "/requirements.txt";
  Collector c;
  auto r = Runner(python_config(ws.dir / "wheels")).run(spec, c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->success) << r->reason << "\n" << c.dump();
  EXPECT_EQ(read_file(ws.results + "/out.txt"), "42");
  bool pip_logged = false;
  for (const auto& l : c.lines()) {
    if (l.stream == Stream::kAgent && l.text.rfind("pip: ", 0) == 0) pip_logged = true;
  }
  EXPECT_TRUE(pip_logged) << c.dump();
}

TEST(PythonRunner, MissingRequirementFailsThePipStep) {
  Workspace ws;
  write_file(ws.work + "/requirements.txt", "surely-not-installed-anywhere==9.9\n");
  std::string algo = ws.work + "/algo.py";
  write_file(algo, "print('never')\n");
  RunSpec spec = ws.spec(AlgoType::kPython, algo);
  spec.requirements = ws.work + "/requirements.txt";
  Collector c;
  auto r = Runner(python_config()).run(spec, c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success);
  EXPECT_EQ(r->reason.rfind("pip install failed: exit code", 0), 0u) << r->reason;
  EXPECT_FALSE(c.has(Stream::kStdout, "never"));
}

TEST(PythonRunner, NonZeroExitIsAFailureWithTheCode) {
  Workspace ws;
  std::string algo = ws.work + "/algo.py";
  write_file(algo, "import sys\nprint('bad input', file=sys.stderr)\nsys.exit(4)\n");
  Collector c;
  auto r = Runner(python_config()).run(ws.spec(AlgoType::kPython, algo), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success);
  EXPECT_TRUE(r->exited);
  EXPECT_EQ(r->exit_code, 4);
  EXPECT_TRUE(c.has(Stream::kStderr, "bad input")) << c.dump();
}

TEST(PythonRunner, MissingInterpreterIsAnErrorNotARun) {
  Workspace ws;
  std::string algo = ws.work + "/algo.py";
  write_file(algo, "print('never')\n");
  RunnerConfig cfg = python_config();
  cfg.python = ws.work + "/no-such-python";
  Collector c;
  auto r = Runner(cfg).run(ws.spec(AlgoType::kPython, algo), c.sink(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "spawn_failed");
}

}  // namespace
}  // namespace cocos::runner
