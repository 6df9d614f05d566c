//! Identifiers as types. Each is the text the database stores, but a function that wants an
//! account cannot be handed a document's id by mistake: the compiler refuses it. They read as
//! text (`Deref<Target = str>`) wherever text is wanted: a log field, a digest, an answer on the
//! wire. A professional is named by `app::directory::Rpps`, which also checks its digits.
//!
//! They are read from a path as text (`Path<AccountId>`). Making one from text checks nothing:
//! an identifier that comes from a client is only ever looked up, and one that names nothing is
//! not found.

pub use app::directory::Rpps;

macro_rules! ids {
    ($($(#[$meta:meta])* $name:ident;)*) => {$(
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[derive(sqlx::Type, serde::Serialize, serde::Deserialize)]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(text: impl Into<String>) -> Self {
                Self(text.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                Self(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self(text.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
    )*};
}

ids! {
    /// An account: a patient's, a representative's, a represented person's (32 hex digits).
    AccountId;
    /// A document of a record, whatever its version (32 hex digits).
    DocumentId;
    /// A deposit under way or done: one version of a document, received in chunks.
    UploadId;
    /// An entry of the health profile (an allergy, a treatment, …), whatever its version.
    EntryId;
    /// An episode of care, which documents and profile entries are tagged with.
    EpisodeId;
    /// A share link of the emergency summary.
    LinkId;
    /// An emergency (break-glass) access to a record.
    BreakGlassId;
    /// A line of a record's care history (from the insurer's feed), whatever its version.
    CareLineId;
}

#[cfg(test)]
mod tests {
    use super::AccountId;

    #[test]
    fn an_id_reads_as_its_text_and_compares_with_it() {
        let id = AccountId::new("0123abcd");
        assert_eq!(&*id, "0123abcd");
        assert_eq!(id.to_string(), "0123abcd");
        assert_eq!(String::from(id.clone()), "0123abcd");
        assert_eq!(id, "0123abcd".to_owned());
        assert_ne!(id, AccountId::new("0123abce"));
    }
}
