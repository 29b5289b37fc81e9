/* A CoreMark-like mix (our own code, not CoreMark): per iteration it runs linked-list
   operations (find, reverse, merge sort by key), a small integer matrix workload
   (multiply, add, bit extraction), a state machine that classifies numeric tokens, and
   folds every result into a CRC16. */
#include "bench.h"

static uint16_t crc16_byte(uint8_t b, uint16_t crc) {
  crc ^= b;
  for (int i = 0; i < 8; i++) crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa001) : (uint16_t)(crc >> 1);
  return crc;
}
static uint16_t crc16_u32(uint32_t v, uint16_t crc) {
  for (int i = 0; i < 4; i++) crc = crc16_byte((uint8_t)(v >> (8 * i)), crc);
  return crc;
}

/* ---- Linked list ---- */
typedef struct node {
  struct node *next;
  int16_t key;
  int16_t value;
} node;

enum { LIST_N = 200 };
static node pool[LIST_N];

static node *list_init(uint64_t *seed) {
  node *head = 0;
  for (int i = LIST_N - 1; i >= 0; i--) {
    pool[i].key = (int16_t)(bench_rand(seed) & 0x7fff);
    pool[i].value = (int16_t)i;
    pool[i].next = head;
    head = &pool[i];
  }
  return head;
}

static node *list_reverse(node *head) {
  node *prev = 0;
  while (head) {
    node *next = head->next;
    head->next = prev;
    prev = head;
    head = next;
  }
  return prev;
}

static node *list_find(node *head, int16_t value) {
  while (head && head->value != value) head = head->next;
  return head;
}

static node *list_sort(node *head, int by_key) {
  /* Bottom-up merge sort on a singly linked list. */
  if (!head) return head;
  for (int width = 1;; width *= 2) {
    node *p = head, *tail = 0;
    head = 0;
    int merges = 0;
    while (p) {
      merges++;
      node *q = p;
      int psize = 0;
      for (int i = 0; i < width && q; i++) {
        psize++;
        q = q->next;
      }
      int qsize = width;
      while (psize > 0 || (qsize > 0 && q)) {
        node *e;
        if (psize == 0) {
          e = q; q = q->next; qsize--;
        } else if (qsize == 0 || !q) {
          e = p; p = p->next; psize--;
        } else {
          int pk = by_key ? p->key : p->value, qk = by_key ? q->key : q->value;
          if (pk <= qk) {
            e = p; p = p->next; psize--;
          } else {
            e = q; q = q->next; qsize--;
          }
        }
        if (tail) tail->next = e;
        else head = e;
        tail = e;
      }
      p = q;
    }
    tail->next = 0;
    if (merges <= 1) return head;
  }
}

static uint16_t bench_list(node **headp, uint32_t iter, uint16_t crc) {
  node *head = *headp;
  for (int k = 0; k < 8; k++) {
    node *f = list_find(head, (int16_t)((iter * 7 + (uint32_t)k * 13) % LIST_N));
    crc = crc16_u32(f ? (uint32_t)(uint16_t)f->key : 0xffffu, crc);
    if (f) f->key = (int16_t)((f->key * 5 + 1) & 0x7fff);
  }
  head = list_reverse(head);
  head = list_sort(head, 1);
  crc = crc16_u32((uint32_t)(uint16_t)head->key, crc);
  head = list_sort(head, 0);
  *headp = head;
  return crc;
}

/* ---- Matrix ---- */
enum { MN = 24 };
static int16_t ma[MN][MN], mb[MN][MN];
static int32_t mc[MN][MN];

static uint16_t bench_matrix(uint32_t iter, uint16_t crc) {
  int16_t add = (int16_t)(iter & 0xff);
  for (int i = 0; i < MN; i++)
    for (int j = 0; j < MN; j++) ma[i][j] = (int16_t)(ma[i][j] + add);
  for (int i = 0; i < MN; i++) {
    for (int j = 0; j < MN; j++) {
      int32_t s = 0;
      for (int k = 0; k < MN; k++) s += (int32_t)ma[i][k] * mb[k][j];
      mc[i][j] = s;
    }
  }
  uint32_t acc = 0;
  for (int i = 0; i < MN; i++)
    for (int j = 0; j < MN; j++) acc += ((uint32_t)mc[i][j] >> 2) & 0xfff;
  for (int i = 0; i < MN; i++)
    for (int j = 0; j < MN; j++) ma[i][j] = (int16_t)(ma[i][j] - add);
  return crc16_u32(acc, crc);
}

/* ---- State machine ---- */
enum state { S_START, S_INT, S_FRAC, S_EXP_SIGN, S_EXP, S_INVALID, S_COUNT };
static char text[1200];

static void make_text(uint64_t *seed) {
  static const char *tokens[] = {"5012", "1.234", "-874", "+122", "-.123", "3.14e-5", "1e+10", "bad", "0x1",
                                 "17", "2.", "-3e", "44e4", "+", "9.0"};
  size_t n = 0;
  while (n < sizeof text - 12) {
    const char *t = tokens[bench_rand(seed) % 15];
    while (*t) text[n++] = *t++;
    text[n++] = ',';
  }
  text[n] = 0;
}

static enum state next_state(enum state s, char c) {
  int digit = c >= '0' && c <= '9';
  switch (s) {
  case S_START:
    if (digit || c == '+' || c == '-') return S_INT;
    if (c == '.') return S_FRAC;
    return S_INVALID;
  case S_INT:
    if (digit) return S_INT;
    if (c == '.') return S_FRAC;
    if (c == 'e' || c == 'E') return S_EXP_SIGN;
    return S_INVALID;
  case S_FRAC:
    if (digit) return S_FRAC;
    if (c == 'e' || c == 'E') return S_EXP_SIGN;
    return S_INVALID;
  case S_EXP_SIGN:
    if (digit || c == '+' || c == '-') return S_EXP;
    return S_INVALID;
  case S_EXP:
    return digit ? S_EXP : S_INVALID;
  default:
    return S_INVALID;
  }
}

static uint16_t bench_state(uint32_t iter, uint16_t crc) {
  uint32_t counts[S_COUNT] = {0};
  uint32_t transitions = 0;
  enum state s = S_START;
  /* Corrupt one character per iteration (and restore it after) so each pass differs. */
  size_t at = (iter * 31) % (sizeof text - 20);
  char saved = text[at];
  text[at] = (char)('0' + iter % 10);
  for (const char *p = text; *p; p++) {
    if (*p == ',') {
      counts[s]++;
      s = S_START;
      continue;
    }
    enum state n = next_state(s, *p);
    transitions += n != s;
    s = n;
  }
  text[at] = saved;
  for (int i = 0; i < S_COUNT; i++) crc = crc16_u32(counts[i], crc);
  return crc16_u32(transitions, crc);
}

int main(int argc, char **argv) {
  uint32_t iters = bench_iterations(argc, argv, 3000);
  uint64_t seed = 0x5eed;
  node *head = list_init(&seed);
  for (int i = 0; i < MN; i++) {
    for (int j = 0; j < MN; j++) {
      ma[i][j] = (int16_t)(bench_rand(&seed) & 0x3ff) - 0x200;
      mb[i][j] = (int16_t)(bench_rand(&seed) & 0x3ff) - 0x200;
    }
  }
  make_text(&seed);
  uint16_t crc = 0;
  uint64_t sum = 0;
  for (uint32_t i = 0; i < iters; i++) {
    crc = bench_list(&head, i, crc);
    crc = bench_matrix(i, crc);
    crc = bench_state(i, crc);
    sum = sum * 65599 + crc;
  }
  bench_report("coremark_like", sum);
  return 0;
}
