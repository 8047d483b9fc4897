// TEMPORARY adapter: glibc 2.36's <sys/pidfd.h> declares pidfd_open without C linkage when
// included from C++, so the runner library's call links against a mangled name nothing defines.
// This supplies that definition through the raw syscall. The runner helper has a fix (call the
// syscall directly) on its branch; delete this file once that lands in main.
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <unistd.h>

int pidfd_open(int pid, unsigned int flags) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}
