//! Placeholder until the webhooks module lands.
fn main() {}
