//! The encoder against sentence-transformers' reference vectors
//! (`golden_embeddings.json` next to the weights: 3 product titles, their
//! token ids and 384-d embeddings from PyTorch, rounded to 7 decimals).

mod common;

use demandcast_text::{EmbeddingCache, EncoderOptions, TextEncoder};
use serde_json::Value;

fn golden() -> (Vec<String>, Vec<Vec<u32>>, Vec<Vec<f64>>) {
    let path = common::model_dir().join("golden_embeddings.json");
    let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let texts = v["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    let ids = v["input_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as u32)
                .collect()
        })
        .collect();
    let emb = v["embeddings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    (texts, ids, emb)
}

fn encoder(batch_size: usize) -> TextEncoder {
    let opts = EncoderOptions {
        threads: 1,
        batch_size,
        ..Default::default()
    };
    TextEncoder::load(&common::model_dir(), opts).unwrap()
}

#[test]
fn matches_sentence_transformers() {
    let (texts, ids, want) = golden();
    // Batch of 3 with padding to the longest, and one at a time: padding must not change results.
    for bs in [3, 1] {
        let enc = encoder(bs);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        for (t, id) in texts.iter().zip(&ids) {
            assert_eq!(&enc.token_ids(t).unwrap(), id, "token ids of '{t}'");
        }
        let got = enc.embed(&refs).unwrap();
        assert_eq!(got.len(), 3);
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.len(), 384);
            let maxdiff = g
                .iter()
                .zip(w)
                .map(|(a, b)| (*a as f64 - b).abs())
                .fold(0.0, f64::max);
            assert!(maxdiff < 2e-6, "batch {bs}: max |diff| {maxdiff}");
            let norm: f32 = g.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5);
        }
    }
}

#[test]
fn cache_reuses_vectors_and_survives_reopen() {
    let (texts, _, want) = golden();
    let enc = encoder(8);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("emb.cache");
    let refs: Vec<&str> = vec![&texts[0], &texts[1], &texts[0]];
    let mut c = EmbeddingCache::open(&path).unwrap();
    let mut calls = Vec::new();
    let v = c
        .embed_all(&enc, &refs, &mut |d, t| calls.push((d, t)))
        .unwrap();
    // Two distinct texts embedded, the duplicate shares its vector.
    assert_eq!(calls.last(), Some(&(2, 2)));
    assert_eq!(v[0], v[2]);
    assert!((v[1][0] as f64 - want[1][0]).abs() < 2e-6);
    let mut c2 = EmbeddingCache::open(&path).unwrap();
    assert_eq!(c2.len(), 2);
    let mut n_new = usize::MAX;
    let v2 = c2.embed_all(&enc, &refs, &mut |_, t| n_new = t).unwrap();
    assert_eq!(v2, v);
    assert_eq!(n_new, usize::MAX, "nothing re-embedded");
    // Another model id does not see these vectors.
    assert!(c2.get("other-model", &texts[0]).is_none());
}
