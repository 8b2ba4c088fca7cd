//! Criterion benchmarks of the plain-Rust core: the floor under every Python call.
//!
//! `hotp/value_at/*` is one HOTP value with the keyed HMAC state reused, as a `TOTP`
//! object does per `at()`; `hotp/code/*` adds rendering the decimal code; `one_shot/*` is
//! the whole core path of `TOTP(s).at(t)` (decode, key, value, code). The other groups time
//! secret decoding and otpauth URI building and parsing.
//! `benches/compare.py` reads `target/criterion/hotp_value_at/*/new/estimates.json`.
//!
//! Run with `cargo bench --bench hotp`.

use criterion::{criterion_group, criterion_main, Criterion};
use pyotp_rs::otp::{format_decimal, Algorithm, Key, LazyKey};
use pyotp_rs::secret::{self, MinLength};
use pyotp_rs::uri;
use std::hint::black_box;

/// The 32-character secret used by the Python comparison too.
const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// A timecode near the present, so the counter has realistic high bytes.
const COUNTER: u64 = 59_000_000;

const ALGORITHMS: [(&str, Algorithm); 3] = [
    ("sha1", Algorithm::Sha1),
    ("sha256", Algorithm::Sha256),
    ("sha512", Algorithm::Sha512),
];

fn keyed(algorithm: Algorithm) -> Key {
    let key =
        secret::decode_str(SECRET, MinLength::Pyotp).expect("the benchmark secret is valid base32");
    Key::new(algorithm, &key)
}

fn bench_value_at(c: &mut Criterion) {
    let mut group = c.benchmark_group("hotp_value_at");
    for (name, algorithm) in ALGORITHMS {
        let key = keyed(algorithm);
        group.bench_function(name, |b| {
            b.iter(|| key.value_at(black_box(COUNTER)));
        });
    }
    group.finish();
}

fn bench_code(c: &mut Criterion) {
    let mut group = c.benchmark_group("hotp_code");
    for (name, algorithm) in ALGORITHMS {
        let key = keyed(algorithm);
        group.bench_function(name, |b| {
            b.iter(|| format_decimal(key.value_at(black_box(COUNTER)), 6));
        });
    }
    group.finish();
}

fn bench_secret(c: &mut Criterion) {
    let mut group = c.benchmark_group("secret");
    group.bench_function("decode", |b| {
        b.iter(|| secret::decode_str(black_box(SECRET), MinLength::Pyotp));
    });
    group.bench_function("decode_and_key_sha1", |b| {
        b.iter(|| {
            secret::decode_str(black_box(SECRET), MinLength::Pyotp)
                .map(|key| Key::new(Algorithm::Sha1, &key))
        });
    });
    group.bench_function("random_base32", |b| {
        b.iter(|| secret::random_string(black_box(32), 32, secret::BASE32_ALPHABET));
    });
    group.finish();
}

/// The one-shot path of `TOTP(s).at(t)` as the library takes it: decode the base32 secret on
/// the stack into the key block boxed for the object, key the HMAC on the first value, the decimal
/// code. What a server pays per request when it builds from the stored secret.
fn bench_one_shot(c: &mut Criterion) {
    let mut group = c.benchmark_group("one_shot");
    for (name, algorithm) in ALGORITHMS {
        group.bench_function(name, |b| {
            b.iter(|| {
                secret::with_decoded_str(black_box(SECRET), MinLength::Pyotp, |raw| {
                    LazyKey::boxed(algorithm, raw)
                })
                .map(|mut key| format_decimal(key.truncated(&black_box(COUNTER).to_be_bytes()), 6))
            });
        });
    }
    group.finish();
}

fn bench_uri(c: &mut Criterion) {
    let parts = uri::UriParts {
        secret: SECRET.as_bytes(),
        name: b"alice@example.com",
        issuer: Some(b"Example Co"),
        ..uri::UriParts::default()
    };
    let built = uri::build(&parts);
    let mut group = c.benchmark_group("uri");
    group.bench_function("build", |b| {
        b.iter(|| uri::build(black_box(&parts)));
    });
    group.bench_function("parse", |b| {
        b.iter(|| uri::parse(black_box(&built), |text| text.parse::<i64>()));
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_value_at,
    bench_code,
    bench_one_shot,
    bench_secret,
    bench_uri
);
criterion_main!(benches);
