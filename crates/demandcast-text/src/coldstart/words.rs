//! Word TF-IDF similarity between product titles, the lexical half of the
//! analogue search.
//!
//! MiniLM places titles by meaning and form ("BOX OF 6 MINI CRACKERS" lands
//! near other boxes), while a catalogue often says what a product *is* in one
//! shared word (CAKE CASES, WRAP, BEAKER). Averaging the MiniLM cosine with a
//! word TF-IDF cosine found better analogues on every Online Retail window
//! measured (BENCHMARKS.md, "Text and cold start").
//!
//! Words are maximal runs of ASCII letters and digits, lower-cased, kept when
//! they hold only letters and at least two of them (scikit-learn's
//! `token_pattern=r"\b[A-Za-z][A-Za-z]+\b"`: `25x24x12cm` and `50'S` give
//! nothing, `T-LIGHT` gives `light`); term weights are `1 + ln(tf)` times
//! `idf = 1 + ln((1 + n) / (1 + df))` over the `n` indexed titles; vectors
//! are L2-normalised. A query word that no title holds still counts in the
//! query's norm (with the largest idf), as if it had been indexed.

use std::collections::HashMap;

/// The titles holding a term, with the term's normalised weight in each.
type Postings = Vec<(usize, f64)>;

/// TF-IDF vectors of a set of titles, searchable by cosine similarity.
#[derive(Debug, Clone, Default)]
pub struct WordIndex {
    /// Term -> (idf, postings of (title, normalised weight)).
    terms: HashMap<String, (f64, Postings)>,
    /// Number of titles.
    n: usize,
}

/// The words of a title (see the module docs).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 2 && w.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Sublinear term frequencies of a title's words.
fn term_counts(text: &str) -> HashMap<String, f64> {
    let mut tf: HashMap<String, f64> = HashMap::new();
    for w in words(text) {
        *tf.entry(w).or_insert(0.0) += 1.0;
    }
    for v in tf.values_mut() {
        *v = 1.0 + v.ln();
    }
    tf
}

impl WordIndex {
    /// Indexes `titles` (the analogue pool's, in pool order).
    pub fn new<S: AsRef<str>>(titles: &[S]) -> Self {
        let docs: Vec<HashMap<String, f64>> =
            titles.iter().map(|t| term_counts(t.as_ref())).collect();
        let n = docs.len();
        let mut df: HashMap<&str, usize> = HashMap::new();
        for d in &docs {
            for w in d.keys() {
                *df.entry(w.as_str()).or_insert(0) += 1;
            }
        }
        let idf = |c: usize| 1.0 + ((1.0 + n as f64) / (1.0 + c as f64)).ln();
        let idf: HashMap<String, f64> = df.iter().map(|(w, c)| (w.to_string(), idf(*c))).collect();
        let mut terms: HashMap<String, (f64, Postings)> = HashMap::new();
        for (i, d) in docs.iter().enumerate() {
            let norm = d
                .iter()
                .map(|(w, tf)| (tf * idf.get(w).copied().unwrap_or(1.0)).powi(2))
                .sum::<f64>()
                .sqrt();
            if norm <= 0.0 {
                continue;
            }
            for (w, tf) in d {
                let g = idf.get(w).copied().unwrap_or(1.0);
                terms
                    .entry(w.clone())
                    .or_insert_with(|| (g, Vec::new()))
                    .1
                    .push((i, tf * g / norm));
            }
        }
        Self { terms, n }
    }

    /// Number of indexed titles.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether no title is indexed.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Cosine similarity of `text` with every indexed title (zeros when
    /// they share no word).
    pub fn similarities(&self, text: &str) -> Vec<f64> {
        let mut s = vec![0.0; self.n];
        let q = term_counts(text);
        let unseen = 1.0 + (1.0 + self.n as f64).ln();
        let weights: Vec<(Option<&Postings>, f64)> = q
            .iter()
            .map(|(w, tf)| match self.terms.get(w) {
                Some((g, post)) => (Some(post), tf * g),
                None => (None, tf * unseen),
            })
            .collect();
        let norm = weights.iter().map(|(_, x)| x * x).sum::<f64>().sqrt();
        if norm <= 0.0 {
            return s;
        }
        for (post, x) in weights {
            for &(i, v) in post.into_iter().flatten() {
                s[i] += x / norm * v;
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_follow_the_sklearn_pattern() {
        assert_eq!(
            words("WRAP 50'S  CHRISTMAS"),
            vec!["wrap".to_string(), "christmas".to_string()]
        );
        assert_eq!(
            words("THE KING GIFT BAG 25x24x12cm"),
            vec!["the", "king", "gift", "bag"]
        );
        assert_eq!(
            words("WHITE T-LIGHT HOLDER"),
            vec!["white", "light", "holder"]
        );
    }

    #[test]
    fn cosine_matches_a_hand_computation() {
        // Titles: {cake, cases}, {cake, tin}, {red, mug}; n = 3.
        // idf(cake) = 1 + ln(4/3), idf(cases) = idf(tin) = idf(red) = idf(mug) = 1 + ln 2.
        let ix = WordIndex::new(&["CAKE CASES", "CAKE TIN", "RED MUG"]);
        let (a, b) = (1.0 + (4.0f64 / 3.0).ln(), 1.0 + 2.0f64.ln());
        let s = ix.similarities("cake cases");
        assert!((s[0] - 1.0).abs() < 1e-12);
        // cos({cake, cases}, {cake, tin}) = a^2 / (a^2 + b^2).
        assert!((s[1] - a * a / (a * a + b * b)).abs() < 1e-12);
        assert_eq!(s[2], 0.0);
        // An unseen word (idf 1 + ln 4) lowers the similarity through the norm.
        let c = 1.0 + 4.0f64.ln();
        let s = ix.similarities("CAKE BOX");
        let want = a / (a * a + c * c).sqrt() * a / (a * a + b * b).sqrt();
        assert!((s[0] - want).abs() < 1e-12, "{} vs {want}", s[0]);
        // Repeated words count sublinearly; empty text matches nothing.
        assert_eq!(ix.similarities("12 34"), vec![0.0; 3]);
        assert_eq!(ix.len(), 3);
    }
}
