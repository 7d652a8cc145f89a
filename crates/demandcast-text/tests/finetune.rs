//! Fine-tuned text regression (`demandcast_text::finetune`): every trainable
//! weight gets a gradient (candle's fused LayerNorm and softmax would detach
//! the encoder silently; `crate::bert` avoids them), training learns a
//! text signal, and a saved regressor loads back to the same predictions.

mod common;

use demandcast_text::bert::LoraConfig;
use demandcast_text::finetune::{finetune, Example, FinetuneMode, FinetuneOptions, TextRegressor};
use demandcast_text::{EncoderOptions, TextEncoder};

/// Mugs sell ~e^5 units at launch, cushions ~e^2; the log price is noise.
fn examples() -> Vec<Example> {
    let colours = [
        "red", "blue", "green", "pink", "black", "white", "grey", "gold",
    ];
    let mut out = Vec::new();
    for (i, c) in colours.iter().enumerate() {
        for (kind, level) in [("enamel coffee mug", 5.0), ("velvet cushion cover", 2.0)] {
            out.push(Example {
                text: format!("{} {kind}", c.to_uppercase()).to_uppercase(),
                extra: vec![(1.0 + i as f32 * 0.1).ln()],
                target: level + 0.1 * (i % 3) as f32,
            });
        }
    }
    out
}

fn encoder() -> TextEncoder {
    TextEncoder::load(
        &common::model_dir(),
        EncoderOptions {
            threads: 2,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn every_trainable_weight_gets_a_gradient() {
    let enc = encoder();
    let ex = examples();
    let batch: Vec<&Example> = ex.iter().take(6).collect();
    for mode in [
        FinetuneMode::Full,
        FinetuneMode::Lora(LoraConfig::default()),
        FinetuneMode::Head,
    ] {
        let m = TextRegressor::new(&common::model_dir(), mode, &ex, 3).unwrap();
        let grads = m.loss(&enc, &batch).unwrap().backward().unwrap();
        let mut encoder_vars = 0;
        for (name, var) in m.names.iter().zip(&m.vars) {
            let g = grads
                .get(var.as_tensor())
                .unwrap_or_else(|| panic!("{mode:?}: no gradient reaches {name}"));
            let size = g
                .abs()
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            // LoRA's B matrices start at zero, so their A matrices get a
            // zero gradient on the first step; B must get one
            if !(name.starts_with("lora.") && name.contains("lora_a")) {
                assert!(size > 0.0, "{mode:?}: zero gradient for {name}");
            }
            if !name.starts_with("head.") {
                encoder_vars += 1;
            }
        }
        match mode {
            // every weight of the six layers, embeddings and LayerNorms included
            FinetuneMode::Full => assert!(encoder_vars > 90, "{encoder_vars}"),
            // query and value adapters of six layers, two matrices each
            FinetuneMode::Lora(_) => assert_eq!(encoder_vars, 24),
            FinetuneMode::Head => assert_eq!(encoder_vars, 0),
        }
    }
}

#[test]
fn lora_fine_tuning_learns_the_text_and_a_saved_regressor_predicts_the_same() {
    let enc = encoder();
    let ex = examples();
    let o = FinetuneOptions {
        mode: FinetuneMode::Lora(LoraConfig::default()),
        epochs: 6,
        batch_size: 8,
        lr_encoder: 1e-3,
        lr_head: 3e-3,
        validation_fraction: 0.25,
        patience: 6,
        ..Default::default()
    };
    let (model, reports) = finetune(&common::model_dir(), &enc, &ex, &o, &mut |_| {}).unwrap();
    assert!(!reports.is_empty());
    let first = reports[0].val_loss;
    let best = reports
        .iter()
        .map(|r| r.val_loss)
        .fold(f64::INFINITY, f64::min);
    assert!(best < first, "validation loss never improved: {reports:?}");

    // unseen colours: mugs must come out above cushions
    let new = |text: &str| Example {
        text: text.into(),
        extra: vec![0.0],
        target: 0.0,
    };
    let probe = vec![
        new("ORANGE ENAMEL COFFEE MUG"),
        new("ORANGE VELVET CUSHION COVER"),
        new("PURPLE ENAMEL COFFEE MUG"),
        new("PURPLE VELVET CUSHION COVER"),
    ];
    let p = model.predict(&enc, &probe).unwrap();
    assert!(p[0] > p[1] + 0.5 && p[2] > p[3] + 0.5, "{p:?}");

    let dir = tempfile::tempdir().unwrap();
    model.save(dir.path()).unwrap();
    let loaded = TextRegressor::load(&common::model_dir(), dir.path()).unwrap();
    let q = loaded.predict(&enc, &probe).unwrap();
    for (a, b) in p.iter().zip(&q) {
        assert!((a - b).abs() < 1e-5, "{p:?} vs {q:?}");
    }
    // a folder without a regressor is a clear error
    let empty = tempfile::tempdir().unwrap();
    let err = TextRegressor::load(&common::model_dir(), empty.path())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("regressor.json"), "{err}");
}
