//! Trend charts of measurements, drawn as SVG by the app: this module computes the geometry
//! (pure, testable), the page draws it. Time runs left to right in proportion to the days
//! between measurements; the value axis spans the values with a margin, so a flat series is
//! still readable.

use crate::date::Date;

/// Drawing area in SVG user units (the `viewBox`); the SVG scales to its container.
pub const WIDTH: f64 = 320.0;
pub const HEIGHT: f64 = 160.0;
/// Room left for the value labels on the left and the dates below.
pub const LEFT: f64 = 44.0;
pub const BOTTOM: f64 = 24.0;
const TOP: f64 = 10.0;
pub const RIGHT: f64 = 10.0;

/// One series of points, already placed in the drawing area.
#[derive(Clone, Debug, PartialEq)]
pub struct Geometry {
    /// `x,y` pairs for a `<polyline points=…>`, oldest first.
    pub points: Vec<(f64, f64)>,
    /// The second series (diastolic pressure), when there is one.
    pub second: Vec<(f64, f64)>,
    /// The values at the bottom and at the top of the value axis.
    pub low: f64,
    pub high: f64,
    pub first_day: Date,
    pub last_day: Date,
}

/// Places measurements `(day, value, second value)` in the drawing area, sorted by day. `None`
/// with no point at all.
pub fn geometry(measurements: &[(Date, f64, Option<f64>)]) -> Option<Geometry> {
    let mut sorted = measurements.to_vec();
    sorted.sort_by_key(|(day, ..)| *day);
    let (first, last) = (sorted.first()?.0, sorted.last()?.0);
    let values = sorted.iter().flat_map(|(_, v, s)| std::iter::once(*v).chain(*s));
    let (mut low, mut high) =
        values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    // A margin of a tenth of the span (or of the value, for a flat series).
    let margin = ((high - low) * 0.1).max(high.abs() * 0.05).max(0.5);
    low -= margin;
    high += margin;
    let span_days = (last.day_number() - first.day_number()).max(1) as f64;
    let place = |day: Date, value: f64| {
        let x = if first == last {
            LEFT + (WIDTH - LEFT - RIGHT) / 2.0
        } else {
            LEFT + (day.day_number() - first.day_number()) as f64 / span_days
                * (WIDTH - LEFT - RIGHT)
        };
        let y = TOP + (high - value) / (high - low) * (HEIGHT - TOP - BOTTOM);
        (round(x), round(y))
    };
    Some(Geometry {
        points: sorted.iter().map(|(day, value, _)| place(*day, *value)).collect(),
        second: sorted
            .iter()
            .filter_map(|(day, _, second)| second.map(|s| place(*day, s)))
            .collect(),
        low,
        high,
        first_day: first,
        last_day: last,
    })
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// `x,y x,y …` for an SVG `points` attribute.
pub fn points_attribute(points: &[(f64, f64)]) -> String {
    points.iter().map(|(x, y)| format!("{x},{y}")).collect::<Vec<_>>().join(" ")
}
