//! Order constraints: minimum order quantity, pack size, capacity.

use crate::{DecideError, Result};
use serde::Serialize;

/// Limits on one order. The defaults order whole units with no other limit.
///
/// [`OrderConstraints::apply`] turns a wanted quantity into one that can be
/// placed, in this order:
/// 1. nothing wanted (`<= 0`) orders nothing;
/// 2. round *up* to a whole number of packs (better one pack too many than a
///    stock-out: the policy's level was already a minimum);
/// 3. raise to the minimum order quantity (rounded up to packs);
/// 4. cap at `max_order` and at `max_position - position` (shelf or
///    warehouse space), rounded *down* to packs;
/// 5. if the cap leaves less than the minimum order quantity, order nothing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OrderConstraints {
    /// Minimum order quantity (0: none).
    pub moq: f64,
    /// Orders are multiples of this (> 0; 1 = whole units).
    pub pack_size: f64,
    /// Largest single order (supplier or truck capacity).
    pub max_order: Option<f64>,
    /// Largest inventory position after ordering (shelf capacity).
    pub max_position: Option<f64>,
}

impl Default for OrderConstraints {
    fn default() -> Self {
        Self {
            moq: 0.0,
            pack_size: 1.0,
            max_order: None,
            max_position: None,
        }
    }
}

impl OrderConstraints {
    /// Checks the numbers.
    ///
    /// # Errors
    /// [`DecideError::Config`] for a pack size not > 0 or a negative limit.
    pub fn validate(&self) -> Result<()> {
        let bad = |v: f64| !(v.is_finite() && v >= 0.0);
        if !(self.pack_size.is_finite() && self.pack_size > 0.0)
            || bad(self.moq)
            || self.max_order.is_some_and(bad)
            || self.max_position.is_some_and(bad)
        {
            return Err(DecideError::Config(format!(
                "order constraints {self:?}: pack size must be > 0, the other limits >= 0"
            )));
        }
        Ok(())
    }

    /// The quantity to order for a wanted `raw` at inventory position `position`.
    pub fn apply(&self, raw: f64, position: f64) -> f64 {
        if raw.is_nan() || raw <= 0.0 {
            return 0.0;
        }
        let pack = self.pack_size;
        // tolerance so that 2.0000000001 packs does not become 3
        let up = |q: f64| ((q / pack) - 1e-9).ceil() * pack;
        let down = |q: f64| ((q / pack) + 1e-9).floor() * pack;
        let mut q = up(raw).max(up(self.moq));
        let mut cap = f64::INFINITY;
        if let Some(m) = self.max_order {
            cap = cap.min(m);
        }
        if let Some(m) = self.max_position {
            cap = cap.min(m - position);
        }
        if q > cap {
            q = down(cap.max(0.0));
        }
        if q < self.moq || q <= 0.0 {
            return 0.0;
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_in_order() {
        let c = OrderConstraints {
            moq: 12.0,
            pack_size: 6.0,
            max_order: Some(40.0),
            max_position: None,
        };
        assert_eq!(c.apply(-3.0, 0.0), 0.0);
        assert_eq!(c.apply(1.0, 0.0), 12.0); // MOQ
        assert_eq!(c.apply(13.0, 0.0), 18.0); // up to packs
        assert_eq!(c.apply(100.0, 0.0), 36.0); // capped, down to packs
        let shelf = OrderConstraints {
            max_position: Some(20.0),
            ..c
        };
        assert_eq!(shelf.apply(30.0, 10.0), 0.0); // room for 10 < MOQ 12
        assert_eq!(shelf.apply(30.0, 2.0), 18.0);
        assert_eq!(OrderConstraints::default().apply(2.2, 0.0), 3.0);
    }
}
