//! Whom the record is of, as the health insurer names them: the national health identifier
//! (INS). The patient's side declares it (or removes it); a professional who may read the
//! record verifies it with the patient in front of them. Only a verified INS draws the
//! insurer's care history into the record, so the panel says where it stands.

use leptos::{ev::SubmitEvent, prelude::*};

use crate::api::record::{IdentityChange, IdentityInfo};
use crate::client;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};

/// The INS of `record` and the form to set it: a declaration on the patient's side, a
/// verification for a `professional`.
#[component]
pub fn IdentityPanel(record: String, #[prop(optional)] professional: bool) -> impl IntoView {
    let i18n = use_i18n();
    let path = format!("/api/records/{record}/identity");
    let identity = {
        let path = path.clone();
        Resource::new(move || path.clone(), |path| client::get::<IdentityInfo>(&path))
    };
    let typed = RwSignal::new(String::new());
    let form = client::Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let saved = RwSignal::new(false);
    let path = StoredValue::new(path);
    let send = move |ins: Option<String>| {
        saved.set(false);
        let (path, csrf) = (path.get_value(), form.csrf());
        form.run(async move {
            client::put::<_, ()>(&path, &IdentityChange { ins }, &csrf).await?;
            saved.set(true);
            typed.set(String::new());
            identity.refetch();
            Ok(())
        });
    };
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if !pending.get_untracked() {
            send(Some(typed.get_untracked()));
        }
    };
    let status = move || {
        identity.get().map(|answer| match answer {
            Err(_) => view! { <p role="alert">{t!(i18n, errors.network)}</p> }.into_any(),
            Ok(IdentityInfo { ins: None, .. }) => {
                view! { <p>{t!(i18n, identity.none)}</p> }.into_any()
            }
            Ok(IdentityInfo { ins: Some(ins), verified }) => {
                let number = ins.to_string();
                let where_it_stands = match verified {
                    Some(verification) => t_string!(
                        i18n,
                        identity.verified,
                        by = verification.by,
                        at = crate::date::moment(verification.at)
                    )
                    .to_string(),
                    None => t_string!(i18n, identity.declared).to_string(),
                };
                let remove = (!professional).then(|| {
                    view! {
                        <button type="button" class="button button--secondary" disabled=pending
                            on:click=move |_| send(None)>
                            {t!(i18n, identity.remove)}
                        </button>
                    }
                });
                view! {
                    <p><strong class="identity__number">{number}</strong></p>
                    <p>{where_it_stands}</p>
                    {remove}
                }
                .into_any()
            }
        })
    };
    let label = move || t_string!(i18n, identity.field).to_string();
    let hint = move || {
        if professional {
            t_string!(i18n, identity.verify_hint).to_string()
        } else {
            t_string!(i18n, identity.declare_hint).to_string()
        }
    };
    let button = move || {
        if professional {
            t_string!(i18n, identity.verify).to_string()
        } else {
            t_string!(i18n, identity.declare).to_string()
        }
    };
    view! {
        <section class="panel" aria-labelledby="identity-heading">
            <h2 id="identity-heading">{t!(i18n, identity.heading)}</h2>
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
                {status}
            </Suspense>
            <form class="form" on:submit=submit novalidate>
                <FormAlert failure />
                <Field id="identity-ins" label=Signal::derive(label) value=typed autocomplete="off"
                    hint=Signal::derive(hint) error=field_error(i18n, failure, "ins") />
                <SubmitButton pending label=Signal::derive(button) />
                {move || saved.get().then(|| view! { <p class="notice" role="status">{t!(i18n, identity.saved)}</p> })}
            </form>
        </section>
    }
}
