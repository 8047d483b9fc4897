// Errors of failed system calls, with the stable codes the protocol documents: a full disk is
// "no_space" (ENOSPC, EDQUOT) so a client can tell it apart; anything else is "io_error".
#pragma once

#include <string_view>

#include "cocos/common/result.h"

namespace cocos {

// The message names `what` (usually the path) and strerror(err).
Error errno_error(std::string_view what, int err);

}  // namespace cocos
