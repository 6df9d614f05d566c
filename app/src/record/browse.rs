//! A list of documents read a page at a time, and a document's own page: the list and the open
//! document side by side from 768 px, one after the other on a phone. Shared by the patient's
//! *Documents* and the professional's view of a record.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
};

use crate::client::{self, ApiFailure};
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::FormAlert;
use crate::{
    api::filter::DocumentFilter,
    api::record::{DocumentInfo, DocumentPage},
    record::{
        DocumentFinder,
        documents::{DocumentCard, DocumentMeta, Opened, Viewer},
    },
};

/// The address of a page of the list of documents (`?page=N`, nothing for the first).
fn page_query(page: usize) -> String {
    if page > 1 { format!("?page={page}") } else { String::new() }
}

/// One line of a list of documents: its title, a link to its page (`{base}/{id}`), and what it
/// is.
#[component]
pub(super) fn DocumentRow(
    document: DocumentInfo,
    /// The list's address.
    base: String,
    /// Kept on the link (`?page=N`), so that going back returns to the same page.
    href_query: String,
    #[prop(optional)] selected: bool,
) -> impl IntoView {
    let href = format!("{base}/{}{href_query}", document.id);
    let title = document.title.clone();
    view! {
        <li class="document-row" class:document-row--selected=selected>
            <A href=href attr:class="document-row__title" attr:aria-current=selected.then_some("true")>
                {title}
            </A>
            <DocumentMeta document />
        </li>
    }
}

/// A list of documents read a page at a time: its search, the page the address asks for, and
/// that page as the server sends it (newest care first, as the search narrows it), plus the
/// document whose page is open when it is not on that page of the list.
#[derive(Clone)]
pub struct DocumentBrowse {
    /// The list's address (`/dossier/documents`); a document's own page is `{base}/{id}`.
    pub base: String,
    pub filter: RwSignal<DocumentFilter>,
    pub page: Memo<usize>,
    pub documents: Resource<Result<DocumentPage, ApiFailure>>,
    /// The open document (the route's `doc`), read alone only when the page does not hold it.
    pub opened: Resource<Option<DocumentInfo>>,
    /// Reads the list again (after a deposit or a change to a document).
    pub refresh: Callback<()>,
}

impl DocumentBrowse {
    pub fn new(record: &str, base: &str) -> Self {
        let filter = RwSignal::new(DocumentFilter::default());
        let page = use_list_page(filter, base.to_owned());
        let api = format!("/api/records/{record}/documents");
        let documents = {
            let api = api.clone();
            Resource::new(
                move || format!("{api}/pages/{}{}", page.get(), filter.get().query_string()),
                |path| client::get::<DocumentPage>(&path),
            )
        };
        let params = use_params_map();
        let opened = Resource::new(
            move || params.with(|p| p.get("doc")),
            move |id| {
                let api = api.clone();
                async move {
                    let id = id?;
                    let listed = documents.await.ok()?;
                    if listed.documents.iter().any(|document| document.id == id) {
                        return None;
                    }
                    client::get::<DocumentInfo>(&format!("{api}/{id}")).await.ok()
                }
            },
        );
        let refresh = Callback::new(move |()| {
            documents.refetch();
            opened.refetch();
        });
        Self { base: base.to_owned(), filter, page, documents, opened, refresh }
    }
}

/// The documents a page at a time, each title a link to the document's own page (`{base}/{id}`,
/// the route's `doc`), and that page beside the list from a tablet's width (alone on a phone).
/// The patient's *Documents* and the professional's view of a record browse alike.
/// `patient_side`: this device may keep documents offline, and the record may be exported;
/// `children` follow the list (the forms to add to it).
#[component]
pub fn DocumentSplit(
    record: String,
    browse: DocumentBrowse,
    patient_side: bool,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let DocumentBrowse { base, filter, page, documents, opened, refresh } = browse;
    let params = use_params_map();
    let selected = Memo::new(move |_| params.with(|p| p.get("doc")));
    let (episodes, _) = crate::record::use_episodes(&record);
    let shown = Signal::derive(move || {
        documents.get().and_then(Result::ok).map(|listed| listed.documents).unwrap_or_default()
    });
    let list = {
        let base = base.clone();
        move || {
            let base = base.clone();
            documents.get().map(move |result| {
                let Ok(DocumentPage { documents, page, pages }) = result else {
                    return view! { <p>{t!(i18n, record.empty)}</p> }.into_any();
                };
                if documents.is_empty() {
                    let filtered = filter.with(|f| *f != DocumentFilter::default());
                    return if filtered {
                        view! { <p role="status">{t!(i18n, finder.none)}</p> }.into_any()
                    } else {
                        view! { <p>{t!(i18n, record.empty)}</p> }.into_any()
                    };
                }
                let query = page_query(page);
                let open = selected.get();
                let rows = documents
                    .into_iter()
                    .map(|document| {
                        let selected = open.as_deref() == Some(document.id.as_str());
                        view! { <DocumentRow document base=base.clone() href_query=query.clone() selected /> }
                    })
                    .collect_view();
                view! {
                    <ul class="document-rows">{rows}</ul>
                    <Pager base page pages />
                }
                .into_any()
            })
        }
    };
    let detail = {
        let record = record.clone();
        move || {
            let id = selected.get()?;
            let back = format!("{base}{}", page_query(page.get()));
            let record = record.clone();
            Some(view! {
                <div class="split__detail">
                    <p><A href=back attr:class="back-link">{t!(i18n, record.back)}</A></p>
                    <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
                        {move || {
                            let (record, id) = (record.clone(), id.clone());
                            Suspend::new(async move {
                                // From the page of the list when it holds it, else read alone.
                                let listed = documents.await.ok().and_then(|listed| {
                                    listed.documents.into_iter().find(|d| d.id == id)
                                });
                                let found = match listed {
                                    Some(document) => Some(document),
                                    None => opened.await,
                                };
                                client::settled().await;
                                match found {
                                    Some(document) => view! { <DocumentDetail record document patient_side refresh /> }.into_any(),
                                    None => view! { <p role="status">{t!(i18n, record.not_found)}</p> }.into_any(),
                                }
                            })
                        }}
                    </Suspense>
                </div>
            })
        }
    };
    let export = patient_side.then(|| {
        view! {
            <p><a class="button button--secondary" href=format!("/api/records/{record}/export") download="carnet-dossier.fhir.json">
                {t!(i18n, record.export)}
            </a></p>
        }
    });
    view! {
        <div class="split" class:split--detail=move || selected.get().is_some()>
            <div class="split__list">
                <section class="panel" aria-labelledby="documents-heading">
                    <h2 id="documents-heading" class:visually-hidden=patient_side>{t!(i18n, record.documents)}</h2>
                    <DocumentFinder record=record.clone() filter shown episodes />
                    <Transition fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>{list}</Transition>
                    {export}
                </section>
                {children()}
            </div>
            {detail}
        </div>
    }
}

/// The page of the list at `here` the address asks for (`?page=N`), from 1. A new search
/// (`filter` changed) starts on its first page.
pub fn use_list_page(filter: RwSignal<DocumentFilter>, here: String) -> Memo<usize> {
    let query = use_query_map();
    let page = Memo::new(move |_| {
        query.with(|q| q.get("page").and_then(|p| p.parse::<usize>().ok())).unwrap_or(1).max(1)
    });
    let navigate = use_navigate();
    Effect::new(move |previous: Option<DocumentFilter>| {
        let now = filter.get();
        if previous.is_some_and(|previous| previous != now) && page.get_untracked() > 1 {
            navigate(&here, NavigateOptions { replace: true, ..Default::default() });
        }
        now
    });
    page
}

/// Links to the previous and next pages of the list at `base`, and where this one is.
#[component]
pub fn Pager(base: String, page: usize, pages: usize) -> impl IntoView {
    let i18n = use_i18n();
    let href = |n: usize| format!("{base}{}", page_query(n));
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label=move || t_string!(i18n, record.pages_label).to_string()>
                {(page > 1).then(|| view! { <A href=href(page - 1) attr:class="button button--secondary">{t!(i18n, record.previous)}</A> })}
                <span class="pager__where">{move || t_string!(i18n, record.page_of, page = page, pages = pages).to_string()}</span>
                {(page < pages).then(|| view! { <A href=href(page + 1) attr:class="button button--secondary">{t!(i18n, record.next)}</A> })}
            </nav>
        }
    })
}

/// A document's own page: what it is, its actions, and the document itself once opened.
#[component]
fn DocumentDetail(
    record: String,
    document: DocumentInfo,
    patient_side: bool,
    refresh: Callback<()>,
) -> impl IntoView {
    let open = RwSignal::<Opened>::new(None);
    let (form, keeping) = (client::Submission::new(), client::Submission::new());
    let failure = {
        let (sent, kept) = (form.failure(), keeping.failure());
        Signal::derive(move || sent.get().or_else(|| kept.get()))
    };
    let base = format!("/api/records/{record}/documents");
    view! {
        <article class="panel document-page">
            <FormAlert failure />
            <DocumentCard record document patient_side refresh open form keeping heading=true />
            {move || open.get().map(|(document, kept)| view! { <Viewer base=base.clone() document kept close=open /> })}
        </article>
    }
}
