// A program linked at 0x80000000 (where bare-metal RISC-V code and riscv-tests put RAM) that
// grows its heap by 96 MiB with brk and uses all of it. Built at test time
// (DifferentialTests.highImageAndLargeHeapMatchQemu) for rv64 (-mcmodel=medany) and rv32 and
// run under qemu-user and `eekit rv run` with its default --memory, which until 2026-12-07
// (64 MiB) refused the image and the heap. Its output names no address.
#include "../standalone.h"

static const char greeting[] = "linked high\n";  // read through an address above 2 GiB
static unsigned counter = 7;                        // .data above 2 GiB

void _start(void) {
  put(greeting);
  put((uptr)&counter >= 0x80000000ul ? "data high\n" : "data low\n");
  const uptr size = 96ul << 20;
  uptr start = (uptr)sys(214, 0, 0, 0);
  uptr end = (uptr)sys(214, (long)(start + size), 0, 0);
  if (end != start + size) {
    put("brk refused\n");
    sys(93, 1, 0, 0);
  }
  // One word per page, then every page read back: the whole heap is there and zero-filled.
  unsigned *heap = (unsigned *)start;
  uptr pages = size / 4096, sum = 0, zero = 0;
  for (uptr p = 0; p < pages; p++) {
    zero += heap[p * 1024 + 1] == 0;
    heap[p * 1024] = (unsigned)(p * 2654435761u) ^ counter;
  }
  for (uptr p = 0; p < pages; p++) sum += heap[p * 1024] >> 7;
  put("pages ");
  put_num(pages);
  put(" zero ");
  put_num(zero);
  put(" sum ");
  put_num(sum);
  put("\n");
  // Shrinking the break and growing it again gives zeroed pages, as under Linux.
  sys(214, (long)start, 0, 0);
  sys(214, (long)(start + 8192), 0, 0);
  put(heap[0] == 0 && heap[1024] == 0 ? "shrunk and zeroed\n" : "stale after shrink\n");
  sys(93, 5, 0, 0);
}
