//! [`ModelSpec`]: a model and its parameters, parsed from `name:p1:p2` strings
//! or deserialised from `{"model": "auto_ets", "season_length": 7}`.

use crate::{Error, ModelKind, Result};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// A model with its parameters. `None` parameters are resolved when the
/// model is built: season lengths from the data's frequency (or the user's
/// `--season-length`), `window_average`'s window from the season length.
///
/// The string form is `name[:param[:param]]` with names from
/// [`crate::MODELS`] (statsforecast class names are accepted too); the serde
/// form is internally tagged by `model`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)] // the fields are documented on the variants
pub enum ModelSpec {
    /// Last value repeated.
    Naive,
    /// Value one season ago repeated.
    SeasonalNaive {
        #[serde(default)]
        season_length: Option<usize>,
    },
    /// Mean of the whole history.
    HistoricAverage,
    /// Mean of the last `window_size` values (default: the season length).
    WindowAverage {
        #[serde(default)]
        window_size: Option<usize>,
    },
    /// Exponential smoothing; `spec` is statsforecast's `model` string (`ZZZ`).
    AutoEts {
        #[serde(default)]
        season_length: Option<usize>,
        #[serde(default = "default_ets_spec")]
        spec: String,
        #[serde(default)]
        damped: Option<bool>,
    },
    /// Standard theta.
    Theta {
        #[serde(default)]
        season_length: Option<usize>,
    },
    /// Optimised theta.
    OptimizedTheta {
        #[serde(default)]
        season_length: Option<usize>,
    },
    /// Dynamic theta.
    DynamicTheta {
        #[serde(default)]
        season_length: Option<usize>,
    },
    /// Dynamic optimised theta.
    DynamicOptimizedTheta {
        #[serde(default)]
        season_length: Option<usize>,
    },
    /// Best theta variant.
    AutoTheta {
        #[serde(default)]
        season_length: Option<usize>,
    },
    /// Croston, alpha = 0.1.
    CrostonClassic,
    /// Croston with optimised smoothing.
    CrostonOptimized,
    /// Syntetos-Boylan approximation.
    CrostonSba,
    /// ADIDA.
    Adida,
    /// IMAPA.
    Imapa,
    /// TSB with smoothing for demand size (`alpha_d`) and probability (`alpha_p`).
    Tsb {
        #[serde(default = "default_tsb_alpha")]
        alpha_d: f64,
        #[serde(default = "default_tsb_alpha")]
        alpha_p: f64,
    },
    /// Per-series automatic choice among the statistical models.
    Auto,
    /// Global LightGBM; `params` is `key=value,...` (`demandcast_gbm::GbmParams`).
    LightGbm {
        #[serde(default)]
        params: String,
    },
    /// The pretrained transformer; `adapter` is a fine-tuned adapter
    /// directory (from `demandcast finetune`), none for zero-shot.
    Tsfm {
        #[serde(default)]
        adapter: Option<String>,
        /// Daily data: multiply by each series' day-of-week index (`weekday=on`),
        /// or not (`off`); `None` = the model's default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        weekday: Option<bool>,
        /// Daily data: multiply by each series' benefit-day and event factors
        /// (`events=on`), or not (`off`); `None` = the model's default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        events: Option<bool>,
        /// Data with promotion columns: multiply by each series' promotion
        /// lifts (`promotions=on`), or not (`off`); `None` = the model's default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        promotions: Option<bool>,
        /// Conformalize the intervals on the last horizons of the history
        /// (`calibrate=on`) or not (`off`); `None` = the model's default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        calibrate: Option<bool>,
    },
    /// The weighted mean of the other models of the list, weights chosen on
    /// `windows` backtest windows (`None`: three) of the forecast horizon, or
    /// equal weights without a backtest (`ensemble:equal`).
    Ensemble {
        #[serde(default)]
        windows: Option<usize>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        equal: bool,
    },
}

fn default_ets_spec() -> String {
    "ZZZ".to_string()
}

fn default_tsb_alpha() -> f64 {
    0.1
}

impl ModelSpec {
    /// The model family.
    pub fn kind(&self) -> ModelKind {
        match self {
            ModelSpec::Naive => ModelKind::Naive,
            ModelSpec::SeasonalNaive { .. } => ModelKind::SeasonalNaive,
            ModelSpec::HistoricAverage => ModelKind::HistoricAverage,
            ModelSpec::WindowAverage { .. } => ModelKind::WindowAverage,
            ModelSpec::AutoEts { .. } => ModelKind::AutoEts,
            ModelSpec::Theta { .. } => ModelKind::Theta,
            ModelSpec::OptimizedTheta { .. } => ModelKind::OptimizedTheta,
            ModelSpec::DynamicTheta { .. } => ModelKind::DynamicTheta,
            ModelSpec::DynamicOptimizedTheta { .. } => ModelKind::DynamicOptimizedTheta,
            ModelSpec::AutoTheta { .. } => ModelKind::AutoTheta,
            ModelSpec::CrostonClassic => ModelKind::CrostonClassic,
            ModelSpec::CrostonOptimized => ModelKind::CrostonOptimized,
            ModelSpec::CrostonSba => ModelKind::CrostonSba,
            ModelSpec::Adida => ModelKind::Adida,
            ModelSpec::Imapa => ModelKind::Imapa,
            ModelSpec::Tsb { .. } => ModelKind::Tsb,
            ModelSpec::Auto => ModelKind::Auto,
            ModelSpec::LightGbm { .. } => ModelKind::LightGbm,
            ModelSpec::Tsfm { .. } => ModelKind::Tsfm,
            ModelSpec::Ensemble { .. } => ModelKind::Ensemble,
        }
    }

    /// The spec of `kind` with every parameter at its default.
    pub fn default_of(kind: ModelKind) -> ModelSpec {
        match kind {
            ModelKind::Naive => ModelSpec::Naive,
            ModelKind::SeasonalNaive => ModelSpec::SeasonalNaive {
                season_length: None,
            },
            ModelKind::HistoricAverage => ModelSpec::HistoricAverage,
            ModelKind::WindowAverage => ModelSpec::WindowAverage { window_size: None },
            ModelKind::AutoEts => ModelSpec::AutoEts {
                season_length: None,
                spec: default_ets_spec(),
                damped: None,
            },
            ModelKind::Theta => ModelSpec::Theta {
                season_length: None,
            },
            ModelKind::OptimizedTheta => ModelSpec::OptimizedTheta {
                season_length: None,
            },
            ModelKind::DynamicTheta => ModelSpec::DynamicTheta {
                season_length: None,
            },
            ModelKind::DynamicOptimizedTheta => ModelSpec::DynamicOptimizedTheta {
                season_length: None,
            },
            ModelKind::AutoTheta => ModelSpec::AutoTheta {
                season_length: None,
            },
            ModelKind::CrostonClassic => ModelSpec::CrostonClassic,
            ModelKind::CrostonOptimized => ModelSpec::CrostonOptimized,
            ModelKind::CrostonSba => ModelSpec::CrostonSba,
            ModelKind::Adida => ModelSpec::Adida,
            ModelKind::Imapa => ModelSpec::Imapa,
            ModelKind::Tsb => ModelSpec::Tsb {
                alpha_d: default_tsb_alpha(),
                alpha_p: default_tsb_alpha(),
            },
            ModelKind::Auto => ModelSpec::Auto,
            ModelKind::LightGbm => ModelSpec::LightGbm {
                params: String::new(),
            },
            ModelKind::Tsfm => ModelSpec::Tsfm {
                adapter: None,
                weekday: None,
                events: None,
                promotions: None,
                calibrate: None,
            },
            ModelKind::Ensemble => ModelSpec::Ensemble {
                windows: None,
                equal: false,
            },
        }
    }

    /// Parses a comma-separated list (`auto_ets,croston_sba,seasonal_naive:7`);
    /// `all` expands to every statistical model. Duplicates are an error,
    /// since each model becomes an output column.
    ///
    /// # Errors
    /// [`Error::UnknownModel`], [`Error::BadParameter`], [`Error::NoModels`]
    /// or [`Error::DuplicateModel`].
    pub fn parse_list(s: &str) -> Result<Vec<ModelSpec>> {
        let mut out: Vec<ModelSpec> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            // `lightgbm:objective=tweedie,power=1.1`: a `key=value` after a
            // lightgbm spec continues its parameters rather than naming a model.
            if let (Some(ModelSpec::LightGbm { params }), true) =
                (out.last(), part.contains('=') && !part.contains(':'))
            {
                let merged = if params.is_empty() {
                    part.to_string()
                } else {
                    format!("{params},{part}")
                };
                out.pop();
                out.push(lightgbm_spec(&merged)?);
                continue;
            }
            // Likewise `tsfm:adapter=DIR,weekday=off`.
            if let (Some(last @ ModelSpec::Tsfm { .. }), true) =
                (out.last(), part.contains('=') && !part.contains(':'))
            {
                let mut params = last.params();
                params.push(part.to_string());
                out.pop();
                out.push(format!("tsfm:{}", params.join(",")).parse::<ModelSpec>()?);
                continue;
            }
            if part.eq_ignore_ascii_case("all") {
                out.extend(ModelKind::statistical().map(ModelSpec::default_of));
            } else {
                out.push(part.parse()?);
            }
        }
        if out.is_empty() {
            return Err(Error::NoModels);
        }
        for (i, spec) in out.iter().enumerate() {
            if out[..i].contains(spec) {
                return Err(Error::DuplicateModel(spec.to_string()));
            }
        }
        Ok(out)
    }

    /// The parameters of the string form, in order (`["7", "ZZN"]`), as
    /// given; empty when all are defaults.
    fn params(&self) -> Vec<String> {
        let season = |s: &Option<usize>| s.iter().map(|v| v.to_string()).collect();
        match self {
            ModelSpec::SeasonalNaive { season_length }
            | ModelSpec::Theta { season_length }
            | ModelSpec::OptimizedTheta { season_length }
            | ModelSpec::DynamicTheta { season_length }
            | ModelSpec::DynamicOptimizedTheta { season_length }
            | ModelSpec::AutoTheta { season_length } => season(season_length),
            ModelSpec::WindowAverage { window_size } => season(window_size),
            ModelSpec::Ensemble { equal: true, .. } => vec!["equal".to_string()],
            ModelSpec::Ensemble { windows, .. } => season(windows),
            ModelSpec::AutoEts {
                season_length,
                spec,
                ..
            } => {
                let mut p: Vec<String> = season(season_length);
                if spec != "ZZZ" {
                    p.push(spec.clone());
                }
                p
            }
            ModelSpec::Tsb { alpha_d, alpha_p } => {
                if *alpha_d == default_tsb_alpha() && *alpha_p == default_tsb_alpha() {
                    Vec::new()
                } else {
                    vec![alpha_d.to_string(), alpha_p.to_string()]
                }
            }
            ModelSpec::LightGbm { params } if !params.is_empty() => vec![params.clone()],
            ModelSpec::Tsfm {
                adapter,
                weekday,
                events,
                promotions,
                calibrate,
            } => {
                let on_off = |b: bool| if b { "on" } else { "off" };
                let mut p = Vec::new();
                if let Some(dir) = adapter {
                    p.push(format!("adapter={dir}"));
                }
                if let Some(w) = weekday {
                    p.push(format!("weekday={}", on_off(*w)));
                }
                if let Some(e) = events {
                    p.push(format!("events={}", on_off(*e)));
                }
                if let Some(e) = promotions {
                    p.push(format!("promotions={}", on_off(*e)));
                }
                if let Some(c) = calibrate {
                    p.push(format!("calibrate={}", on_off(*c)));
                }
                p
            }
            _ => Vec::new(),
        }
    }

    /// The output column name: the statsforecast class name, followed by
    /// the parameters when `disambiguate` is set (`SeasonalNaive_14`), used
    /// when two specs of one family run together.
    pub fn column_name(&self, disambiguate: bool) -> String {
        let mut name = self.kind().class().to_string();
        if disambiguate {
            for p in self.params() {
                name.push('_');
                name.push_str(&p);
            }
        }
        name
    }
}

impl fmt::Display for ModelSpec {
    /// The string form, e.g. `seasonal_naive:7`; round-trips through `parse`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind().name())?;
        for p in self.params() {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

impl FromStr for ModelSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let mut parts = s.trim().split(':').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let params: Vec<&str> = parts.collect();
        let kind =
            ModelKind::from_name(name).ok_or_else(|| Error::UnknownModel(name.to_string()))?;
        let bad = |value: &str, reason: &str| Error::BadParameter {
            model: kind.name(),
            value: value.to_string(),
            reason: reason.to_string(),
            usage: format!("{}{}", kind.name(), kind.info().params),
        };
        let positive = |v: &str, what: &str| -> Result<usize> {
            match v.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(n),
                _ => Err(bad(v, &format!("{what} must be a whole number >= 1"))),
            }
        };
        if kind == ModelKind::LightGbm {
            let rest = s.trim().split_once(':').map_or("", |(_, r)| r.trim());
            return lightgbm_spec(rest);
        }
        if kind == ModelKind::Tsfm {
            // `tsfm:adapter=DIR,weekday=on|off,events=on|off,promotions=on|off,calibrate=on|off`;
            // the directory may itself contain `:`.
            let rest = s.trim().split_once(':').map_or("", |(_, r)| r.trim());
            let (mut adapter, mut weekday, mut events, mut calibrate) = (None, None, None, None);
            let mut promotions = None;
            for kv in rest.split(',').map(str::trim).filter(|kv| !kv.is_empty()) {
                match kv.split_once('=') {
                    Some(("adapter", dir)) if !dir.trim().is_empty() => {
                        adapter = Some(dir.trim().to_string());
                    }
                    Some(("weekday", "on")) => weekday = Some(true),
                    Some(("weekday", "off")) => weekday = Some(false),
                    Some(("events", "on")) => events = Some(true),
                    Some(("events", "off")) => events = Some(false),
                    Some(("promotions", "on")) => promotions = Some(true),
                    Some(("promotions", "off")) => promotions = Some(false),
                    Some(("calibrate", "on")) => calibrate = Some(true),
                    Some(("calibrate", "off")) => calibrate = Some(false),
                    _ => {
                        return Err(bad(
                            kv,
                            "the parameters are adapter=DIR, weekday=on|off, events=on|off, \
                             promotions=on|off and calibrate=on|off",
                        ))
                    }
                }
            }
            return Ok(ModelSpec::Tsfm {
                adapter,
                weekday,
                events,
                promotions,
                calibrate,
            });
        }
        let max_params = match kind {
            ModelKind::SeasonalNaive
            | ModelKind::WindowAverage
            | ModelKind::Theta
            | ModelKind::OptimizedTheta
            | ModelKind::DynamicTheta
            | ModelKind::DynamicOptimizedTheta
            | ModelKind::AutoTheta
            | ModelKind::Ensemble => 1,
            ModelKind::AutoEts | ModelKind::Tsb => 2,
            _ => 0,
        };
        if params.len() > max_params {
            return Err(bad(&params.join(":"), "too many parameters"));
        }
        // Only meaningful for the families whose one parameter is a season length.
        let season = || -> Result<Option<usize>> {
            params
                .first()
                .map(|v| positive(v, "the season length"))
                .transpose()
        };
        Ok(match kind {
            ModelKind::SeasonalNaive => ModelSpec::SeasonalNaive {
                season_length: season()?,
            },
            ModelKind::Theta => ModelSpec::Theta {
                season_length: season()?,
            },
            ModelKind::OptimizedTheta => ModelSpec::OptimizedTheta {
                season_length: season()?,
            },
            ModelKind::DynamicTheta => ModelSpec::DynamicTheta {
                season_length: season()?,
            },
            ModelKind::DynamicOptimizedTheta => ModelSpec::DynamicOptimizedTheta {
                season_length: season()?,
            },
            ModelKind::AutoTheta => ModelSpec::AutoTheta {
                season_length: season()?,
            },
            ModelKind::Ensemble => match params.first() {
                Some(v) if v.eq_ignore_ascii_case("equal") => ModelSpec::Ensemble {
                    windows: None,
                    equal: true,
                },
                Some(v) => ModelSpec::Ensemble {
                    windows: Some(positive(v, "the number of backtest windows")?),
                    equal: false,
                },
                None => ModelSpec::Ensemble {
                    windows: None,
                    equal: false,
                },
            },
            ModelKind::WindowAverage => ModelSpec::WindowAverage {
                window_size: match params.first() {
                    Some(v) => Some(positive(v, "the window size")?),
                    None => None,
                },
            },
            ModelKind::AutoEts => {
                // Either parameter may come alone: `auto_ets:7`, `auto_ets:ZZN`, `auto_ets:7:ZZN`.
                let mut season_length = None;
                let mut spec = default_ets_spec();
                for (i, p) in params.iter().enumerate() {
                    if p.chars().all(|c| c.is_ascii_digit()) && i == 0 {
                        season_length = Some(positive(p, "the season length")?);
                    } else if is_ets_spec(p) {
                        spec = p.to_ascii_uppercase();
                    } else {
                        return Err(bad(
                            p,
                            "expected a season length or an ETS model string such as ZZZ, ANN or MAM",
                        ));
                    }
                }
                ModelSpec::AutoEts {
                    season_length,
                    spec,
                    damped: None,
                }
            }
            ModelKind::Tsb => match params.as_slice() {
                [] => ModelSpec::default_of(ModelKind::Tsb),
                [d, p] => ModelSpec::Tsb {
                    alpha_d: unit(d).ok_or_else(|| bad(d, "alpha_d must be a number in (0, 1]"))?,
                    alpha_p: unit(p).ok_or_else(|| bad(p, "alpha_p must be a number in (0, 1]"))?,
                },
                _ => {
                    return Err(bad(
                        &params.join(":"),
                        "give both alpha_d and alpha_p, e.g. tsb:0.1:0.2",
                    ))
                }
            },
            other => ModelSpec::default_of(other),
        })
    }
}

/// A validated `lightgbm` spec (parameters checked now, not after loading data).
fn lightgbm_spec(params: &str) -> Result<ModelSpec> {
    demandcast_gbm::GbmParams::parse(params).map_err(|e| Error::BadParameter {
        model: "lightgbm",
        value: params.to_string(),
        reason: e.to_string(),
        usage: "lightgbm[:key=value,...]".into(),
    })?;
    Ok(ModelSpec::LightGbm {
        params: params.to_string(),
    })
}

fn unit(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| *v > 0.0 && *v <= 1.0)
}

fn is_ets_spec(s: &str) -> bool {
    let u = s.to_ascii_uppercase();
    let b = u.as_bytes();
    b.len() == 3
        && matches!(b[0], b'A' | b'M' | b'Z')
        && matches!(b[1], b'N' | b'A' | b'M' | b'Z')
        && matches!(b[2], b'N' | b'A' | b'M' | b'Z')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsfm_takes_an_adapter_and_a_weekday_switch(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let specs = ModelSpec::parse_list(
            "tsfm:adapter=a/b,weekday=off,events=off,promotions=off,calibrate=off",
        )?;
        assert_eq!(
            specs[0],
            ModelSpec::Tsfm {
                adapter: Some("a/b".into()),
                weekday: Some(false),
                events: Some(false),
                promotions: Some(false),
                calibrate: Some(false),
            }
        );
        assert_eq!(
            specs[0].params(),
            vec![
                "adapter=a/b",
                "weekday=off",
                "events=off",
                "promotions=off",
                "calibrate=off"
            ]
        );
        assert_eq!(
            ModelSpec::parse_list("tsfm")?[0].params(),
            Vec::<String>::new()
        );
        assert!(ModelSpec::parse_list("tsfm:weekday=maybe").is_err());
        assert!(ModelSpec::parse_list("tsfm:calibrate=yes").is_err());
        Ok(())
    }

    #[test]
    fn parses_the_documented_example() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let specs = ModelSpec::parse_list(
            "auto_ets,croston_sba,seasonal_naive:7,window_average:28,tsb:0.1:0.2,auto",
        )?;
        assert_eq!(specs.len(), 6);
        assert_eq!(
            specs[2],
            ModelSpec::SeasonalNaive {
                season_length: Some(7)
            }
        );
        assert_eq!(
            specs[3],
            ModelSpec::WindowAverage {
                window_size: Some(28)
            }
        );
        assert_eq!(
            specs[4],
            ModelSpec::Tsb {
                alpha_d: 0.1,
                alpha_p: 0.2
            }
        );
        assert_eq!(specs[5], ModelSpec::Auto);
        Ok(())
    }

    #[test]
    fn display_round_trips() -> std::result::Result<(), Box<dyn std::error::Error>> {
        for s in [
            "naive",
            "seasonal_naive:7",
            "auto_ets:7:ZZN",
            "auto_ets:ANN",
            "tsb:0.1:0.2",
            "tsb",
            "auto",
            "ensemble",
            "ensemble:2",
            "ensemble:equal",
        ] {
            let spec: ModelSpec = s.parse()?;
            assert_eq!(spec.to_string(), s);
            assert_eq!(spec.to_string().parse::<ModelSpec>()?, spec);
        }
        Ok(())
    }

    #[test]
    fn class_names_are_accepted() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let specs = ModelSpec::parse_list("AutoETS, CrostonSBA ,SeasonalNaive:12")?;
        assert_eq!(specs[0].kind(), ModelKind::AutoEts);
        assert_eq!(specs[1], ModelSpec::CrostonSba);
        assert_eq!(specs[2].column_name(false), "SeasonalNaive");
        assert_eq!(specs[2].column_name(true), "SeasonalNaive_12");
        Ok(())
    }

    #[test]
    fn lightgbm_parameters_may_contain_commas(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let specs =
            ModelSpec::parse_list("naive,lightgbm:objective=tweedie,power=1.2,rounds=50,tsb")?;
        assert_eq!(specs.len(), 3);
        assert_eq!(
            specs[1],
            ModelSpec::LightGbm {
                params: "objective=tweedie,power=1.2,rounds=50".into()
            }
        );
        assert_eq!(
            specs[1].to_string(),
            "lightgbm:objective=tweedie,power=1.2,rounds=50"
        );
        assert_eq!(specs[1].column_name(false), "LightGBM");
        assert!(ModelSpec::parse_list("lightgbm:objective=huber").is_err());
        assert!(ModelSpec::parse_list("lightgbm,colour=red").is_err());
        Ok(())
    }

    #[test]
    fn all_expands_to_statistical_models() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let specs = ModelSpec::parse_list("all")?;
        assert_eq!(specs.len(), 16);
        assert!(!specs.contains(&ModelSpec::Auto));
        Ok(())
    }

    #[test]
    fn errors_are_specific() {
        let e = ModelSpec::parse_list("naive,prophet").unwrap_err();
        assert!(matches!(&e, Error::UnknownModel(n) if n == "prophet"));
        assert!(e.to_string().contains("croston_sba"), "{e}");
        for bad in [
            "seasonal_naive:0",
            "seasonal_naive:x",
            "naive:3",
            "tsb:0.1",
            "tsb:2:0.1",
            "auto_ets:XYZ",
        ] {
            let e = bad.parse::<ModelSpec>().unwrap_err();
            assert!(matches!(e, Error::BadParameter { .. }), "{bad}: {e}");
        }
        assert!(matches!(ModelSpec::parse_list(" , "), Err(Error::NoModels)));
        assert!(matches!(
            ModelSpec::parse_list("naive,Naive"),
            Err(Error::DuplicateModel(_))
        ));
    }

    #[test]
    fn serde_form_is_tagged_by_model() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let spec: ModelSpec = serde_json::from_str(r#"{"model": "auto_ets", "season_length": 7}"#)?;
        assert_eq!(
            spec,
            ModelSpec::AutoEts {
                season_length: Some(7),
                spec: "ZZZ".into(),
                damped: None
            }
        );
        let json = serde_json::to_string(&ModelSpec::CrostonSba)?;
        assert_eq!(json, r#"{"model":"croston_sba"}"#);
        // a misspelt parameter is an error, not a silent default
        assert!(
            serde_json::from_str::<ModelSpec>(r#"{"model": "seasonal_naive", "season": 7}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<ModelSpec>(r#"{"model": "prophet"}"#).is_err());
        Ok(())
    }
}
