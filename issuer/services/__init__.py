"""Use cases of the issuer, without Flask: each takes Deps, flushes, and never commits."""
