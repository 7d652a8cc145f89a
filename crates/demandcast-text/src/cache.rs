//! An on-disk cache of text embeddings, keyed by SHA-256(model id, text).
//!
//! The format is a small binary file (magic, then `key[32] dim:u32 f32*dim`
//! records, little-endian) rather than Parquet: it is private to this crate,
//! read whole at start, and written whole through a temporary file and a
//! rename, so an interrupted run leaves the previous cache intact.

use crate::{Error, Result, TextEncoder};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"DCEMB01\n";
/// Save after this many newly embedded texts, so a long run that is
/// interrupted keeps most of its work.
const SAVE_EVERY: usize = 2048;

/// Embeddings by (model, text). Texts are embedded once per model: the key
/// hashes the model's fingerprint ([`TextEncoder::model_id`]) with the text.
#[derive(Debug, Default)]
pub struct EmbeddingCache {
    path: Option<PathBuf>,
    map: HashMap<[u8; 32], Vec<f32>>,
    dirty: bool,
}

/// The cache key of `text` under `model_id`.
pub fn cache_key(model_id: &str, text: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update((model_id.len() as u64).to_le_bytes());
    h.update(model_id.as_bytes());
    h.update(text.as_bytes());
    h.finalize().into()
}

impl EmbeddingCache {
    /// An empty cache that lives in memory only.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// Opens the cache at `path` (an absent file is an empty cache).
    ///
    /// # Errors
    /// [`Error::File`] for a file that is not a cache or is truncated.
    pub fn open(path: &Path) -> Result<Self> {
        let mut c = Self {
            path: Some(path.to_path_buf()),
            ..Self::default()
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(c),
            Err(e) => return Err(e.into()),
        };
        let bad = |m: &str| Error::File {
            file: path.to_path_buf(),
            message: format!("not a demandcast embedding cache ({m}); delete it to rebuild"),
        };
        let mut r = bytes.as_slice();
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic).map_err(|_| bad("too short"))?;
        if &magic != MAGIC {
            return Err(bad("wrong header"));
        }
        while !r.is_empty() {
            let mut key = [0u8; 32];
            let mut dim = [0u8; 4];
            r.read_exact(&mut key)
                .map_err(|_| bad("truncated record"))?;
            r.read_exact(&mut dim)
                .map_err(|_| bad("truncated record"))?;
            let dim = u32::from_le_bytes(dim) as usize;
            if r.len() < dim * 4 {
                return Err(bad("truncated vector"));
            }
            let (v, rest) = r.split_at(dim * 4);
            let v = v
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            c.map.insert(key, v);
            r = rest;
        }
        tracing::debug!(file = %path.display(), entries = c.map.len(), "embedding cache opened");
        Ok(c)
    }

    /// Number of cached vectors.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The cached vector of `text` under `model_id`.
    pub fn get(&self, model_id: &str, text: &str) -> Option<&[f32]> {
        self.map.get(&cache_key(model_id, text)).map(Vec::as_slice)
    }

    /// Stores a vector.
    pub fn insert(&mut self, model_id: &str, text: &str, v: Vec<f32>) {
        self.map.insert(cache_key(model_id, text), v);
        self.dirty = true;
    }

    /// Writes the cache (if it has a path and changed): to `path.tmp`, then renamed.
    ///
    /// # Errors
    /// I/O errors.
    pub fn save(&mut self) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if !self.dirty {
            return Ok(());
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("tmp");
        {
            let mut w = BufWriter::new(std::fs::File::create(&tmp)?);
            w.write_all(MAGIC)?;
            for (k, v) in &self.map {
                w.write_all(k)?;
                w.write_all(&(v.len() as u32).to_le_bytes())?;
                for x in v {
                    w.write_all(&x.to_le_bytes())?;
                }
            }
            w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        self.dirty = false;
        Ok(())
    }

    /// Embeddings of `texts` (one per text, in order): cached ones are reused,
    /// the others embedded once each (duplicates share one pass) and saved
    /// every few thousand. `progress(done, total_new)` reports the new ones.
    ///
    /// # Errors
    /// Encoder and I/O errors.
    pub fn embed_all(
        &mut self,
        encoder: &TextEncoder,
        texts: &[&str],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<Vec<f32>>> {
        let id = encoder.model_id().to_string();
        let mut todo: Vec<&str> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for t in texts {
            if self.get(&id, t).is_none() && seen.insert(*t) {
                todo.push(t);
            }
        }
        let total = todo.len();
        tracing::info!(
            texts = texts.len(),
            cached = texts.len() - total,
            to_embed = total,
            "embedding texts"
        );
        let mut done = 0;
        for chunk in todo.chunks(SAVE_EVERY) {
            let vs = encoder.embed_with_progress(chunk, &mut |n| progress(done + n, total))?;
            for (t, v) in chunk.iter().zip(vs) {
                self.insert(&id, t, v);
            }
            done += chunk.len();
            self.save()?;
        }
        texts
            .iter()
            .map(|t| {
                self.get(&id, t)
                    .map(<[f32]>::to_vec)
                    .ok_or_else(|| Error::Invalid(format!("no embedding for text '{t}'")))
            })
            .collect()
    }
}
