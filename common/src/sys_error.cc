// errno to Error mapping (see sys_error.h).
#include "cocos/common/sys_error.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace cocos {

Error errno_error(std::string_view what, int err) {
  std::string code = (err == ENOSPC || err == EDQUOT) ? "no_space" : "io_error";
  return make_error(std::move(code), std::string(what) + ": " + std::strerror(err));
}

}  // namespace cocos
