/* String processing: tokenizing, word counting with a hash table, reversal, run-length
   encoding round trip, number parsing/formatting round trips and the formatter's widths,
   precisions and flags. */
#include "common.h"

static const char *text =
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was "
    "the age of foolishness, it was the epoch of belief, it was the epoch of incredulity, "
    "it was the season of Light, it was the season of Darkness, it was the spring of hope, "
    "it was the winter of despair.";

typedef struct { char word[24]; unsigned count; } entry;
static entry table[128];

static unsigned hash_word(const char *w) {
  unsigned h = 5381;
  while (*w) h = h * 33 + (unsigned char)*w++;
  return h;
}

static void count_word(const char *w) {
  unsigned i = hash_word(w) & 127;
  while (table[i].count && strcmp(table[i].word, w) != 0) i = (i + 1) & 127;
  if (!table[i].count) strcpy(table[i].word, w);
  table[i].count++;
}

static void reverse(char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n / 2; i++) {
    char t = s[i];
    s[i] = s[n - 1 - i];
    s[n - 1 - i] = t;
  }
}

static size_t rle_encode(const char *in, char *out) {
  size_t o = 0;
  for (size_t i = 0; in[i];) {
    size_t j = i;
    while (in[j] == in[i] && j - i < 9) j++;
    out[o++] = (char)('0' + (j - i));
    out[o++] = in[i];
    i = j;
  }
  out[o] = 0;
  return o;
}

static void rle_decode(const char *in, char *out) {
  size_t o = 0;
  for (size_t i = 0; in[i]; i += 2) {
    for (int k = 0; k < in[i] - '0'; k++) out[o++] = in[i + 1];
  }
  out[o] = 0;
}

int main(void) {
  printf("strings xlen=%d\n", XLEN);
  char word[24];
  unsigned words = 0;
  for (const char *p = text;;) {
    while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) p++;
    if (!*p) break;
    size_t n = 0;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
      char ch = *p++;
      if (ch >= 'A' && ch <= 'Z') ch = (char)(ch + 32);
      if (n < sizeof word - 1) word[n++] = ch;
    }
    word[n] = 0;
    count_word(word);
    words++;
  }
  printf("words %u\n", words);
  for (unsigned i = 0; i < 128; i++) {
    if (table[i].count > 1) printf("  %-12s %2u\n", table[i].word, table[i].count);
  }
  char buf[256];
  strcpy(buf, "A man, a plan, a canal: Panama");
  reverse(buf);
  printf("reversed: %s\n", buf);
  static const char *src = "aaaabbbcccccccccccddxyzzzzzzzzzzzzzzzzzzzz";
  char enc[128], dec[128];
  size_t elen = rle_encode(src, enc);
  rle_decode(enc, dec);
  printf("rle %s (%u) roundtrip %s\n", enc, (unsigned)elen, strcmp(src, dec) == 0 ? "ok" : "BAD");
  static const long nums[] = {0, 1, -1, 42, -2147483647L - 1, 2147483647L, 1000000, -99999};
  for (unsigned i = 0; i < sizeof nums / sizeof nums[0]; i++) {
    snprintf(buf, sizeof buf, "%ld", nums[i]);
    long back = strtol(buf, 0, 10);
    printf("[%s] back %s\n", buf, back == nums[i] ? "ok" : "BAD");
  }
  printf("hex parse %ld %ld %ld\n", strtol("0x7fff", 0, 0), strtol("-0x10", 0, 0), strtol("0777", 0, 0));
  printf("fmt [%5d] [%-5d] [%05d] [%+d] [% d] [%x] [%X] [%#x] [%o] [%c] [%%]\n", 42, 42, 42, 42, 42, 0xbeef,
         0xbeef, 0xbeef, 8, 'z');
  printf("fmt [%.3s] [%10s] [%-10s] [%s] [%.5d] [%8.3d]\n", "abcdef", "right", "left", "", 42, 7);
  printf("fmt [%hhd] [%hd] [%hhu] [%lld] [%llu] [%llx]\n", 300, 70000, 300, -1234567890123LL,
         18446744073709551615ULL, 0xdeadbeefcafebabeULL);
  printf("fmt [%*d] [%-*d] [%zu]\n", 6, 12, 6, 12, sizeof(long));
  int n = snprintf(buf, 8, "%s", "truncated-string");
  printf("snprintf returned %d, kept \"%s\"\n", n, buf);
  return 0;
}
