use app::date::Date;
use app::profile::chart::*;

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

#[test]
fn points_are_spaced_in_time_and_scaled_in_value() {
    let g = geometry(&[
        (day("2026-03-01"), 72.0, None),
        (day("2026-01-01"), 70.0, None),
        (day("2026-02-28"), 71.0, None),
    ])
    .unwrap();
    assert_eq!((g.first_day, g.last_day), (day("2026-01-01"), day("2026-03-01")));
    let xs: Vec<f64> = g.points.iter().map(|p| p.0).collect();
    assert_eq!(xs[0], LEFT, "the oldest on the left");
    assert_eq!(xs[2], WIDTH - RIGHT, "the newest on the right");
    assert!(xs[1] > 300.0 && xs[1] < xs[2], "58 days of 59 are near the right: {xs:?}");
    let ys: Vec<f64> = g.points.iter().map(|p| p.1).collect();
    assert!(ys[0] > ys[1] && ys[1] > ys[2], "higher values higher up: {ys:?}");
    assert!(g.low < 70.0 && g.high > 72.0);
    assert_eq!(points_attribute(&g.points[..1]), format!("{LEFT},{}", ys[0]));
}

#[test]
fn one_point_a_flat_series_and_blood_pressure() {
    let one = geometry(&[(day("2026-05-01"), 5.4, None)]).unwrap();
    assert_eq!(one.points.len(), 1);
    assert!(one.low < 5.4 && one.high > 5.4);
    let pressure =
        geometry(&[(day("2026-05-01"), 130.0, Some(80.0)), (day("2026-05-08"), 120.0, Some(75.0))])
            .unwrap();
    assert_eq!(pressure.second.len(), 2);
    assert!(pressure.second[0].1 > pressure.points[0].1, "diastolic below systolic");
    assert!(geometry(&[]).is_none());
}
