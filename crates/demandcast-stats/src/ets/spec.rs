//! Model specifications: the component types and statsforecast's
//! three-letter model strings (`"ZZZ"`, `"AAdN"`, `"MAM"`...).

use demandcast_core::{Error, Result};
use std::fmt;

/// The form of one ETS component (statsforecast's `ets.Component`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// The component is absent (`N`).
    None,
    /// Additive (`A`).
    Additive,
    /// Multiplicative (`M`).
    Multiplicative,
}

impl Component {
    /// statsforecast's letter: `N`, `A` or `M`.
    pub fn letter(self) -> char {
        match self {
            Component::None => 'N',
            Component::Additive => 'A',
            Component::Multiplicative => 'M',
        }
    }

    pub(crate) fn is_some(self) -> bool {
        self != Component::None
    }
}

/// The components of one fitted ETS model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EtsComponents {
    /// Error: additive or multiplicative.
    pub error: Component,
    /// Trend: none, additive or multiplicative.
    pub trend: Component,
    /// Season: none, additive or multiplicative.
    pub season: Component,
    /// Whether the trend is damped.
    pub damped: bool,
}

impl EtsComponents {
    /// Compact name, e.g. `"AAdN"` (error, trend with `d` when damped, season).
    pub fn short(&self) -> String {
        let d = if self.damped { "d" } else { "" };
        format!(
            "{}{}{d}{}",
            self.error.letter(),
            self.trend.letter(),
            self.season.letter()
        )
    }

    /// statsforecast's `method` string, e.g. `"ETS(A,Ad,N)"`.
    pub fn method(&self) -> String {
        let d = if self.damped { "d" } else { "" };
        format!(
            "ETS({},{}{d},{})",
            self.error.letter(),
            self.trend.letter(),
            self.season.letter()
        )
    }

    /// statsforecast's 4-letter `components` string, e.g. `"AAND"` (the last
    /// letter is `D` when damped, `N` otherwise).
    pub fn statsforecast(&self) -> String {
        let d = if self.damped { 'D' } else { 'N' };
        format!(
            "{}{}{}{d}",
            self.error.letter(),
            self.trend.letter(),
            self.season.letter()
        )
    }
}

impl fmt::Display for EtsComponents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.short())
    }
}

/// One letter of a model string: a fixed component or `Z` (select it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    Fixed(Component),
    Auto,
}

impl Choice {
    /// The candidates this letter stands for, in statsforecast's loop order.
    pub(crate) fn candidates(self, auto: &[Component]) -> Vec<Component> {
        match self {
            Choice::Fixed(c) => vec![c],
            Choice::Auto => auto.to_vec(),
        }
    }
}

/// A parsed model string: error, trend and season letters, and the damping
/// implied by a `d` after the trend letter (`"AAdN"`), if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spec {
    pub error: Choice,
    pub trend: Choice,
    pub season: Choice,
    pub damped: Option<bool>,
}

fn letter(c: char, allowed: &str, what: &str, spec: &str) -> Result<Choice> {
    if !allowed.contains(c) {
        return Err(invalid(format!(
            "invalid {what} type '{c}' in model '{spec}'"
        )));
    }
    Ok(match c {
        'N' => Choice::Fixed(Component::None),
        'A' => Choice::Fixed(Component::Additive),
        'M' => Choice::Fixed(Component::Multiplicative),
        _ => Choice::Auto,
    })
}

pub(crate) fn invalid(reason: String) -> Error {
    Error::InvalidInput {
        model: "AutoETS".into(),
        reason,
    }
}

impl Spec {
    /// Parses statsforecast's model string: three letters, error in `AMZ`,
    /// trend and season in `NAMZ`; `"AAdN"`-style damped trends are accepted
    /// too. Combinations statsforecast forbids (`restrict=True`) are errors.
    pub(crate) fn parse(s: &str) -> Result<Spec> {
        let chars: Vec<char> = s.trim().chars().map(|c| c.to_ascii_uppercase()).collect();
        let (e, t, d, se) = match chars.as_slice() {
            [e, t, se] => (*e, *t, None, *se),
            [e, t, 'D', se] => (*e, *t, Some(true), *se),
            _ => {
                return Err(invalid(format!(
                    "model '{s}' must be three letters (error, trend, season), e.g. \"ZZZ\""
                )))
            }
        };
        let spec = Spec {
            error: letter(e, "AMZ", "error", s)?,
            trend: letter(t, "NAMZ", "trend", s)?,
            season: letter(se, "NAMZ", "season", s)?,
            damped: d,
        };
        if d.is_some() && spec.trend == Choice::Fixed(Component::None) {
            return Err(invalid(format!(
                "model '{s}': a damped trend needs a trend"
            )));
        }
        use Choice::Fixed;
        use Component::{Additive as A, Multiplicative as M};
        let forbidden = (spec.error == Fixed(A)
            && (spec.trend == Fixed(M) || spec.season == Fixed(M)))
            || (spec.error == Fixed(M) && spec.trend == Fixed(M) && spec.season == Fixed(A));
        if forbidden {
            return Err(invalid(format!("forbidden model combination '{s}'")));
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_model_strings() {
        let s = Spec::parse("zzz").unwrap();
        assert_eq!(s.error, Choice::Auto);
        assert_eq!(s.damped, None);
        let s = Spec::parse("AAdN").unwrap();
        assert_eq!(s.trend, Choice::Fixed(Component::Additive));
        assert_eq!(s.damped, Some(true));
        assert!(Spec::parse("ANM").is_err());
        assert!(Spec::parse("MMA").is_err());
        assert!(Spec::parse("AN").is_err());
        assert!(Spec::parse("XNN").is_err());
        assert!(Spec::parse("ANdN").is_err());
    }

    #[test]
    fn names() {
        let c = EtsComponents {
            error: Component::Additive,
            trend: Component::Additive,
            season: Component::None,
            damped: true,
        };
        assert_eq!(c.short(), "AAdN");
        assert_eq!(c.method(), "ETS(A,Ad,N)");
        assert_eq!(c.statsforecast(), "AAND");
    }
}
