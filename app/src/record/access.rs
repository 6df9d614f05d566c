//! "Who may see my record": the professionals the patient granted, revoked or blocked, and
//! granting a new one found in the directory — the whole record or chosen categories,
//! optionally until a date.

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};

use crate::client::{self, Submission};
use crate::directory::Professional;
use crate::i18n::{t, t_string, use_i18n};
use crate::policy::{Consent, Scope};
use crate::ui::form::{FormAlert, SubmitButton};
use crate::{
    api::record::{GrantInfo, GrantRequest},
    record::{documents::category_label, preview::PreviewPanel},
    vocabulary::Category,
};

#[component]
pub fn AccessSection(
    record: String,
    /// A professional to grant, from the code they showed (`/dossier?pro=RPPS`).
    suggested: Option<String>,
) -> impl IntoView {
    let csrf = crate::client::csrf();
    let i18n = use_i18n();
    let path = format!("/api/records/{record}/grants");
    let grants = {
        let path = path.clone();
        Resource::new(move || path.clone(), |path| client::get::<Vec<GrantInfo>>(&path))
    };
    let refresh = Callback::new(move |()| grants.refetch());
    let previewing = RwSignal::new(None::<(String, String)>);
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let list = {
        let (path, csrf) = (path.clone(), csrf.clone());
        move || {
            grants.get().map(|result| {
                let grants = result.unwrap_or_default();
                if grants.is_empty() {
                    return view! { <p>{t!(i18n, access.none)}</p> }.into_any();
                }
                let items = grants
                    .into_iter()
                    .map(|grant| {
                        let rpps = grant.professional.rpps.to_string();
                        let name = format!("{} {}", grant.professional.given_name, grant.professional.family_name);
                        let profession = grant.professional.profession;
                        let regular = grant.regular_doctor;
                        let may_be_regular = !regular
                            && profession == crate::directory::Profession::Physician
                            && grant.consent != Consent::Blocked;
                        let state = match &grant.consent {
                            Consent::Granted(g) => {
                                let scope = match &g.scope {
                                    Scope::All => t_string!(i18n, access.whole).to_string(),
                                    Scope::Some { categories, profile } => {
                                        let mut parts: Vec<String> = categories.iter().map(|c| category_label(i18n, *c)).collect();
                                        if *profile {
                                            parts.push(t_string!(i18n, access.profile).to_string());
                                        }
                                        parts.join(", ")
                                    }
                                };
                                match g.until {
                                    Some(until) => t_string!(i18n, access.granted_until, scope = scope, until = until.to_string()).to_string(),
                                    None => t_string!(i18n, access.granted, scope = scope).to_string(),
                                }
                            }
                            Consent::Blocked => t_string!(i18n, access.blocked).to_string(),
                            Consent::Revoked | Consent::None => t_string!(i18n, access.revoked).to_string(),
                        };
                        let state = if regular {
                            format!("{} · {state}", t_string!(i18n, access.regular))
                        } else {
                            state
                        };
                        let designate = may_be_regular.then(|| {
                            let uri = path.replace("/grants", "/regular-doctor");
                            let (csrf, rpps) = (csrf.clone(), rpps.clone());
                            let aria = format!("{} — {name}", t_string!(i18n, access.make_regular));
                            let click = move |_| {
                                let (uri, csrf) = (uri.clone(), csrf.clone());
                                let body = crate::api::record::RegularDoctor { rpps: Some(rpps.clone()) };
                                form.run(async move {
                                    client::put::<_, ()>(&uri, &body, &csrf).await?;
                                    refresh.run(());
                                    Ok(())
                                });
                            };
                            view! {
                                <button type="button" class="button button--secondary" on:click=click disabled=pending aria-label=aria>
                                    {t!(i18n, access.make_regular)}
                                </button>
                            }
                        });
                        let actions: Vec<(&'static str, String)> = match grant.consent {
                            Consent::Granted(_) => vec![
                                ("revoke", t_string!(i18n, access.revoke).to_string()),
                                ("block", t_string!(i18n, access.block).to_string()),
                            ],
                            Consent::Blocked => vec![("unblock", t_string!(i18n, access.unblock).to_string())],
                            _ => vec![("block", t_string!(i18n, access.block).to_string())],
                        };
                        let buttons = actions
                            .into_iter()
                            .map(|(change, label)| {
                                let uri = format!("{path}/{rpps}/{change}");
                                let aria = format!("{label} — {name}");
                                let click = move |_| {
                                    let on_done = move |_: Option<()>| refresh.run(());
                                    form.post(uri.clone(), (), on_done);
                                };
                                view! {
                                    <button type="button" class="button button--secondary" on:click=click disabled=pending aria-label=aria>
                                        {label}
                                    </button>
                                }
                            })
                            .collect_view();
                        let see_as = {
                            let (rpps, name) = (rpps.clone(), name.clone());
                            let aria = t_string!(i18n, preview.open_label, name = name.clone()).to_string();
                            view! {
                                <button type="button" class="button button--secondary" aria-label=aria
                                    on:click=move |_| previewing.set(Some((rpps.clone(), name.clone())))>
                                    {t!(i18n, preview.open)}
                                </button>
                            }
                        };
                        view! {
                            <li class="person">
                                <p class="person__name">{name.clone()}</p>
                                <p class="person__detail">{move || profession.label(i18n)} " · " {state}</p>
                                <div class="actions">{see_as} {buttons} {designate}</div>
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="people">{items}</ul> }.into_any()
            })
        }
    };
    view! {
        <section class="panel" aria-labelledby="access-heading">
            <h2 id="access-heading">{t!(i18n, access.heading)}</h2>
            <p>{t!(i18n, access.intro)}</p>
            <FormAlert failure />
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>{list.clone()}</Suspense>
            {move || previewing.get().map(|(rpps, name)| {
                let on_close = Callback::new(move |()| previewing.set(None));
                view! { <PreviewPanel record=record.clone() rpps name on_close /> }
            })}
            <GrantForm path refresh suggested />
        </section>
    }
}

#[component]
fn GrantForm(path: String, refresh: Callback<()>, suggested: Option<String>) -> impl IntoView {
    let csrf = crate::client::csrf();
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<Professional>::new());
    let chosen = RwSignal::new(None::<Professional>);
    let whole = RwSignal::new(true);
    let picked = RwSignal::new(Vec::<Category>::new());
    let profile = RwSignal::new(false);
    let until = RwSignal::new(String::new());
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let done = RwSignal::new(false);

    let look_up = move |q: String, choose_single: bool| {
        spawn_local(async move {
            let url = format!("/api/directory{}", crate::api::query_string([("q", q.as_str())]));
            let list = client::get::<Vec<Professional>>(&url).await.unwrap_or_default();
            if choose_single && let [only] = list.as_slice() {
                chosen.set(Some(only.clone()));
            }
            found.set(list);
        });
    };
    // The code a professional showed names them: look them up once and offer them.
    if let Some(rpps) = suggested.and_then(|rpps| crate::directory::Rpps::parse(&rpps)) {
        Effect::new(move |done: Option<()>| {
            if done.is_none() {
                query.set(rpps.to_string());
                look_up(rpps.to_string(), true);
            }
        });
    }
    let search = move |event: SubmitEvent| {
        event.prevent_default();
        look_up(query.get_untracked(), false);
    };
    let grant = move |event: SubmitEvent| {
        event.prevent_default();
        let Some(professional) = chosen.get_untracked() else { return };
        let scope = if whole.get_untracked() {
            Scope::All
        } else {
            Scope::Some { categories: picked.get_untracked(), profile: profile.get_untracked() }
        };
        let until = Some(until.get_untracked()).filter(|day| !day.is_empty());
        let uri = format!("{path}/{}", professional.rpps);
        let csrf = csrf.clone();
        form.run(async move {
            client::put::<_, ()>(&uri, &GrantRequest { scope, until }, &csrf).await?;
            chosen.set(None);
            found.set(Vec::new());
            done.set(true);
            refresh.run(());
            Ok(())
        });
    };
    let results = move || {
        found
            .get()
            .into_iter()
            .map(|p| {
                let name = format!("{} {}", p.given_name, p.family_name);
                let profession = p.profession;
                let place = p.place.clone();
                let aria = t_string!(i18n, access.choose_label, name = name.clone()).to_string();
                view! {
                    <li class="person">
                        <p class="person__name">{name}</p>
                        <p class="person__detail">{move || profession.label(i18n)} " · " {place}</p>
                        <button type="button" class="button" aria-label=aria on:click=move |_| chosen.set(Some(p.clone()))>
                            {t!(i18n, access.choose)}
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    let boxes = move || {
        Category::ALL
            .into_iter()
            .map(|c| {
                let id = format!(
                    "grant-{}",
                    serde_json::to_value(c)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                );
                let toggle = move |event: leptos::ev::Event| {
                    let on = event_target_checked(&event);
                    picked.update(|list| {
                        list.retain(|x| *x != c);
                        if on {
                            list.push(c);
                        }
                    });
                };
                view! {
                    <div class="checkbox">
                        <input id=id.clone() type="checkbox" on:change=toggle />
                        <label for=id>{move || category_label(i18n, c)}</label>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <h3 id="grant-heading">{t!(i18n, access.grant_heading)}</h3>
        <form class="form" on:submit=search aria-labelledby="grant-heading" role="search">
            <div class="field">
                <label for="directory-query">{t!(i18n, access.search)}</label>
                <p class="field__hint" id="directory-query-hint">{t!(i18n, access.search_hint)}</p>
                <input id="directory-query" type="search" autocomplete="off" bind:value=query aria-describedby="directory-query-hint" />
            </div>
            <button type="submit" class="button button--secondary">{t!(i18n, access.search_submit)}</button>
        </form>
        <ul class="people">{results}</ul>
        {move || done.get().then(|| view! { <p class="notice" role="status">{t!(i18n, access.done)}</p> })}
        {move || chosen.get().map(|p| {
            let name = format!("{} {}", p.given_name, p.family_name);
            let grant = grant.clone();
            view! {
                <form class="form" on:submit=grant>
                    <FormAlert failure />
                    <p><strong>{t_string!(i18n, access.granting, name = name).to_string()}</strong></p>
                    <fieldset class="choices">
                        <legend>{t!(i18n, access.scope)}</legend>
                        <label><input type="radio" name="scope" prop:checked=whole on:change=move |_| whole.set(true) />" " {t!(i18n, access.whole)}</label>
                        <label><input type="radio" name="scope" prop:checked=move || !whole.get() on:change=move |_| whole.set(false) />" " {t!(i18n, access.some)}</label>
                    </fieldset>
                    <fieldset class="choices" disabled=whole>
                        <legend>{t!(i18n, access.categories)}</legend>
                        {boxes()}
                        <div class="checkbox">
                            <input id="grant-profile" type="checkbox" prop:checked=profile on:change=move |e| profile.set(event_target_checked(&e)) />
                            <label for="grant-profile">{t!(i18n, access.profile)}</label>
                        </div>
                    </fieldset>
                    <div class="field">
                        <label for="grant-until">{t!(i18n, access.until)}</label>
                        <input id="grant-until" type="date" bind:value=until />
                    </div>
                    <SubmitButton pending label=Signal::derive(move || t_string!(i18n, access.grant).to_string()) />
                </form>
            }
        })}
    }
}
