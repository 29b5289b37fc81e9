/*
 * ERC-20 token as a native EEKit contract (standard Solidity ABI).
 *
 * Constructor argument: uint256 initial supply, minted to the deployer.
 * Storage layout (Solidity's): slot 0 totalSupply, slot 1 mapping balanceOf,
 * slot 2 mapping(owner => mapping(spender => allowance)).
 * Failures revert with empty data (as Vyper's checked arithmetic does).
 */
#include "eekit_abi.h"

#define SEL_NAME          0x06fdde03u
#define SEL_SYMBOL        0x95d89b41u
#define SEL_DECIMALS      0x313ce567u
#define SEL_TOTAL_SUPPLY  0x18160dddu
#define SEL_BALANCE_OF    0x70a08231u
#define SEL_TRANSFER      0xa9059cbbu
#define SEL_APPROVE       0x095ea7b3u
#define SEL_ALLOWANCE     0xdd62ed3eu
#define SEL_TRANSFER_FROM 0x23b872ddu

/* keccak256("Transfer(address,address,uint256)"), keccak256("Approval(address,address,uint256)") */
static const eek_word TRANSFER_TOPIC = {{0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0,
                                         0x68, 0xfc, 0x37, 0x8d, 0xaa, 0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4,
                                         0xa1, 0x16, 0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef}};
static const eek_word APPROVAL_TOPIC = {{0x8c, 0x5b, 0xe1, 0xe5, 0xeb, 0xec, 0x7d, 0x5b, 0xd1, 0x4f, 0x71,
                                         0x42, 0x7d, 0x1e, 0x84, 0xf3, 0xdd, 0x03, 0x14, 0xc0, 0xf7, 0xb2,
                                         0x29, 0x1e, 0x5b, 0x20, 0x0a, 0xc8, 0xc7, 0xc3, 0xb9, 0x25}};

__attribute__((noreturn)) static void fail(void) { eek_revert(0, 0); }

static eek_word balance_slot(const eek_address *owner) {
  return abi_mapping_slot(eek_word_from_address(owner), eek_word_from_u64(1));
}
static eek_word allowance_slot(const eek_address *owner, const eek_address *spender) {
  eek_word inner = abi_mapping_slot(eek_word_from_address(owner), eek_word_from_u64(2));
  return abi_mapping_slot(eek_word_from_address(spender), inner);
}
/* Balances and allowances are computed on, so they move as numbers (no byte swaps). */
static u256 load(const eek_word *slot) { return eek_sload_u256(slot); }
static void store(const eek_word *slot, u256 v) { eek_sstore_u256(slot, v); }
/* The amount is logged as the word it arrived as (no conversion back). */
static void emit3(const eek_word *topic0, const eek_address *a, const eek_address *b, const eek_word *amount) {
  eek_word topics[3] = {*topic0, eek_word_from_address(a), eek_word_from_address(b)};
  eek_log(topics, 3, amount, 32);
}

static void move(const eek_address *from, const eek_address *to, const eek_word *amount_word) {
  u256 amount = u256_from_word(amount_word);
  eek_word fs = balance_slot(from);
  u256 fb = load(&fs), nb;
  if (u256_sub(&nb, fb, amount)) fail();
  store(&fs, nb);
  eek_word ts = balance_slot(to);
  u256 tb = load(&ts);
  if (u256_add(&nb, tb, amount)) fail();
  store(&ts, nb);
  emit3(&TRANSFER_TOPIC, from, to, amount_word);
}

void eekit_main(int is_constructor) {
  eek_address sender;
  eek_caller(&sender);
  if (is_constructor) {
    eek_word supply;
    eek_calldata_copy(&supply, 0, 32);
    eek_word total = eek_word_from_u64(0);
    eek_sstore(&total, &supply);
    eek_word bs = balance_slot(&sender);
    eek_sstore(&bs, &supply);
    eek_address zero = {{0}};
    emit3(&TRANSFER_TOPIC, &zero, &sender, &supply);
    return;
  }
  eek_word callvalue;
  eek_callvalue(&callvalue);
  if (!eek_word_is_zero(&callvalue)) fail(); /* not payable */
  eek_address a, b;
  switch (abi_selector()) {
  case SEL_NAME:
    abi_return_string("EEKit Token", 11);
  case SEL_SYMBOL:
    abi_return_string("EEK", 3);
  case SEL_DECIMALS:
    abi_return_u256(u256_from_u64(18));
  case SEL_TOTAL_SUPPLY: {
    eek_word total = eek_word_from_u64(0);
    abi_return_u256(load(&total));
  }
  case SEL_BALANCE_OF: {
    if (!abi_has_args(1) || !abi_arg_address(0, &a)) fail();
    eek_word s = balance_slot(&a);
    abi_return_u256(load(&s));
  }
  case SEL_TRANSFER: {
    if (!abi_has_args(2) || !abi_arg_address(0, &a)) fail();
    eek_word amount = abi_arg_word(1);
    move(&sender, &a, &amount);
    abi_return_bool(1);
  }
  case SEL_APPROVE: {
    if (!abi_has_args(2) || !abi_arg_address(0, &a)) fail();
    eek_word amount = abi_arg_word(1);
    eek_word s = allowance_slot(&sender, &a);
    eek_sstore(&s, &amount);
    emit3(&APPROVAL_TOPIC, &sender, &a, &amount);
    abi_return_bool(1);
  }
  case SEL_ALLOWANCE: {
    if (!abi_has_args(2) || !abi_arg_address(0, &a) || !abi_arg_address(1, &b)) fail();
    eek_word s = allowance_slot(&a, &b);
    abi_return_u256(load(&s));
  }
  case SEL_TRANSFER_FROM: {
    if (!abi_has_args(3) || !abi_arg_address(0, &a) || !abi_arg_address(1, &b)) fail();
    eek_word amount = abi_arg_word(2);
    u256 left;
    eek_word s = allowance_slot(&a, &sender);
    if (u256_sub(&left, load(&s), u256_from_word(&amount))) fail();
    store(&s, left);
    move(&a, &b, &amount);
    abi_return_bool(1);
  }
  default:
    fail();
  }
}
