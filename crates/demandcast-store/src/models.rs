//! Fitted models kept in the store: a model is a folder of files (a
//! LightGBM model's `model.json` and boosters), stored as blobs under a
//! name, and written back into a folder to forecast with.

use crate::{Error, Result, Store};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::path::Path;

/// A stored model, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    /// Its name.
    pub name: String,
    /// When it was stored (UTC, RFC 3339).
    pub created: String,
    /// The model family (`lightgbm`).
    pub kind: String,
    /// One line about it (what it was fitted on).
    pub summary: String,
    /// Number of files.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

impl Store {
    /// Stores the files of folder `dir` (not its subfolders) as model
    /// `name`, replacing a model of that name, in one transaction; returns
    /// the number of files.
    ///
    /// # Errors
    /// [`Error::Io`] naming a file that cannot be read, [`Error::Sql`].
    pub fn put_model(
        &mut self,
        name: &str,
        kind: &str,
        summary: &str,
        dir: &Path,
    ) -> Result<usize> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            let path = entry.path();
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            files.push((entry.file_name().to_string_lossy().into_owned(), bytes));
        }
        files.sort();
        let sql = Error::sql(&self.file);
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute("DELETE FROM models WHERE name = ?1", params![name])
            .map_err(sql)?;
        tx.execute(
            "INSERT INTO models (name, kind, summary) VALUES (?1, ?2, ?3)",
            params![name, kind, summary],
        )
        .map_err(sql)?;
        for (path, bytes) in &files {
            tx.execute(
                "INSERT INTO model_files (model, path, bytes) VALUES (?1, ?2, ?3)",
                params![name, path, bytes],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        tracing::info!(model = name, files = files.len(), "model stored");
        Ok(files.len())
    }

    /// Writes model `name`'s files into folder `dir` (created if missing;
    /// each file through a temporary one, so a reader never sees half a
    /// file); `None` when there is no such model.
    ///
    /// # Errors
    /// [`Error::Io`] naming the file that cannot be written, [`Error::Sql`].
    pub fn get_model(&self, name: &str, dir: &Path) -> Result<Option<usize>> {
        let known: Option<String> = self
            .conn
            .query_row(
                "SELECT name FROM models WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        if known.is_none() {
            return Ok(None);
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut st = self
            .conn
            .prepare("SELECT path, bytes FROM model_files WHERE model = ?1 ORDER BY path")
            .map_err(|e| self.sql(e))?;
        let rows = st
            .query_map(params![name], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(|e| self.sql(e))?;
        let mut n = 0;
        for row in rows {
            let (rel, bytes) = row.map_err(|e| self.sql(e))?;
            // Names were single path components when stored; refuse others.
            if rel.contains(['/', '\\']) || rel == ".." {
                return Err(Error::BadModelFile {
                    path: self.file.clone(),
                    model: name.to_string(),
                    file: rel,
                });
            }
            let target = dir.join(&rel);
            let tmp = dir.join(format!(".{rel}.partial-{}", std::process::id()));
            std::fs::write(&tmp, &bytes).map_err(io(&tmp))?;
            std::fs::rename(&tmp, &target).map_err(io(&target))?;
            n += 1;
        }
        Ok(Some(n))
    }

    /// Every stored model, by name.
    ///
    /// # Errors
    /// [`Error::Sql`].
    pub fn models(&self) -> Result<Vec<ModelSummary>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT m.name, m.created, m.kind, m.summary, count(f.path), coalesce(sum(length(f.bytes)), 0)
                 FROM models m LEFT JOIN model_files f ON f.model = m.name
                 GROUP BY m.name ORDER BY m.name",
            )
            .map_err(|e| self.sql(e))?;
        let rows = st
            .query_map([], |r| {
                Ok(ModelSummary {
                    name: r.get(0)?,
                    created: r.get(1)?,
                    kind: r.get(2)?,
                    summary: r.get(3)?,
                    files: r.get::<_, i64>(4)?.max(0) as usize,
                    bytes: r.get::<_, i64>(5)?.max(0) as u64,
                })
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.sql(e))
    }
}
