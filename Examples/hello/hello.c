/* A plain RISC-V program for `eekit rv run`: greets its arguments and sums primes. */
#include "rt.h"

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) printf("hello, %s\n", argv[i]);
    if (argc < 2) printf("hello, world\n");
    unsigned count = 0;
    for (unsigned n = 2; n < 20000; n++) {
        int prime = 1;
        for (unsigned d = 2; d * d <= n; d++)
            if (n % d == 0) { prime = 0; break; }
        count += prime;
    }
    printf("primes below 20000: %u\n", count);
    return 0;
}
