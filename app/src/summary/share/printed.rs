//! The printed card: the few critical lines and the link's QR code, in wallet size or A6.

use crate::summary::{Part, Summary};

/// The QR code of `text`, as SVG markup.
pub fn qr_svg(text: &str) -> String {
    qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(220, 220)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

/// The few lines the printed card carries: blood group, allergies, current treatments.
pub fn critical_lines(summary: &Summary, english: bool) -> Vec<String> {
    [Part::BloodGroup, Part::Allergies, Part::Medications]
        .into_iter()
        .filter_map(|part| summary.part(part))
        .flat_map(|part| part.items.iter().take(4))
        .map(|item| crate::summary::fhir::line(&item.entry, english))
        .collect()
}

pub fn print() {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}
