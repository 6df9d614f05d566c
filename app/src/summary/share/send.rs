//! Making a share link: the summary and its FHIR bundle encrypted here, under a fresh key that
//! travels only in the link's fragment, then sent.

use crate::api::account::Secret;
use crate::client::{self, ApiFailure};
use crate::summary::Summary;
use crate::summary::link::{LinkCreated, NewLink, Payload};

/// A random UUID for the bundle, from the browser's CSPRNG.
fn new_uuid() -> String {
    use aes_gcm::aead::{OsRng, rand_core::RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    crate::summary::fhir::uuid_v4(bytes)
}

fn origin() -> String {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    {
        web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
    }
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    {
        String::new()
    }
}

/// Encrypts the summary and its bundle under a fresh key, sends the ciphertext, and returns the
/// link (the key in its fragment only).
pub async fn share(
    path: &str,
    csrf: &str,
    summary: &Summary,
    passcode: &str,
    days: u32,
    single_use: bool,
    english: bool,
) -> Result<String, ApiFailure> {
    let key = crate::summary::jwe::new_key();
    let json = serde_json::to_vec(summary).unwrap_or_default();
    let instant = crate::summary::fhir::instant(client::now_seconds());
    let bundle = coded_bundle(summary.clone(), new_uuid(), instant, english)
        .await
        .map_err(|_| ApiFailure::Network)?;
    let request = NewLink {
        jwe: crate::summary::jwe::encrypt(&key, &json),
        fhir_jwe: crate::summary::jwe::encrypt(&key, bundle.to_string().as_bytes()),
        passcode: (!passcode.trim().is_empty()).then(|| Secret::new(passcode.trim())),
        days,
        single_use,
    };
    let created: LinkCreated =
        client::post(path, &request, Some(csrf)).await?.ok_or(ApiFailure::Network)?;
    let payload = Payload {
        url: created.manifest_url,
        key: crate::summary::jwe::encode_key(&key),
        exp: created.expires_at,
        flag: Payload::flag_for(request.passcode.is_some(), days),
        label: "Carnet".into(),
        v: 1,
    };
    Ok(format!("{}/urgence.html#{}", origin(), payload.encode()))
}

crate::split_fn!(summary_bundle =>
    /// The IPS bundle, its treatments' substances coded by the medicines database (fetched
    /// here; without it, never fetched and offline now, their text only). Its code comes when a
    /// link is made, not with the page.
    async fn coded_bundle(
        summary: Summary,
        uuid: String,
        instant: String,
        english: bool,
    ) -> serde_json::Value {
        #[cfg(feature = "hydrate")]
        let medicines = crate::safety::on_device::medicines().await;
        #[cfg(not(feature = "hydrate"))]
        let medicines: Option<std::rc::Rc<crate::safety::medicines::Medicines>> = None;
        crate::summary::fhir::bundle(&summary, &uuid, &instant, english, medicines.as_deref())
    }
);
