//! The pure repair against what a user would hand-write: parse into
//! `serde_json::Value`, push `"none"`, serialise. Both validate the whole
//! document.
//!
//! `cargo bench --bench repair`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use oauth_metadata_repair::repair::Repairer;
use serde_json::Value;
use std::hint::black_box;
use std::path::PathBuf;

const FIELD: &str = "token_endpoint_auth_methods_supported";

/// The baseline: a `serde_json::Value` round trip.
fn value_round_trip(doc: &[u8]) -> Option<Vec<u8>> {
    let mut value: Value = serde_json::from_slice(doc).ok()?;
    let methods = value
        .as_object_mut()?
        .entry(FIELD)
        .or_insert_with(|| Value::from(vec!["client_secret_basic"]));
    let list = methods.as_array_mut()?;
    if list.iter().any(|m| m == "none") {
        return None;
    }
    list.push(Value::from("none"));
    serde_json::to_vec(&value).ok()
}

fn documents() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/discovery");
    let mut docs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .filter_map(|p| {
                    let name = p.file_stem()?.to_string_lossy().into_owned();
                    Some((name, std::fs::read(&p).ok()?))
                })
                .collect()
        })
        .unwrap_or_default();
    docs.sort();
    docs.push(("synthetic-64k".to_owned(), synthetic(64 * 1024)));
    docs
}

/// A pretty-printed document of about `size` bytes with realistic members.
fn synthetic(size: usize) -> Vec<u8> {
    let mut doc = String::from("{\n  \"issuer\": \"https://as.example.com\"");
    let mut i = 0;
    while doc.len() < size - 120 {
        doc.push_str(&format!(
            ",\n  \"extension_{i}_endpoint\": \"https://as.example.com/ext/{i}/{}\"",
            "x".repeat(i % 40)
        ));
        i += 1;
    }
    doc.push_str(
        ",\n  \"token_endpoint_auth_methods_supported\": [\n    \"client_secret_basic\"\n  ]\n}\n",
    );
    doc.into_bytes()
}

fn bench(c: &mut Criterion) {
    let repairer = Repairer::new();
    let mut group = c.benchmark_group("repair");
    for (name, doc) in documents() {
        group.throughput(Throughput::Bytes(doc.len() as u64));
        group.bench_with_input(BenchmarkId::new("layer", &name), &doc, |b, doc| {
            b.iter(|| repairer.repair(black_box(doc)).map(|r| r.into_bytes()).ok());
        });
        group.bench_with_input(BenchmarkId::new("serde_value", &name), &doc, |b, doc| {
            b.iter(|| value_round_trip(black_box(doc)));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
