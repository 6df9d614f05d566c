//! The insurer's batches: any bytes, read as a FHIR R4 `batch` line by line. Never a panic;
//! each entry a line or a refusal.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(lines) = server::feed::fhir::read_bundle(data, 10_000) {
        for line in lines {
            let _ = line;
        }
    }
});
