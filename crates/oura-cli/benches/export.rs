//! Placeholder until the export benchmark lands.
fn main() {}
