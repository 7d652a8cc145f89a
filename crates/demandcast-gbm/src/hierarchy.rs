//! M5 hierarchy categoricals for panels whose ids carry them.

use demandcast_core::Panel;

/// The panel with the M5 keys it lacks (`store_id`, `state_id`, ...) added
/// as statics, parsed from M5-style ids (`FOODS_3_090_CA_1`); `None` when
/// nothing is missing or the ids are not M5 ids. Long tables often carry
/// only some of the hierarchy (the reference harness' M5 files have
/// `item_id, dept_id, cat_id` and no store): the store is then a feature the
/// model would otherwise not see, although every id spells it out.
pub(crate) fn completed(panel: &Panel) -> Option<Panel> {
    let missing = demandcast_eval::hierarchy::missing_m5_statics(panel);
    if missing.is_empty() {
        return None;
    }
    let names: Vec<&str> = missing.iter().map(|(k, _)| *k).collect();
    tracing::info!(statics = ?names, "M5 hierarchy keys parsed from the series ids");
    let mut out = panel.clone();
    for (k, v) in missing {
        // with_static only fails on a length mismatch, which cannot happen:
        // the keys were parsed from this panel's ids, one per series
        out = out.with_static(k, v).ok()?;
    }
    Some(out)
}

/// [`completed`], or the panel itself when nothing was added.
pub(crate) fn complete(panel: Panel) -> Panel {
    completed(&panel).unwrap_or(panel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use demandcast_core::{Freq, NaiveDate};

    #[test]
    fn adds_the_keys_an_m5_panel_lacks() -> Result<(), Box<dyn std::error::Error>> {
        let d = NaiveDate::from_ymd_opt(2016, 1, 1).ok_or("date")?;
        let p = Panel::from_series(
            Freq::Daily,
            vec![
                ("FOODS_3_090_CA_1".into(), d, vec![1.0, 2.0]),
                ("HOBBIES_1_001_TX_2".into(), d, vec![0.0, 3.0]),
            ],
        )?
        .with_static(
            "item_id",
            vec!["FOODS_3_090".into(), "HOBBIES_1_001".into()],
        )?;
        let c = completed(&p).ok_or("nothing added")?;
        assert_eq!(c.static_col("item_id"), p.static_col("item_id"));
        assert_eq!(
            c.static_col("store_id"),
            Some(&["CA_1".to_string(), "TX_2".to_string()][..])
        );
        assert_eq!(
            c.static_col("state_id"),
            Some(&["CA".to_string(), "TX".to_string()][..])
        );
        assert_eq!(c.values(), p.values());
        // complete again: nothing left to add
        assert!(completed(&c).is_none());
        let other = Panel::from_series(Freq::Daily, vec![("sku-1".into(), d, vec![1.0])])?;
        assert!(completed(&other).is_none());
        Ok(())
    }
}
