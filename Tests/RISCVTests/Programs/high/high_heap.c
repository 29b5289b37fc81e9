// A program linked at 0x80000000 (where bare-metal RISC-V code and riscv-tests put RAM) that
// grows its heap by 96 MiB with brk and uses all of it. Built at test time
// (DifferentialTests.highImageAndLargeHeapMatchQemu) for rv64 (-mcmodel=medany) and rv32 and
// run under qemu-user and `eekit rv run` with its default --memory, which until 2026-12-07
// (64 MiB) refused the image and the heap. Its output names no address.
typedef unsigned long uptr;  // XLEN bits on both ilp32 and lp64

static long sys(long n, long a, long b, long c) {
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  register long a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
  return a0;
}

static void put(const char *s) {
  long n = 0;
  while (s[n]) n++;
  sys(64, 1, (long)s, n);
}

static void put_num(uptr v) {
  char b[24];
  int i = 23;
  b[i] = 0;
  do {
    b[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  put(b + i);
}

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
