//! Writes the `.pyi` stub of the compiled module: `cargo run --bin stub_gen`.

fn main() -> pyo3_stub_gen::Result<()> {
    pyotp_rs::stub_info()?.generate()?;
    Ok(())
}
