//! Compiles the contracts in `proto/` with protox (pure Rust: no protoc needed).

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "nudge/agent/v1/agent.proto",
    "nudge/workers/v1/reminders.proto",
    "nudge/sms/v1/sms_router.proto",
    "nudge/privacy/v1/privacy.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    let files: Vec<PathBuf> = PROTOS.iter().map(|p| root.join(p)).collect();
    let descriptors = protox::compile(&files, [&root])?;
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
