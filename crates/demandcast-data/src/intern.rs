//! Dictionary-encoded text columns: one code per row, each distinct value
//! stored once in an arena. Ids, dates and text covariates repeat a lot in
//! long-format files, so values are parsed once per distinct value and rows
//! cost a hash lookup (usually skipped: the last value is cached).

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// Distinct byte strings, numbered in order of first appearance.
#[derive(Default)]
pub(crate) struct Interner {
    bytes: Vec<u8>,
    offs: Vec<usize>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl Interner {
    pub(crate) fn new() -> Self {
        Self {
            offs: vec![0],
            ..Default::default()
        }
    }

    /// Number of distinct values.
    pub(crate) fn len(&self) -> usize {
        self.offs.len().saturating_sub(1)
    }

    /// The value with this code (empty for an unknown code).
    pub(crate) fn get(&self, code: u32) -> &[u8] {
        let k = code as usize;
        match (self.offs.get(k), self.offs.get(k + 1)) {
            (Some(&a), Some(&b)) => self.bytes.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The code of `v`, adding it if new.
    pub(crate) fn intern(&mut self, v: &[u8]) -> u32 {
        let Self {
            bytes,
            offs,
            table,
            hasher,
        } = self;
        let h = hasher.hash_one(v);
        let slice = |offs: &[usize], c: u32| -> std::ops::Range<usize> {
            let k = c as usize;
            offs[k]..offs[k + 1]
        };
        if let Some(&c) = table.find(h, |&c| &bytes[slice(offs, c)] == v) {
            return c;
        }
        let c = (offs.len() - 1) as u32;
        bytes.extend_from_slice(v);
        offs.push(bytes.len());
        table.insert_unique(h, c, |&c| hasher.hash_one(&bytes[slice(offs, c)]));
        c
    }
}

/// A text column: per-row codes into an [`Interner`].
pub(crate) struct TextCol {
    pub(crate) codes: Vec<u32>,
    pub(crate) dict: Interner,
    last: Option<u32>,
}

impl TextCol {
    pub(crate) fn new() -> Self {
        Self {
            codes: Vec::new(),
            dict: Interner::new(),
            last: None,
        }
    }

    /// Appends one value.
    pub(crate) fn push(&mut self, v: &[u8]) {
        let c = match self.last {
            Some(c) if self.dict.get(c) == v => c,
            _ => {
                let c = self.dict.intern(v);
                self.last = Some(c);
                c
            }
        };
        self.codes.push(c);
    }

    /// Appends a value already known by its code (from [`TextCol::code_of`]).
    pub(crate) fn push_code(&mut self, c: u32) {
        self.codes.push(c);
    }

    /// The code of a value, adding it to the dictionary if new.
    pub(crate) fn code_of(&mut self, v: &[u8]) -> u32 {
        self.dict.intern(v)
    }

    /// The value of a code as text; invalid UTF-8 is read as Latin-1
    /// (`bool` = whether that happened).
    pub(crate) fn text(&self, code: u32) -> (String, bool) {
        decode(self.dict.get(code))
    }

    /// Number of rows of each code.
    pub(crate) fn counts(&self) -> Vec<usize> {
        let mut n = vec![0usize; self.dict.len()];
        for &c in &self.codes {
            if let Some(x) = n.get_mut(c as usize) {
                *x += 1;
            }
        }
        n
    }

    /// The first row of each code (`usize::MAX` if none).
    #[cfg(test)]
    pub(crate) fn first_rows(&self) -> Vec<usize> {
        let mut f = vec![usize::MAX; self.dict.len()];
        for (r, &c) in self.codes.iter().enumerate() {
            if let Some(x) = f.get_mut(c as usize) {
                if *x == usize::MAX {
                    *x = r;
                }
            }
        }
        f
    }
}

/// UTF-8, or Latin-1 when the bytes are not valid UTF-8 (spreadsheet exports
/// in Windows encodings); the flag says whether the fallback was used.
pub(crate) fn decode(b: &[u8]) -> (String, bool) {
    match std::str::from_utf8(b) {
        Ok(s) => (s.to_string(), false),
        Err(_) => (b.iter().map(|&c| c as char).collect(), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_in_order() {
        let mut t = TextCol::new();
        for v in ["a", "b", "a", "a", "", "c", "b"] {
            t.push(v.as_bytes());
        }
        assert_eq!(t.codes, vec![0, 1, 0, 0, 2, 3, 1]);
        assert_eq!(t.dict.len(), 4);
        assert_eq!(t.text(3).0, "c");
        assert_eq!(t.counts(), vec![3, 2, 1, 1]);
        assert_eq!(t.first_rows(), vec![0, 1, 4, 5]);
        assert_eq!(decode(b"caf\xe9"), ("café".to_string(), true));
        // many values force the table to grow
        let mut i = Interner::new();
        for k in 0..10_000 {
            assert_eq!(i.intern(format!("v{k}").as_bytes()), k);
        }
        assert_eq!(i.intern(b"v1234"), 1234);
        assert_eq!(i.get(99_999), b"");
    }
}
