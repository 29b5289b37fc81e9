/*
 * Token vault as a native EEKit contract, the twin of Contracts/vyper/Vault.vy (same ABI,
 * events and failures): it holds deposits of one ERC-20 token, whichever EE the token runs
 * in. Paired with the Vyper token, every deposit and withdrawal is a RISC-V -> EVM call.
 *
 * Constructor argument: address token.
 * deposit(uint256): the token's transferFrom(sender, vault, amount) (approve the vault first),
 *   then depositOf[sender] += amount, event Deposit(indexed owner, amount).
 * withdraw(uint256): depositOf[sender] -= amount, the token's transfer(sender, amount), event
 *   Withdrawal(indexed owner, amount).
 * depositOf(address), token(), held() (the token's balanceOf(vault), a static call).
 * Failures revert with empty data, except a failed token call, whose revert data is passed on.
 * Storage: slot 0 token, slot 1 mapping depositOf (Solidity's layout, keccak256(key . 1)).
 */
#include "eekit_abi.h"

#define SEL_DEPOSIT       0xb6b55f25u
#define SEL_WITHDRAW      0x2e1a7d4du
#define SEL_DEPOSIT_OF    0x23e3fbd5u
#define SEL_TOKEN         0xfc0c546au
#define SEL_HELD          0xa285aed7u
#define SEL_TRANSFER      0xa9059cbbu
#define SEL_TRANSFER_FROM 0x23b872ddu
#define SEL_BALANCE_OF    0x70a08231u

/* keccak256("Deposit(address,uint256)"), keccak256("Withdrawal(address,uint256)") */
static const eek_word DEPOSIT_TOPIC = {{0xe1, 0xff, 0xfc, 0xc4, 0x92, 0x3d, 0x04, 0xb5, 0x59, 0xf4, 0xd2,
                                        0x9a, 0x8b, 0xfc, 0x6c, 0xda, 0x04, 0xeb, 0x5b, 0x0d, 0x3c, 0x46,
                                        0x07, 0x51, 0xc2, 0x40, 0x2c, 0x5c, 0x5c, 0xc9, 0x10, 0x9c}};
static const eek_word WITHDRAWAL_TOPIC = {{0x7f, 0xcf, 0x53, 0x2c, 0x15, 0xf0, 0xa6, 0xdb, 0x0b, 0xd6, 0xd0,
                                           0xe0, 0x38, 0xbe, 0xa7, 0x1d, 0x30, 0xd8, 0x08, 0xc7, 0xd9, 0x8c,
                                           0xb3, 0xbf, 0x72, 0x68, 0xa9, 0x5b, 0xf5, 0x08, 0x1b, 0x65}};

__attribute__((noreturn)) static void fail(void) { eek_revert(0, 0); }

static eek_address token(void) {
  eek_word slot = eek_word_from_u64(0), w;
  eek_sload(&slot, &w);
  eek_address a;
  __builtin_memcpy(a.b, w.b + 12, 20);
  return a;
}
static eek_word deposit_slot(const eek_address *owner) {
  return abi_mapping_slot(eek_word_from_address(owner), eek_word_from_u64(1));
}
static void emit(const eek_word *topic0, const eek_address *owner, const eek_word *amount) {
  eek_word topics[2] = {*topic0, eek_word_from_address(owner)};
  eek_log(topics, 2, amount, 32);
}

void eekit_main(int is_constructor) {
  eek_address sender, self, a;
  eek_caller(&sender);
  if (is_constructor) {
    /* The constructor argument is an ABI address: its upper 12 bytes must be zero (missing
       bytes read as zero, as Vyper's constructor reads them). */
    eek_word arg, slot = eek_word_from_u64(0);
    eek_calldata_copy(&arg, 0, 32);
    for (int i = 0; i < 12; i++)
      if (arg.b[i]) fail();
    eek_sstore(&slot, &arg);
    return;
  }
  eek_word callvalue;
  eek_callvalue(&callvalue);
  if (!eek_word_is_zero(&callvalue)) fail(); /* not payable */
  switch (abi_selector()) {
  case SEL_DEPOSIT: {
    if (!abi_has_args(1)) fail();
    eek_word amount = abi_arg_word(0);
    eek_self(&self);
    eek_address t = token();
    eek_word args[3] = {eek_word_from_address(&sender), eek_word_from_address(&self), amount};
    eek_word ok = abi_call_word(EEK_CALL, &t, SEL_TRANSFER_FROM, args, 3);
    if (!abi_word_is_true(&ok)) fail();
    eek_word s = deposit_slot(&sender);
    u256 d;
    if (u256_add(&d, eek_sload_u256(&s), u256_from_word(&amount))) fail();
    eek_sstore_u256(&s, d);
    emit(&DEPOSIT_TOPIC, &sender, &amount);
    abi_return_bool(1);
  }
  case SEL_WITHDRAW: {
    if (!abi_has_args(1)) fail();
    eek_word amount = abi_arg_word(0);
    eek_word s = deposit_slot(&sender);
    u256 d;
    if (u256_sub(&d, eek_sload_u256(&s), u256_from_word(&amount))) fail();
    eek_sstore_u256(&s, d);
    eek_address t = token();
    eek_word args[2] = {eek_word_from_address(&sender), amount};
    eek_word ok = abi_call_word(EEK_CALL, &t, SEL_TRANSFER, args, 2);
    if (!abi_word_is_true(&ok)) fail();
    emit(&WITHDRAWAL_TOPIC, &sender, &amount);
    abi_return_bool(1);
  }
  case SEL_DEPOSIT_OF: {
    if (!abi_has_args(1) || !abi_arg_address(0, &a)) fail();
    eek_word s = deposit_slot(&a);
    abi_return_u256(eek_sload_u256(&s));
  }
  case SEL_TOKEN: {
    eek_address t = token();
    abi_return_word(eek_word_from_address(&t));
  }
  case SEL_HELD: {
    eek_self(&self);
    eek_address t = token();
    eek_word arg = eek_word_from_address(&self);
    abi_return_word(abi_call_word(EEK_CALL_STATIC, &t, SEL_BALANCE_OF, &arg, 1));
  }
  default:
    fail();
  }
}
