//! OAuth2: authorize, exchange, refresh with rotation, revoke, and a self-refreshing client.
