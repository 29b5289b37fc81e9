/*
 * In-memory test host and frame-stack runner for CEVM (test code: allocation is fine here).
 */
#include "test_host.h"

#include <stdlib.h>
#include <string.h>

#define TH_MAX_ACCOUNTS 1024
#ifndef TH_SLOT_BITS
#define TH_SLOT_BITS 14
#endif
#define TH_SLOTS (1u << TH_SLOT_BITS)
#define TH_MAX_DEPTH 1024

typedef struct th_account {
  uint8_t addr[20];
  int exists;
  int warm;
  int created_in_tx;
  int destroyed;
  cevm_u256 balance;
  uint64_t nonce;
  uint8_t *code;
  size_t code_size;
  uint8_t *analysis; /* cached cevm_analyze output, rebuilt when code changes */
} th_account;

typedef struct th_slot {
  int used;
  int acct;
  cevm_u256 key;
  cevm_u256 value;
  cevm_u256 original;
  cevm_u256 tvalue;
  int warm;
} th_slot;

enum { J_STORAGE, J_TRANSIENT, J_SLOT_WARM, J_ACCT_WARM, J_BALANCE, J_NONCE, J_CODE, J_EXISTS,
       J_CREATED, J_DESTROYED, J_LOGS };

typedef struct th_journal {
  int kind;
  int index;
  cevm_u256 old;
  uint64_t old64;
  uint8_t *old_code;
  size_t old_code_size;
} th_journal;

typedef struct th_log {
  uint8_t addr[20];
  uint8_t topics[4][32];
  size_t ntopics;
  uint8_t *data;
  size_t size;
} th_log;

typedef struct th_frame {
  cevm_frame f;
  cevm_u256 *stack;
  uint8_t *memory;
  size_t memory_capacity;
  uint8_t *retbuf; /* owned copy of the last callee output (this frame's RETURNDATA) */
  uint8_t *initcode; /* create frames: analysis of the init code */
  size_t journal_mark;
  size_t log_mark;
  int is_create;
  int acct; /* for creates: the new account */
  cevm_u256 refund_base;
} th_frame;

struct th_state {
  th_account *accounts;
  int naccounts;
  th_slot *slots;
  uint32_t *used_slots; /* indices of used slots, for the per-transaction reset */
  uint32_t nused;
  th_journal *journal;
  size_t njournal, cap_journal;
  th_log *logs;
  size_t nlogs, cap_logs;
  cevm_context ctx;
  th_frame *frames;
  void (*trace)(void *, const cevm_frame *, uint8_t, int64_t);
  void *trace_ctx;
  cevm_host host;
  int top_static;
  uint8_t *output;
  size_t output_size;
  int64_t tx_refund;
};

/* ---------------- basic state ---------------- */
static int th_find(th_state *s, const uint8_t addr[20], int create) {
  for (int i = 0; i < s->naccounts; i++)
    if (memcmp(s->accounts[i].addr, addr, 20) == 0) return i;
  if (!create || s->naccounts >= TH_MAX_ACCOUNTS) return -1;
  th_account *a = &s->accounts[s->naccounts];
  memset(a, 0, sizeof *a);
  memcpy(a->addr, addr, 20);
  return s->naccounts++;
}

static void th_journal_push(th_state *s, th_journal e) {
  if (s->njournal == s->cap_journal) {
    s->cap_journal = s->cap_journal ? s->cap_journal * 2 : 1024;
    s->journal = realloc(s->journal, s->cap_journal * sizeof *s->journal);
  }
  s->journal[s->njournal++] = e;
}

static uint32_t th_hash(int acct, const cevm_u256 *key) {
  uint64_t h = (uint64_t)acct * 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 4; i++) {
    h ^= key->w[i];
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
  }
  return (uint32_t)h & (TH_SLOTS - 1);
}

static th_slot *th_slot_get(th_state *s, int acct, const cevm_u256 *key, int create) {
  uint32_t h = th_hash(acct, key);
  for (uint32_t n = 0; n < TH_SLOTS; n++) {
    th_slot *e = &s->slots[(h + n) & (TH_SLOTS - 1)];
    if (!e->used) {
      if (!create) return NULL;
      memset(e, 0, sizeof *e);
      e->used = 1;
      s->used_slots[s->nused++] = (h + n) & (TH_SLOTS - 1);
      e->acct = acct;
      e->key = *key;
      return e;
    }
    if (e->acct == acct && memcmp(&e->key, key, sizeof *key) == 0) return e;
  }
  return NULL; /* table full: test host limit */
}

static int u_is_zero(const cevm_u256 *a) { return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0; }

static int u_lt(const cevm_u256 *a, const cevm_u256 *b) {
  for (int i = 3; i >= 0; i--)
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i];
  return 0;
}

static void u_add(cevm_u256 *r, const cevm_u256 *a, const cevm_u256 *b) {
  unsigned long long c = 0;
  for (int i = 0; i < 4; i++) r->w[i] = __builtin_addcll(a->w[i], b->w[i], c, &c);
}

static void u_sub(cevm_u256 *r, const cevm_u256 *a, const cevm_u256 *b) {
  unsigned long long c = 0;
  for (int i = 0; i < 4; i++) r->w[i] = __builtin_subcll(a->w[i], b->w[i], c, &c);
}

static void th_set_balance_j(th_state *s, int acct, const cevm_u256 *v) {
  th_journal e = {.kind = J_BALANCE, .index = acct, .old = s->accounts[acct].balance};
  th_journal_push(s, e);
  s->accounts[acct].balance = *v;
}

static void th_touch_exists(th_state *s, int acct) {
  if (!s->accounts[acct].exists) {
    th_journal e = {.kind = J_EXISTS, .index = acct};
    th_journal_push(s, e);
    s->accounts[acct].exists = 1;
  }
}

static void th_set_code_raw(th_account *a, const uint8_t *code, size_t n) {
  free(a->analysis);
  a->analysis = NULL;
  a->code = n ? malloc(n) : NULL;
  if (n) memcpy(a->code, code, n);
  a->code_size = n;
}

/* The analysis for the context's fork (th_context(s)->revision: set it before the first call,
   analyses are cached per account). Frames also get `code`, the code as it is, for CODECOPY. */
static const uint8_t *th_analysis(th_state *s, th_account *a) {
  if (!a->analysis) {
    a->analysis = malloc(cevm_analysis_size(a->code_size));
    cevm_analyze_revision(a->code, a->code_size, s->ctx.revision, a->analysis);
  }
  return a->analysis;
}

static void th_revert_to(th_state *s, size_t mark, size_t log_mark) {
  while (s->njournal > mark) {
    th_journal *e = &s->journal[--s->njournal];
    switch (e->kind) {
    case J_STORAGE: s->slots[e->index].value = e->old; break;
    case J_TRANSIENT: s->slots[e->index].tvalue = e->old; break;
    case J_SLOT_WARM: s->slots[e->index].warm = 0; break;
    case J_ACCT_WARM: s->accounts[e->index].warm = 0; break;
    case J_BALANCE: s->accounts[e->index].balance = e->old; break;
    case J_NONCE: s->accounts[e->index].nonce = e->old64; break;
    case J_CODE: {
      th_account *a = &s->accounts[e->index];
      free(a->code);
      free(a->analysis);
      a->analysis = NULL;
      a->code = e->old_code;
      a->code_size = e->old_code_size;
      break;
    }
    case J_EXISTS: s->accounts[e->index].exists = 0; break;
    case J_CREATED: s->accounts[e->index].created_in_tx = 0; break;
    case J_DESTROYED: s->accounts[e->index].destroyed = 0; break;
    default: break;
    }
  }
  while (s->nlogs > log_mark) free(s->logs[--s->nlogs].data);
}

/* ---------------- host callbacks ---------------- */
static int h_access_account(void *c, const cevm_address *addr) {
  th_state *s = c;
  int i = th_find(s, addr->bytes, 1);
  if (i < 0) return 1;
  if (s->accounts[i].warm) return 1;
  s->accounts[i].warm = 1;
  th_journal e = {.kind = J_ACCT_WARM, .index = i};
  th_journal_push(s, e);
  return 0;
}

static int h_access_storage(void *c, const cevm_address *addr, const cevm_u256 *key) {
  th_state *s = c;
  int i = th_find(s, addr->bytes, 1);
  th_slot *e = i < 0 ? NULL : th_slot_get(s, i, key, 1);
  if (!e) return 1;
  if (e->warm) return 1;
  e->warm = 1;
  th_journal j = {.kind = J_SLOT_WARM, .index = (int)(e - s->slots)};
  th_journal_push(s, j);
  return 0;
}

static void h_sload(void *c, const cevm_address *addr, const cevm_u256 *key, cevm_u256 *value,
                    cevm_u256 *original) {
  th_state *s = c;
  int i = th_find(s, addr->bytes, 0);
  th_slot *e = i < 0 ? NULL : th_slot_get(s, i, key, 0);
  cevm_u256 z = {{0, 0, 0, 0}};
  *value = e ? e->value : z;
  if (original) *original = e ? e->original : z;
}

/* access_storage and sload in one callback, as the Swift host answers them (installed by
   th_set_access_sload; without it the core calls the two apart, and in another order around
   the cold charge). */
static int h_access_sload(void *c, const cevm_address *addr, const cevm_u256 *key, cevm_u256 *value,
                          cevm_u256 *original) {
  int warm = h_access_storage(c, addr, key);
  h_sload(c, addr, key, value, original);
  return warm;
}

static void h_sstore(void *c, const cevm_address *addr, const cevm_u256 *key,
                     const cevm_u256 *value) {
  th_state *s = c;
  int i = th_find(s, addr->bytes, 1);
  th_slot *e = i < 0 ? NULL : th_slot_get(s, i, key, 1);
  if (!e) return;
  th_journal j = {.kind = J_STORAGE, .index = (int)(e - s->slots), .old = e->value};
  th_journal_push(s, j);
  e->value = *value;
}

static void h_tload(void *c, const cevm_address *addr, const cevm_u256 *key, cevm_u256 *value) {
  th_state *s = c;
  int i = th_find(s, addr->bytes, 0);
  th_slot *e = i < 0 ? NULL : th_slot_get(s, i, key, 0);
  cevm_u256 z = {{0, 0, 0, 0}};
  *value = e ? e->tvalue : z;
}

static void h_tstore(void *c, const cevm_address *addr, const cevm_u256 *key,
                     const cevm_u256 *value) {
  th_state *s = c;
  int i = th_find(s, addr->bytes, 1);
  th_slot *e = i < 0 ? NULL : th_slot_get(s, i, key, 1);
  if (!e) return;
  th_journal j = {.kind = J_TRANSIENT, .index = (int)(e - s->slots), .old = e->tvalue};
  th_journal_push(s, j);
  e->tvalue = *value;
}

static void h_balance(void *c, const cevm_address *addr, cevm_u256 *out) {
  th_state *s = c;
  int i = th_find(s, addr->bytes, 0);
  cevm_u256 z = {{0, 0, 0, 0}};
  *out = i < 0 ? z : s->accounts[i].balance;
}

static size_t h_code_size(void *c, const cevm_address *addr) {
  th_state *s = c;
  int i = th_find(s, addr->bytes, 0);
  return i < 0 ? 0 : s->accounts[i].code_size;
}

static size_t h_code_copy(void *c, const cevm_address *addr, size_t offset, uint8_t *dst,
                          size_t len) {
  th_state *s = c;
  int i = th_find(s, addr->bytes, 0);
  if (i < 0 || offset >= s->accounts[i].code_size) return 0;
  size_t n = s->accounts[i].code_size - offset;
  if (n > len) n = len;
  memcpy(dst, s->accounts[i].code + offset, n);
  return n;
}

static int th_is_empty(th_state *s, int i) {
  if (i < 0 || !s->accounts[i].exists) return 1;
  th_account *a = &s->accounts[i];
  return a->nonce == 0 && a->code_size == 0 && u_is_zero(&a->balance);
}

static void h_code_hash(void *c, const cevm_address *addr, cevm_bytes32 *out) {
  th_state *s = c;
  int i = th_find(s, addr->bytes, 0);
  if (th_is_empty(s, i)) {
    memset(out->bytes, 0, 32);
    return;
  }
  cevm_keccak256(s->accounts[i].code, s->accounts[i].code_size, out->bytes);
}

static void h_block_hash(void *c, uint64_t number, cevm_bytes32 *out) {
  /* deterministic fake, the same as revm's in-memory database: keccak of the decimal number */
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + number % 10);
    number /= 10;
  } while (number);
  uint8_t text[24];
  for (int i = 0; i < n; i++) text[i] = (uint8_t)digits[n - 1 - i];
  cevm_keccak256(text, (size_t)n, out->bytes);
}

static int h_account_is_empty(void *c, const cevm_address *addr) {
  th_state *s = c;
  return th_is_empty(s, th_find(s, addr->bytes, 0));
}

static void h_emit_log(void *c, const cevm_address *addr, const cevm_bytes32 *topics, size_t n,
                       const uint8_t *data, size_t size) {
  th_state *s = c;
  if (s->nlogs == s->cap_logs) {
    s->cap_logs = s->cap_logs ? s->cap_logs * 2 : 64;
    s->logs = realloc(s->logs, s->cap_logs * sizeof *s->logs);
  }
  th_log *l = &s->logs[s->nlogs++];
  memcpy(l->addr, addr->bytes, 20);
  l->ntopics = n;
  for (size_t i = 0; i < n; i++) memcpy(l->topics[i], topics[i].bytes, 32);
  l->data = size ? malloc(size) : NULL;
  if (size) memcpy(l->data, data, size);
  l->size = size;
}

static void h_selfdestruct(void *c, const cevm_address *addr, const cevm_address *beneficiary) {
  th_state *s = c;
  int i = th_find(s, addr->bytes, 1);
  int b = th_find(s, beneficiary->bytes, 1);
  if (i < 0 || b < 0) return;
  cevm_u256 bal = s->accounts[i].balance, z = {{0, 0, 0, 0}};
  if (b != i) {
    cevm_u256 nb;
    u_add(&nb, &s->accounts[b].balance, &bal);
    th_touch_exists(s, b);
    th_set_balance_j(s, b, &nb);
    th_set_balance_j(s, i, &z);
  }
  if (s->accounts[i].created_in_tx && !s->accounts[i].destroyed) {
    /* EIP-6780: only accounts created in this transaction are deleted (at its end) */
    th_journal e = {.kind = J_DESTROYED, .index = i};
    th_journal_push(s, e);
    s->accounts[i].destroyed = 1;
    if (b == i) th_set_balance_j(s, i, &z);
  }
}

static int h_memory_grow(void *c, cevm_frame *f, size_t needed) {
  (void)c;
  th_frame *tf = (th_frame *)f; /* cevm_frame is the first member */
  if (needed > ((size_t)1 << 30)) return 0;
  size_t cap = tf->memory_capacity ? tf->memory_capacity : 4096;
  while (cap < needed) cap *= 2;
  uint8_t *m = realloc(tf->memory, cap);
  if (!m) return 0;
  tf->memory = m;
  tf->memory_capacity = cap;
  f->memory = m;
  f->memory_capacity = cap;
  return 1;
}

/* ---------------- public API ---------------- */
th_state *th_new(void) {
  th_state *s = calloc(1, sizeof *s);
  s->accounts = calloc(TH_MAX_ACCOUNTS, sizeof *s->accounts);
  s->slots = calloc(TH_SLOTS, sizeof *s->slots);
  s->used_slots = calloc(TH_SLOTS, sizeof *s->used_slots);
  s->frames = calloc(TH_MAX_DEPTH + 1, sizeof *s->frames);
  s->ctx.number = 1;
  s->ctx.timestamp = 1;
  s->ctx.gas_limit = 30000000;
  s->ctx.chain_id.w[0] = 1;
  s->host.access_account = h_access_account;
  s->host.access_storage = h_access_storage;
  s->host.sload = h_sload;
  s->host.sstore = h_sstore;
  s->host.tload = h_tload;
  s->host.tstore = h_tstore;
  s->host.balance = h_balance;
  s->host.code_size = h_code_size;
  s->host.code_copy = h_code_copy;
  s->host.code_hash = h_code_hash;
  s->host.block_hash = h_block_hash;
  s->host.account_is_empty = h_account_is_empty;
  s->host.emit_log = h_emit_log;
  s->host.selfdestruct = h_selfdestruct;
  s->host.memory_grow = h_memory_grow;
  s->host.trace = NULL;
  return s;
}

void th_free(th_state *s) {
  if (!s) return;
  for (int i = 0; i < s->naccounts; i++) {
    free(s->accounts[i].code);
    free(s->accounts[i].analysis);
  }
  for (int i = 0; i <= TH_MAX_DEPTH; i++) {
    free(s->frames[i].stack);
    free(s->frames[i].memory);
    free(s->frames[i].retbuf);
    free(s->frames[i].initcode);
  }
  for (size_t i = 0; i < s->nlogs; i++) free(s->logs[i].data);
  free(s->logs);
  free(s->frames);
  free(s->journal);
  free(s->slots);
  free(s->used_slots);
  free(s->accounts);
  free(s->output);
  free(s);
}

void th_set_account(th_state *s, const uint8_t addr[20], const uint8_t balance[32], uint64_t nonce,
                    const uint8_t *code, size_t code_size) {
  int i = th_find(s, addr, 1);
  if (i < 0) return;
  th_account *a = &s->accounts[i];
  a->exists = 1;
  if (balance) cevm_u256_from_be(&a->balance, balance);
  a->nonce = nonce;
  free(a->code);
  th_set_code_raw(a, code, code_size);
}

void th_set_storage(th_state *s, const uint8_t addr[20], const uint8_t key[32],
                    const uint8_t value[32]) {
  int i = th_find(s, addr, 1);
  if (i < 0) return;
  cevm_u256 k;
  cevm_u256_from_be(&k, key);
  th_slot *e = th_slot_get(s, i, &k, 1);
  if (!e) return;
  cevm_u256_from_be(&e->value, value);
  e->original = e->value;
}

void th_get_storage(th_state *s, const uint8_t addr[20], const uint8_t key[32], uint8_t out[32]) {
  int i = th_find(s, addr, 0);
  cevm_u256 k, v = {{0, 0, 0, 0}};
  cevm_u256_from_be(&k, key);
  th_slot *e = i < 0 ? NULL : th_slot_get(s, i, &k, 0);
  if (e) v = e->value;
  cevm_u256_to_be(out, &v);
}

void th_get_balance(th_state *s, const uint8_t addr[20], uint8_t out[32]) {
  int i = th_find(s, addr, 0);
  cevm_u256 v = {{0, 0, 0, 0}};
  if (i >= 0) v = s->accounts[i].balance;
  cevm_u256_to_be(out, &v);
}

size_t th_get_code(th_state *s, const uint8_t addr[20], uint8_t *out, size_t cap) {
  int i = th_find(s, addr, 0);
  if (i < 0) return 0;
  size_t n = s->accounts[i].code_size < cap ? s->accounts[i].code_size : cap;
  if (n) memcpy(out, s->accounts[i].code, n);
  return s->accounts[i].code_size;
}

uint64_t th_get_nonce(th_state *s, const uint8_t addr[20]) {
  int i = th_find(s, addr, 0);
  return i < 0 ? 0 : s->accounts[i].nonce;
}

int th_account_exists(th_state *s, const uint8_t addr[20]) {
  int i = th_find(s, addr, 0);
  return i >= 0 && s->accounts[i].exists;
}

cevm_context *th_context(th_state *s) { return &s->ctx; }

void th_set_trace(th_state *s, void (*trace)(void *, const cevm_frame *, uint8_t, int64_t),
                  void *trace_ctx) {
  s->trace = trace;
  s->trace_ctx = trace_ctx;
  s->host.trace = trace;
}

void th_set_static(th_state *s, int is_static) { s->top_static = is_static; }

void th_set_access_sload(th_state *s, int on) { s->host.access_sload = on ? h_access_sload : NULL; }

size_t th_log_count(th_state *s) { return s->nlogs; }

size_t th_log_get(th_state *s, size_t i, uint8_t addr[20], uint8_t topics[4][32], size_t *ntopics,
                  uint8_t *data, size_t data_cap) {
  if (i >= s->nlogs) return 0;
  th_log *l = &s->logs[i];
  memcpy(addr, l->addr, 20);
  for (size_t k = 0; k < l->ntopics; k++) memcpy(topics[k], l->topics[k], 32);
  *ntopics = l->ntopics;
  size_t n = l->size < data_cap ? l->size : data_cap;
  if (n) memcpy(data, l->data, n);
  return l->size;
}

/* ---------------- runner ---------------- */
static void th_frame_setup(th_state *s, th_frame *tf, int depth) {
  if (!tf->stack) tf->stack = malloc(sizeof(cevm_u256) * CEVM_STACK_LIMIT);
  memset(&tf->f, 0, sizeof tf->f);
  cevm_frame_init(&tf->f);
  tf->f.stack = tf->stack;
  tf->f.memory = tf->memory;
  tf->f.memory_capacity = tf->memory_capacity;
  tf->f.context = &s->ctx;
  tf->f.host = &s->host;
  tf->f.host_ctx = s;
  tf->f.msg.depth = depth;
  tf->journal_mark = s->njournal;
  tf->log_mark = s->nlogs;
  tf->is_create = 0;
  tf->acct = -1;
}

/* RLP([sender, nonce]) for CREATE addresses */
static void th_create_address(const uint8_t sender[20], uint64_t nonce, uint8_t out[20]) {
  uint8_t buf[64];
  size_t n = 0;
  uint8_t nb[9];
  size_t nl = 0;
  if (nonce == 0) {
    nb[nl++] = 0x80;
  } else if (nonce < 0x80) {
    nb[nl++] = (uint8_t)nonce;
  } else {
    uint8_t tmp[8];
    size_t k = 0;
    for (uint64_t v = nonce; v; v >>= 8) tmp[k++] = (uint8_t)v;
    nb[nl++] = (uint8_t)(0x80 + k);
    while (k) nb[nl++] = tmp[--k];
  }
  size_t payload = 21 + nl;
  buf[n++] = (uint8_t)(0xc0 + payload);
  buf[n++] = 0x94;
  memcpy(buf + n, sender, 20);
  n += 20;
  memcpy(buf + n, nb, nl);
  n += nl;
  uint8_t h[32];
  cevm_keccak256(buf, n, h);
  memcpy(out, h + 12, 20);
}

static void th_create2_address(const uint8_t sender[20], const cevm_u256 *salt,
                               const uint8_t *code, size_t n, uint8_t out[20]) {
  uint8_t buf[85];
  buf[0] = 0xff;
  memcpy(buf + 1, sender, 20);
  cevm_u256_to_be(buf + 21, salt);
  cevm_keccak256(code, n, buf + 53);
  uint8_t h[32];
  cevm_keccak256(buf, 85, h);
  memcpy(out, h + 12, 20);
}

static int th_is_precompile(const uint8_t a[20]) {
  for (int i = 0; i < 19; i++)
    if (a[i]) return 0;
  return a[19] >= 1 && a[19] <= 10;
}

static void th_set_retbuf(th_frame *parent, const uint8_t *data, size_t n) {
  free(parent->retbuf);
  parent->retbuf = n ? malloc(n) : NULL;
  if (n) memcpy(parent->retbuf, data, n);
}

int th_call(th_state *s, const uint8_t caller[20], const uint8_t to[20], const uint8_t *input,
            size_t input_size, const uint8_t value[32], int64_t gas, th_result *res) {
  /* transaction start */
  for (int i = 0; i < s->naccounts; i++) {
    s->accounts[i].warm = 0;
    s->accounts[i].created_in_tx = 0;
    s->accounts[i].destroyed = 0;
  }
  for (uint32_t k = 0; k < s->nused; k++) {
    th_slot *e = &s->slots[s->used_slots[k]];
    e->original = e->value;
    e->warm = 0;
    memset(&e->tvalue, 0, 32);
  }
  s->njournal = 0;
  while (s->nlogs) free(s->logs[--s->nlogs].data);
  s->tx_refund = 0;
  uint64_t steps = 0;

  int ci = th_find(s, caller, 1), ti = th_find(s, to, 1);
  s->accounts[ci].warm = 1;
  s->accounts[ti].warm = 1;
  int cb = th_find(s, s->ctx.coinbase.bytes, 1);
  if (cb >= 0) s->accounts[cb].warm = 1;
  for (int p = 1; p <= 10; p++) {
    uint8_t a[20] = {0};
    a[19] = (uint8_t)p;
    int k = th_find(s, a, 1);
    if (k >= 0) s->accounts[k].warm = 1;
  }
  cevm_u256 val = {{0, 0, 0, 0}};
  if (value) cevm_u256_from_be(&val, value);
  if (!u_is_zero(&val)) {
    cevm_u256 nb;
    u_sub(&nb, &s->accounts[ci].balance, &val);
    s->accounts[ci].balance = nb;
    u_add(&nb, &s->accounts[ti].balance, &val);
    s->accounts[ti].balance = nb;
    s->accounts[ti].exists = 1;
  }

  int depth = 0;
  th_frame *tf = &s->frames[0];
  th_frame_setup(s, tf, 0);
  th_account *ta = &s->accounts[ti];
  tf->f.analysis = th_analysis(s, ta);
  tf->f.code = ta->code;
  tf->f.code_size = ta->code_size;
  tf->f.calldata = input;
  tf->f.calldata_size = input_size;
  memcpy(tf->f.msg.caller.bytes, caller, 20);
  memcpy(tf->f.msg.address.bytes, to, 20);
  tf->f.msg.value = val;
  tf->f.msg.is_static = (uint32_t)s->top_static;
  tf->f.gas = gas;
  int status = cevm_run(&tf->f);
  steps++;

  for (;;) {
    tf = &s->frames[depth];
    cevm_frame *f = &tf->f;
    if (status == CEVM_STATUS_CALL_REQUEST || status == CEVM_STATUS_CREATE_REQUEST) {
      cevm_request *rq = &f->request;
      int self = th_find(s, f->msg.address.bytes, 1);
      int is_create = status == CEVM_STATUS_CREATE_REQUEST;
      int transfers = (rq->kind == CEVM_REQ_CALL || is_create) && !u_is_zero(&rq->value);
      int fail = depth + 1 > 1024;
      if (!fail && (transfers || rq->kind == CEVM_REQ_CALLCODE) &&
          u_lt(&s->accounts[self].balance, &rq->value))
        fail = 1;
      if (is_create && !fail && s->accounts[self].nonce == UINT64_MAX) fail = 1;
      if (fail) {
        th_set_retbuf(tf, NULL, 0);
        status = is_create ? cevm_resume_create(f, NULL, rq->gas, NULL, 0)
                           : cevm_resume_call(f, 0, rq->gas, NULL, 0);
        steps++;
        continue;
      }
      uint8_t target[20];
      const uint8_t *initcode = f->memory + rq->input_offset;
      if (is_create) {
        uint64_t nonce = s->accounts[self].nonce;
        th_journal e = {.kind = J_NONCE, .index = self, .old64 = nonce};
        th_journal_push(s, e);
        s->accounts[self].nonce = nonce + 1;
        if (rq->kind == CEVM_REQ_CREATE) th_create_address(f->msg.address.bytes, nonce, target);
        else th_create2_address(f->msg.address.bytes, &rq->salt, initcode, rq->input_size, target);
        cevm_address ta_;
        memcpy(ta_.bytes, target, 20);
        h_access_account(s, &ta_);
        int ni = th_find(s, target, 1);
        if (s->accounts[ni].nonce != 0 || s->accounts[ni].code_size != 0) {
          /* address collision: the passed gas is consumed */
          th_set_retbuf(tf, NULL, 0);
          status = cevm_resume_create(f, NULL, 0, NULL, 0);
          steps++;
          continue;
        }
      } else {
        memcpy(target, rq->target.bytes, 20);
      }
      th_frame *ct = &s->frames[depth + 1];
      th_frame_setup(s, ct, depth + 1);
      cevm_frame *c = &ct->f;
      c->gas = rq->gas;
      c->msg.is_static = f->msg.is_static || rq->kind == CEVM_REQ_STATICCALL;
      if (is_create) {
        int ni = th_find(s, target, 1);
        ct->is_create = 1;
        ct->acct = ni;
        th_touch_exists(s, ni);
        th_journal e = {.kind = J_NONCE, .index = ni, .old64 = s->accounts[ni].nonce};
        th_journal_push(s, e);
        s->accounts[ni].nonce = 1;
        th_journal ec = {.kind = J_CREATED, .index = ni};
        th_journal_push(s, ec);
        s->accounts[ni].created_in_tx = 1;
        /* init code runs from a private copy (frame memory of the parent may move) */
        th_journal jc = {.kind = J_CODE, .index = ni, .old_code = s->accounts[ni].code,
                         .old_code_size = s->accounts[ni].code_size};
        th_journal_push(s, jc);
        s->accounts[ni].code = NULL;
        s->accounts[ni].code_size = 0;
        /* the analysis, then the init code as it is (for CODECOPY), alive with the frame */
        size_t asz = cevm_analysis_size(rq->input_size);
        uint8_t *an = malloc(asz + rq->input_size + 1);
        cevm_analyze_revision(initcode, rq->input_size, s->ctx.revision, an);
        if (rq->input_size) memcpy(an + asz, initcode, rq->input_size);
        free(ct->initcode);
        ct->initcode = an;
        c->analysis = an;
        c->code = an + asz;
        c->code_size = rq->input_size;
        c->calldata = NULL;
        c->calldata_size = 0;
        memcpy(c->msg.caller.bytes, f->msg.address.bytes, 20);
        memcpy(c->msg.address.bytes, target, 20);
        c->msg.value = rq->value;
      } else {
        int ki = th_find(s, target, 1);
        th_account *ka = &s->accounts[ki];
        c->analysis = th_analysis(s, ka);
        c->code = ka->code;
        c->code_size = ka->code_size;
        c->calldata = rq->input_size ? f->memory + rq->input_offset : NULL;
        c->calldata_size = rq->input_size;
        if (rq->kind == CEVM_REQ_CALL || rq->kind == CEVM_REQ_STATICCALL) {
          memcpy(c->msg.caller.bytes, f->msg.address.bytes, 20);
          memcpy(c->msg.address.bytes, target, 20);
          c->msg.value = rq->value;
        } else if (rq->kind == CEVM_REQ_CALLCODE) {
          memcpy(c->msg.caller.bytes, f->msg.address.bytes, 20);
          c->msg.address = f->msg.address;
          c->msg.value = rq->value;
        } else { /* DELEGATECALL */
          c->msg.caller = f->msg.caller;
          c->msg.address = f->msg.address;
          c->msg.value = f->msg.value;
        }
        /* calldata must outlive parent memory moves: parent memory does not change while
           the child runs, so pointing into it is safe */
        if (th_is_precompile(target)) {
          /* not modelled: behave like an account without code */
          c->code_size = 0;
          static const uint8_t empty_analysis[CEVM_CODE_PADDING + 8] = {0};
          c->analysis = empty_analysis;
        }
      }
      if (transfers) {
        int dst = th_find(s, c->msg.address.bytes, 1);
        cevm_u256 nb;
        u_sub(&nb, &s->accounts[self].balance, &rq->value);
        th_set_balance_j(s, self, &nb);
        u_add(&nb, &s->accounts[dst].balance, &rq->value);
        th_touch_exists(s, dst);
        th_set_balance_j(s, dst, &nb);
      }
      depth++;
      status = cevm_run(c);
      steps++;
      continue;
    }

    /* the frame at `depth` completed */
    int ok = cevm_status_is_success(status);
    const uint8_t *out = NULL;
    size_t out_size = 0;
    if (status == CEVM_STATUS_RETURN || status == CEVM_STATUS_REVERT) {
      out = f->memory + f->output_offset;
      out_size = f->output_size;
    }
    int64_t gas_left = cevm_status_is_failure(status) ? 0 : f->gas;
    if (tf->is_create && ok) {
      int64_t deposit = cevm_code_deposit_cost(out_size);
      if (cevm_check_deployed_code(out, out_size) != 0 || deposit > gas_left) {
        ok = 0;
        status = CEVM_STATUS_OUT_OF_GAS;
        gas_left = 0;
      } else {
        gas_left -= deposit;
        th_account *na = &s->accounts[tf->acct];
        th_journal jc = {.kind = J_CODE, .index = tf->acct, .old_code = na->code,
                         .old_code_size = na->code_size};
        th_journal_push(s, jc);
        na->code = NULL;
        na->analysis = NULL;
        na->code_size = 0;
        th_set_code_raw(na, out, out_size);
      }
    }
    if (!ok) {
      th_revert_to(s, tf->journal_mark, tf->log_mark);
    }
    if (depth == 0) {
      free(s->output);
      s->output = out_size ? malloc(out_size) : NULL;
      if (out_size) memcpy(s->output, out, out_size);
      s->output_size = out_size;
      res->status = status;
      res->gas_left = gas_left;
      res->gas_used = gas - gas_left;
      res->refund = ok ? f->refund : 0;
      res->output = s->output;
      res->output_size = out_size;
      res->log_count = s->nlogs;
      res->steps = steps;
      /* EIP-6780 deletions at the end of the transaction */
      if (ok)
        for (int i = 0; i < s->naccounts; i++)
          if (s->accounts[i].destroyed) {
            th_account *a = &s->accounts[i];
            free(a->code);
            free(a->analysis);
            a->code = NULL;
            a->analysis = NULL;
            a->code_size = 0;
            a->nonce = 0;
            memset(&a->balance, 0, 32);
            a->exists = 0;
            for (uint32_t k = 0; k < s->nused; k++)
              if (s->slots[s->used_slots[k]].acct == i)
                memset(&s->slots[s->used_slots[k]].value, 0, 32);
          }
      return status;
    }
    th_frame *pt = &s->frames[depth - 1];
    cevm_frame *p = &pt->f;
    if (ok) p->refund += f->refund;
    if (tf->is_create) {
      th_set_retbuf(pt, status == CEVM_STATUS_REVERT ? out : NULL,
                    status == CEVM_STATUS_REVERT ? out_size : 0);
      cevm_address created;
      memcpy(created.bytes, s->accounts[tf->acct].addr, 20);
      depth--;
      status = cevm_resume_create(p, ok ? &created : NULL, gas_left, pt->retbuf,
                                  status == CEVM_STATUS_REVERT ? out_size : 0);
    } else {
      size_t n = cevm_status_is_failure(status) ? 0 : out_size;
      th_set_retbuf(pt, out, n);
      depth--;
      status = cevm_resume_call(p, ok, gas_left, pt->retbuf, n);
    }
    steps++;
  }
}
