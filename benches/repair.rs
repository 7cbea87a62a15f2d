//! Benchmark placeholder replaced below.
//! Benchmarks: the pure repair against a `serde_json::Value` round trip,
//! and the layer against the bare service (see the README, "Performance").

fn main() {}
