"""Keys: the encrypted key store, Multikey / JWK encodings and DID documents."""
