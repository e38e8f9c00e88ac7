"""Bitstring Status List: encoding, allocation of indexes, the status list credential."""
