"""testing/wallet.py: fresh keys and their addresses, made without eth-account, agree with eth-account."""

from __future__ import annotations

from eth_account import Account

from openclob.testing.wallet import checksum_address, new_private_key


def test_a_new_key_has_the_checksummed_address_eth_account_derives_from_it() -> None:
    keys = set()
    for _ in range(20):
        private_key, address = new_private_key()
        assert len(private_key) == 66 and private_key.startswith("0x")
        assert address == Account.from_key(private_key).address
        keys.add(private_key)
    assert len(keys) == 20


def test_checksum_address_takes_any_case_with_or_without_0x() -> None:
    # EIP-55's own test vectors
    for address in ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"):
        assert checksum_address(address.lower()) == address
        assert checksum_address(address.upper().removeprefix("0X")) == address
