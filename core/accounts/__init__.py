"""Staff members, their roles, and the authenticated principal every use case receives."""
