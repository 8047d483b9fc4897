// glibc mallopt settings behind keep_bulk_buffers_in_heap (see malloc_tuning.h).
#include "cocos/common/malloc_tuning.h"

#include <malloc.h>

namespace cocos {

void keep_bulk_buffers_in_heap() {
  // Blocks below 32 MiB come from the heap (the default threshold is 128 KiB, raised only after a
  // mapped block is freed), and up to 64 MiB of free heap top is kept instead of being returned.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

}  // namespace cocos
