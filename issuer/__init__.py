"""The issuer: back office and issuer API of a certification body (blueprint + use cases)."""
