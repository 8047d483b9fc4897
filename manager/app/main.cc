// cocos-manager: the reference manager (run, state, stop, attest, watch) and the operator's
// offline tools (keys, checksum, sign). This file only declares the command line; each
// subcommand lives in its own cmd_*.cc.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"

namespace app = cocos::manager::app;

int main(int argc, char** argv) {
  CLI::App cli{"cocos-manager: reference manager and operator tools for cocos-cpp agents"};
  cli.require_subcommand(1);
  int rc = 0;

  app::KeysOptions keys;
  auto* k =
      cli.add_subcommand("keys", "generate a key pair (PREFIX.pem private, PREFIX.pub.pem public)");
  k->add_option("--type,-t", keys.type, "rsa | ecdsa | ed25519")
      ->check(CLI::IsMember({"rsa", "ecdsa", "ed25519"}))
      ->capture_default_str();
  k->add_option("--out,-o", keys.out, "path prefix of the two key files")->required();
  k->callback([&] { rc = app::run_keys(keys); });

  app::ChecksumOptions sum;
  auto* c = cli.add_subcommand(
      "checksum", "SHA3-256 (hex) of a file, a directory (deterministic zip) or a manifest");
  c->add_option("path", sum.path, "FILE or DIR")->required();
  c->add_flag("--manifest,-m", sum.manifest,
              "PATH is a manifest JSON: hash its canonical form (PCR16 value)");
  c->add_flag("--base64,-b", sum.base64, "print base64 instead of hex");
  c->callback([&] { rc = app::run_checksum(sum); });

  app::SignOptions sign;
  auto* s = cli.add_subcommand("sign", "sign an upload offline (provider side)");
  s->add_option("--key,-k", sign.key, "provider's private key (PEM)")->required();
  s->add_option("--computation,-c", sign.computation, "computation id (manifest \"id\")")
      ->required();
  s->add_option("--item,-i", sign.item, "algorithm | requirements | dataset")
      ->required()
      ->check(CLI::IsMember({"algorithm", "requirements", "dataset"}));
  s->add_option("--index", sign.index, "dataset index in the manifest (0-based)");
  s->add_option("--filename", sign.filename,
                "dataset filename in the manifest (default: FILE's name)");
  s->add_option("file", sign.file, "FILE (or DIR, signed as its deterministic zip)")->required();
  s->add_option("--out,-o", sign.out, "signature file to write (base64)")->required();
  s->callback([&] { rc = app::run_sign(sign); });

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with code 0; every real usage error exits 2.
    int code = cli.exit(e);
    return code == 0 ? 0 : 2;
  }
  return rc;
}
