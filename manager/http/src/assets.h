// The dashboard's static files, compiled into the binary from manager/http/assets/ (no build
// step, no CDN): see assets.cc.in.
#pragma once

#include <string_view>

namespace cocos::manager::http {

struct Asset {
  std::string_view path;  // "/", "/app.js", "/style.css"
  std::string_view content_type;
  std::string_view body;
};
// nullptr when `path` is not an asset.
const Asset* find_asset(std::string_view path);

}  // namespace cocos::manager::http
