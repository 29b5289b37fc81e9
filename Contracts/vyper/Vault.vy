# pragma version ^0.4.0
# Token vault for the EVM, the twin of Contracts/examples/vault.c: holds deposits of one ERC-20
# token, whichever EE the token runs in (the example pairs it with the native RISC-V token, so
# every deposit and withdrawal is an EVM -> RISC-V call). Same ABI, events and failures as
# vault.c: anything that fails reverts with empty data.

from ethereum.ercs import IERC20

event Deposit:
    owner: indexed(address)
    amount: uint256

event Withdrawal:
    owner: indexed(address)
    amount: uint256

token: public(IERC20)
depositOf: public(HashMap[address, uint256])


@deploy
def __init__(token: IERC20):
    self.token = token


@external
def deposit(amount: uint256) -> bool:
    # The depositor approves the vault first; the token moves the amount to the vault.
    assert extcall self.token.transferFrom(msg.sender, self, amount)
    self.depositOf[msg.sender] += amount
    log Deposit(owner=msg.sender, amount=amount)
    return True


@external
def withdraw(amount: uint256) -> bool:
    self.depositOf[msg.sender] -= amount
    assert extcall self.token.transfer(msg.sender, amount)
    log Withdrawal(owner=msg.sender, amount=amount)
    return True


@view
@external
def held() -> uint256:
    # What the token says the vault holds (a static call into the token's EE).
    return staticcall self.token.balanceOf(self)
