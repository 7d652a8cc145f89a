//! Pretrains from a JSON config without the CLI (for quick runs while
//! developing): `cargo run --release -p demandcast-neural --example
//! pretrain_quick -- CONFIG OUT_DIR [THREADS]`. `demandcast pretrain` is the
//! supported command.
#![allow(clippy::print_stderr)]

use demandcast_neural::train::{with_threads, TrainEvent};
use demandcast_neural::{pretrain, PretrainConfig};
use std::sync::atomic::AtomicBool;

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: pretrain_quick CONFIG OUT_DIR [THREADS]".into());
    }
    let cfg: PretrainConfig = serde_json::from_str(&std::fs::read_to_string(&args[1])?)?;
    let threads: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let out = std::path::PathBuf::from(&args[2]);
    let t0 = std::time::Instant::now();
    let stop = AtomicBool::new(false);
    let mut acc = (0f32, 0usize);
    let report = with_threads(threads, || {
        pretrain(
            &cfg,
            &out,
            true,
            &mut |e| match e {
                TrainEvent::Step { step, loss, lr } => {
                    acc.0 += loss;
                    acc.1 += 1;
                    if step % 10 == 0 {
                        eprintln!(
                            "step {step} loss {:.4} lr {lr:.2e} {:.0}s",
                            acc.0 / acc.1 as f32,
                            t0.elapsed().as_secs_f32()
                        );
                        acc = (0.0, 0);
                    }
                }
                TrainEvent::Validation { step, loss, best } => {
                    eprintln!("val step {step} loss {loss:.4} best {best}");
                }
            },
            &stop,
        )
    })?;
    eprintln!("done: {report:?} in {:.0}s", t0.elapsed().as_secs_f32());
    Ok(())
}
