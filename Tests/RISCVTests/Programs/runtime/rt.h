/*
 * rt.h: the tiny freestanding runtime of the EEKit RISC-V guest programs.
 *
 * Works for rv32 (ilp32) and rv64 (lp64). Programs are linked with -nostdlib, so this is
 * all of libc they get: Linux-style system calls (write, read, exit, brk), the memory and
 * string functions clang may emit calls to, a printf-like formatter and a malloc on top of
 * brk. The names are the libc names so the same program source also builds natively.
 */
#ifndef EEKIT_RT_H
#define EEKIT_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef long ssize_t;

/* Linux system call numbers (generic table, as used by riscv32/riscv64). */
#define RT_SYS_read 63
#define RT_SYS_write 64
#define RT_SYS_exit 93
#define RT_SYS_exit_group 94
#define RT_SYS_brk 214

/* Auxiliary vector entry types. */
#define AT_NULL 0
#define AT_PAGESZ 6
#define AT_ENTRY 9
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_EXECFN 31

long rt_syscall1(long n, long a0);
long rt_syscall3(long n, long a0, long a1, long a2);

ssize_t write(int fd, const void *buf, size_t len);
ssize_t read(int fd, void *buf, size_t len);
void exit(int status) __attribute__((noreturn));
/* The raw Linux brk: returns the (new) program break, the old one if it could not move. */
void *rt_brk(void *addr);
void *sbrk(long increment); /* (void *)-1 on failure */

/* Set by crt0 before main. */
extern long rt_argc;
extern char **rt_argv;
extern char **rt_envp;
extern uintptr_t rt_initial_sp;
/* Value of auxiliary vector entry `type`, 0 if absent. */
unsigned long getauxval(unsigned long type);

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strchr(const char *s, int c);

/* Formatting: %d %i %u %x %X %o %c %s %p %%, flags '-' '0' '+' ' ', width (or '*'),
   precision for %s and integers, length modifiers hh h l ll z j t. */
int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int snprintf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vdprintf(int fd, const char *fmt, va_list ap);
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int puts(const char *s);
int putchar(int c);
/* Write `s` to fd 2 (no newline added). */
void rt_eputs(const char *s);

void *malloc(size_t n);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

void qsort(void *base, size_t count, size_t size, int (*cmp)(const void *, const void *));
long strtol(const char *s, char **end, int base);
int atoi(const char *s);
void abort(void) __attribute__((noreturn));

#define assert(cond)                                                                    \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      dprintf(2, "assertion failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);          \
      exit(134);                                                                        \
    }                                                                                   \
  } while (0)

#ifdef __cplusplus
}
#endif

#endif /* EEKIT_RT_H */
