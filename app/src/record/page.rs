//! "Mon dossier": the documents of the record this session manages (the person's own, or that
//! of someone they represent), depositing one of their own, and who may see it.

use leptos::{either::Either, prelude::*};
use leptos_router::components::A;

use crate::account::{Me, client};
use crate::emergency::EmergencySection;
use crate::i18n::{t, t_string, use_i18n};
use crate::layout::PageTitle;
use crate::record::{
    Category, DocumentInfo,
    access::AccessSection,
    documents::{DepositForm, DocumentList},
};

#[component]
pub fn RecordPage() -> impl IntoView {
    let i18n = use_i18n();
    let me = LocalResource::new(|| client::get::<Me>("/api/account/me"));
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, record.title).to_string()) />
        <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
            {move || {
                me.get().map(|result| match result {
                    Ok(me) => Either::Left(view! { <Record me /> }.into_any()),
                    Err(_) => Either::Right(view! {
                        <h1>{t!(i18n, record.title)}</h1>
                        <p>{t!(i18n, account.signed_out)}</p>
                        <p><A href="/connexion">{t!(i18n, nav.login)}</A></p>
                    }),
                })
            }}
        </Suspense>
    }
}

#[component]
fn Record(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let (record, whose) = match &me.acting_for {
        Some(person) => {
            (person.id.clone(), format!("{} {}", person.given_name, person.family_name))
        }
        None => (me.id.clone(), format!("{} {}", me.given_name, me.family_name)),
    };
    let path = format!("/api/records/{record}/documents");
    let documents = LocalResource::new(move || {
        let path = path.clone();
        async move { client::get::<Vec<DocumentInfo>>(&path).await }
    });
    let refresh = Callback::new(move |()| documents.refetch());
    let csrf = me.csrf_token.clone();
    let list = {
        let (record, csrf) = (record.clone(), csrf.clone());
        move || {
            documents.get().map(|result| {
                let documents = result.unwrap_or_default();
                view! { <DocumentList record=record.clone() csrf=csrf.clone() documents can_mask=true refresh /> }
            })
        }
    };
    view! {
        <h1>{t_string!(i18n, record.heading, name = whose).to_string()}</h1>
        <section class="panel" aria-labelledby="documents-heading">
            <h2 id="documents-heading">{t!(i18n, record.documents)}</h2>
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>{list}</Suspense>
        </section>
        <section class="panel">
            <DepositForm record=record.clone() csrf=csrf.clone() categories=vec![Category::PatientOwn] refresh />
        </section>
        <EmergencySection record=record.clone() csrf=csrf.clone() />
        <AccessSection record csrf />
    }
}
