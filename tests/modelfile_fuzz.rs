//! Fuzzing model files: the payload of a real model file mutated many times (seeded), each time
//! wrapped in a header with the right length and checksum, so every mutation reaches decoding
//! and checking. Loading, and generating from whatever loads, must end in success or a clean
//! error (exit code 2 for the command line): never a panic, an abort or a hang.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use dxsynth::NoProgress;
use dxsynth::modelfile;
use rand::{RngExt, SeedableRng};

/// A model file with `payload` and a recomputed header (length, checksum).
fn wrap(original: &[u8], payload: &[u8]) -> Vec<u8> {
    let writer = usize::from(original[12]);
    let header = 13 + writer;
    let mut bytes = original[..header].to_vec();
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let expanded = &original[header + 8..header + 16];
    bytes.extend_from_slice(expanded);
    let mut crc = crc32fast::Hasher::new();
    crc.update(&original[13..header]);
    crc.update(expanded);
    crc.update(payload);
    bytes.extend_from_slice(&crc.finalize().to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// Loads `bytes` and generates from them when they load; the exit code the command line
/// would give (0 or the error's).
fn load_and_generate(bytes: &[u8], out: &Path) -> i32 {
    let file = match modelfile::from_bytes(bytes) {
        Ok(file) => file,
        Err(_) => return 2, // Error::ModelFile
    };
    let options = dxsynth::GenerateOptions {
        seed: Some(1),
        ..Default::default()
    };
    match dxsynth::generate(&file.models, out, &options, &NoProgress) {
        Ok(_) => 0,
        Err(err) => exit_code(&err),
    }
}

#[test]
fn mutated_model_files_fail_cleanly() {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/shop.yaml");
    let options = dxsynth::TrainOptions {
        seed: Some(2),
        ..Default::default()
    };
    let models = dxsynth::train(&schema, &options, &NoProgress).expect("trains");
    let original = modelfile::to_bytes(&models).expect("encode");
    let payload_at = 13 + usize::from(original[12]) + 20;
    let payload = original[payload_at..].to_vec();
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
    let (mut loaded, mut refused) = (0, 0);
    for round in 0..200 {
        let mut mutated = payload.clone();
        for _ in 0..rng.random_range(1..=4) {
            let at = rng.random_range(0..mutated.len());
            match rng.random_range(0..4) {
                0 => mutated[at] = rng.random(),
                1 => mutated[at] ^= 1 << rng.random_range(0..8),
                2 => mutated[at] = [0, 1, 0x7f, 0x80, 0xff][rng.random_range(0..5)],
                _ => mutated[at] = mutated[at].wrapping_add(1),
            }
        }
        let bytes = wrap(&original, &mutated);
        let out = dir.path().join(format!("out{round}"));
        let (sender, receiver) = mpsc::channel();
        let worker = std::thread::spawn(move || {
            let code = load_and_generate(&bytes, &out);
            let _ = sender.send(code);
        });
        let code = match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(code) => code,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("round {round} hangs"),
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("round {round} panicked"),
        };
        worker.join().expect("no panic");
        assert!(code == 0 || code == 2, "round {round}: exit code {code}");
        if code == 0 {
            loaded += 1;
        } else {
            refused += 1;
        }
    }
    assert!(refused > 0, "mutations are noticed ({loaded} loaded)");
    println!("{loaded} mutated files loaded and generated, {refused} refused");
    assert_eq!(
        wrap(&original, &payload),
        original,
        "the header is rebuilt as written"
    );
}

/// The exit code the command line gives a library error: 2 for bad input, 1 otherwise.
fn exit_code(err: &dxsynth::Error) -> i32 {
    if err.is_bad_input() { 2 } else { 1 }
}
