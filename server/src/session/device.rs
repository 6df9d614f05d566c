//! The devices an account signs in from. A browser that logs in keeps a random token in a
//! long-lived cookie (`carnet_device`); the server keeps only its digest, so a login from a
//! browser without it is a new device, and its owner is told. A label read from the browser's
//! user agent ("Firefox, Android") names it in that message; it proves nothing.

use axum_extra::extract::cookie::{Cookie, CookieJar};
use sha2::{Digest, Sha256};

pub const COOKIE_NAME: &str = "carnet_device";
/// Browsers keep a cookie at most 400 days.
const COOKIE_DAYS: i64 = 400;

/// This browser's device token: the one it holds if it is well formed, or a new one (to set).
pub fn token(jar: &CookieJar) -> (String, bool) {
    match jar.get(COOKIE_NAME).map(Cookie::value) {
        Some(token) if token.len() == 43 && token.bytes().all(is_token_byte) => {
            (token.to_owned(), false)
        }
        _ => (super::new_token(), true),
    }
}

fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

pub fn digest(token: &str) -> [u8; 32] {
    Sha256::new().chain_update(b"carnet/device\0").chain_update(token).finalize().into()
}

pub fn cookie(token: String) -> Cookie<'static> {
    super::locked_cookie(COOKIE_NAME, token, time::Duration::days(COOKIE_DAYS))
}

/// "Firefox, Android": the browser and system a user agent names, as far as it says.
pub fn label(user_agent: Option<&str>) -> String {
    let agent = user_agent.unwrap_or("");
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(mark, _)| agent.contains(mark))
    .map(|(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(mark, _)| agent.contains(mark))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser}, {system}"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => "?".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_browser_and_the_system() {
        let firefox = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0";
        assert_eq!(label(Some(firefox)), "Firefox, Android");
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(label(Some(chrome)), "Chrome, Linux");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(label(Some(safari)), "Safari, iOS");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like \
                    Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(label(Some(edge)), "Edge, Windows");
        assert_eq!(label(Some("curl/8.5.0")), "?");
        assert_eq!(label(None), "?");
    }

    #[test]
    fn only_a_well_formed_token_is_kept() {
        let jar = CookieJar::new().add(Cookie::new(COOKIE_NAME, "short"));
        assert!(token(&jar).1, "replaced");
        let good = super::super::new_token();
        let jar = CookieJar::new().add(Cookie::new(COOKIE_NAME, good.clone()));
        assert_eq!(token(&jar), (good, false));
    }
}
