//! Webhooks: subscription management and receiving verified events.
