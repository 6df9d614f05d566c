//! "Résumé d'urgence" (`/dossier/urgence`): the patient sees exactly what a responder will see,
//! leaves out any item, and shares it by a link and its QR code, optionally with a passcode
//! and a short life; the summary is encrypted here, in the browser, before it leaves. The
//! patient lists the links with their views and revokes any; a card with the QR code prints in
//! wallet size or A6.

use std::collections::BTreeSet;

mod links;
mod printed;
mod send;

use leptos::{either::Either, prelude::*};
use leptos_router::components::A;
use links::LinkList;
use printed::{critical_lines, print, qr_svg};
use send::share;

use super::link::{DEFAULT_DAYS, LinkInfo};
use super::{EmptyReason, Part, PatientLine, REGULAR_DOCTOR};
use crate::api::account::Me;
use crate::api::care::CareHistory;
use crate::api::profile::EntryInfo;
use crate::api::record::GrantInfo;
use crate::client::{self, ApiFailure};
use crate::directory::Professional;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::ui::PageTitle;
use crate::ui::form::FormAlert;
use leptos_i18n::I18nContext;

fn part_label(i18n: I18nContext<Locale>, part: Part) -> String {
    match part {
        Part::BloodGroup => t_string!(i18n, share.blood_group),
        Part::Allergies => t_string!(i18n, share.allergies),
        Part::Medications => t_string!(i18n, share.medications),
        Part::Problems => t_string!(i18n, share.problems),
        Part::Devices => t_string!(i18n, share.devices),
        Part::AdvanceDirectives => t_string!(i18n, share.advance_directives),
        Part::OrganDonation => t_string!(i18n, share.organ_donation),
        Part::EmergencyContacts => t_string!(i18n, share.emergency_contacts),
        Part::Immunizations => t_string!(i18n, share.immunizations),
        Part::Results => t_string!(i18n, share.results),
    }
    .to_string()
}

fn empty_text(i18n: I18nContext<Locale>, reason: Option<EmptyReason>) -> String {
    match reason {
        Some(EmptyReason::Withheld) => t_string!(i18n, share.withheld).to_string(),
        _ => t_string!(i18n, share.nothing_recorded).to_string(),
    }
}

#[component]
pub fn SharePage() -> impl IntoView {
    let i18n = use_i18n();
    // Rendered by the server as the person whose page it is, then hydrated.
    let me = Resource::new(|| (), |()| client::get::<Me>("/api/account/me"));
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, share.title).to_string()) />
        <Transition fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
            {client::built_from(me, move |result| match result {
                Ok(me) => Either::Left(view! { <Share me /> }),
                Err(_) => Either::Right(view! {
                    <h1>{t!(i18n, share.title)}</h1>
                    <p>{t!(i18n, account.signed_out)}</p>
                    <p><A href="/connexion">{t!(i18n, nav.login)}</A></p>
                }),
            })}
        </Transition>
    }
}

#[component]
fn Share(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let (record, patient) = match &me.acting_for {
        Some(person) => (
            person.id.clone(),
            PatientLine {
                given_name: person.given_name.clone(),
                family_name: person.family_name.clone(),
                birth_date: person.birth_date.clone(),
            },
        ),
        None => (
            me.id.clone(),
            PatientLine {
                given_name: me.given_name.clone(),
                family_name: me.family_name.clone(),
                birth_date: me.birth_date.clone(),
            },
        ),
    };
    // The forms below read the session's token from here.
    client::provide_csrf(me.csrf_token.clone());
    let entries = RwSignal::new(None::<Vec<EntryInfo>>);
    let doctor = RwSignal::new(None::<Professional>);
    let left_out = RwSignal::new(BTreeSet::<String>::new());
    // What went wrong: reading the profile (on the server too) or keeping the card on the
    // device (`noticed`), making a link (`form`), revoking one (`revoking`, apart: a revocation
    // never waits for a link being made).
    let noticed = RwSignal::new(None::<ApiFailure>);
    let (form, revoking) = (client::Submission::new(), client::Submission::new());
    let failure = {
        let (made, revoked) = (form.failure(), revoking.failure());
        Signal::derive(move || noticed.get().or_else(|| made.get()).or_else(|| revoked.get()))
    };
    // The profile and the regular doctor, read once (by the server when it renders the page);
    // the patient's choices then live in `left_out`.
    let loaded = {
        let record = record.clone();
        Resource::new(
            move || record.clone(),
            |record| async move {
                let path = format!("/api/records/{record}/profile");
                let list = client::get::<Vec<EntryInfo>>(&path).await?;
                let grants =
                    client::get::<Vec<GrantInfo>>(&format!("/api/records/{record}/grants"))
                        .await
                        .unwrap_or_default();
                let doctor = grants.into_iter().find(|g| g.regular_doctor).map(|g| g.professional);
                // The medicines the pharmacy dispensed lately may go in too (none when the
                // care history cannot be read).
                let care = format!("/api/records/{record}/care-history");
                let lines = client::get::<CareHistory>(&care)
                    .await
                    .map(|history| history.lines)
                    .unwrap_or_default();
                Ok::<_, ApiFailure>((list, doctor, lines))
            },
        )
    };
    let summary = Memo::new(move |_| {
        entries.with(|list| {
            list.as_ref().map(|list| {
                left_out.with(|out| {
                    super::summarize(patient.clone(), list, doctor.get(), out, client::today())
                })
            })
        })
    });
    // Every candidate, to tick or untick, by part.
    let candidates = Memo::new(move |_| {
        entries.with(|list| {
            list.as_ref()
                .map(|list| {
                    super::candidates(list, client::today())
                        .into_iter()
                        .map(|info| (info.id.clone(), info.entry.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });

    let toggle = move |id: String, shared: bool| {
        left_out.update(|out| {
            if shared {
                out.remove(&id);
            } else {
                out.insert(id);
            }
        });
    };

    let preview = move || {
        let english = i18n.get_locale() == Locale::en;
        summary.get().map(|summary| {
            let parts = Part::ALL
                .into_iter()
                .map(|part| {
                    let items: Vec<(String, crate::api::profile::Entry)> = candidates
                        .get()
                        .into_iter()
                        .filter(|(_, entry)| Part::of(entry) == part)
                        .collect();
                    let shown = summary.part(part).cloned();
                    if items.is_empty() && shown.is_none() {
                        return None;
                    }
                    let heading_id = format!("share-{part:?}").to_lowercase();
                    let rows = items
                        .into_iter()
                        .map(|(id, entry)| {
                            let input_id = format!("share-item-{id}");
                            let checked = !left_out.with(|out| out.contains(&id));
                            let line = super::fhir::line(&entry, english);
                            let id_for_change = id.clone();
                            view! {
                                <li class="check">
                                    <input type="checkbox" id=input_id.clone() prop:checked=checked
                                        on:change=move |ev| toggle(id_for_change.clone(), event_target_checked(&ev)) />
                                    <label for=input_id>{line}</label>
                                </li>
                            }
                        })
                        .collect_view();
                    let empty = shown.filter(|p| p.items.is_empty()).map(|p| {
                        view! { <p class="field__hint">{empty_text(i18n, p.empty)}</p> }
                    });
                    Some(view! {
                        <section class="summary-part" aria-labelledby=heading_id.clone()>
                            <h3 id=heading_id.clone()>{part_label(i18n, part)}</h3>
                            {empty}
                            <ul class="summary-items">{rows}</ul>
                        </section>
                    })
                })
                .collect_view();
            let doctor_row = doctor.get().map(|d| {
                let checked = !left_out.with(|out| out.contains(REGULAR_DOCTOR));
                view! {
                    <section class="summary-part" aria-labelledby="share-doctor">
                        <h3 id="share-doctor">{t!(i18n, share.doctor)}</h3>
                        <div class="check">
                            <input type="checkbox" id="share-item-doctor" prop:checked=checked
                                on:change=move |ev| toggle(REGULAR_DOCTOR.to_owned(), event_target_checked(&ev)) />
                            <label for="share-item-doctor">{format!("{} {} ({})", d.given_name, d.family_name, d.place)}</label>
                        </div>
                    </section>
                }
            });
            view! { {parts} {doctor_row} }
        })
    };

    let links_path = format!("/api/records/{record}/emergency-links");
    let links = Resource::new(
        {
            let path = links_path.clone();
            move || path.clone()
        },
        |path| client::get::<Vec<LinkInfo>>(&path),
    );
    let passcode = RwSignal::new(String::new());
    let life = RwSignal::new(DEFAULT_DAYS.to_string());
    let created = RwSignal::new(None::<String>);
    let busy = form.pending();
    let card_format = RwSignal::new("wallet".to_owned());
    // The card on this device follows what the patient shares, while it is on.
    let on_device = RwSignal::new(false);
    Effect::new(move |_| on_device.set(super::card::kept()));
    Effect::new(move |_| {
        if on_device.get()
            && let Some(summary) = summary.get()
            && !super::card::keep(&summary)
        {
            noticed.set(Some(ApiFailure::Network));
        }
    });

    let create = {
        let path = links_path.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let Some(summary) = summary.get_untracked() else { return };
            let (path, csrf) = (path.clone(), form.csrf());
            let code = passcode.get_untracked();
            let (days, single_use) = match life.get_untracked().as_str() {
                "handover" => (1, true),
                other => (other.parse().unwrap_or(DEFAULT_DAYS), false),
            };
            let english = i18n.get_locale_untracked() == Locale::en;
            created.set(None);
            form.run(async move {
                let url = share(&path, &csrf, &summary, &code, days, single_use, english).await?;
                created.set(Some(url));
                passcode.set(String::new());
                links.refetch();
                Ok(())
            });
        }
    };

    let new_link = move || {
        created.get().map(|url| {
            let svg = qr_svg(&url);
            let critical = summary.get().map(|s| critical_lines(&s, i18n.get_locale() == Locale::en)).unwrap_or_default();
            let name = summary.get().map(|s| format!("{} {}", s.patient.given_name, s.patient.family_name)).unwrap_or_default();
            view! {
                <div class="notice" role="status">
                    <p><strong>{t!(i18n, share.created)}</strong></p>
                    <p>{t!(i18n, share.created_hint)}</p>
                </div>
                <label for="share-url">{t!(i18n, share.url)}</label>
                <input id="share-url" class="share-url" type="text" readonly prop:value=url.clone() />
                <div class=move || format!("emergency-card emergency-card--{}", card_format.get())>
                    <p class="emergency-card__title">{t!(i18n, share.card_title)}</p>
                    <p class="emergency-card__name">{name}</p>
                    <ul class="emergency-card__lines">
                        {critical.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                    </ul>
                    <div class="emergency-card__qr" role="img" aria-label=move || t_string!(i18n, share.qr_label).to_string() inner_html=svg></div>
                </div>
                <div class="field">
                    <label for="card-format">{t!(i18n, share.card_format)}</label>
                    <select id="card-format" bind:value=card_format>
                        <option value="wallet">{t!(i18n, share.wallet)}</option>
                        <option value="a6">{t!(i18n, share.a6)}</option>
                    </select>
                </div>
                <button type="button" class="button button--secondary" on:click=move |_| print()>{t!(i18n, share.print)}</button>
            }
        })
    };

    view! {
        <h1>{t!(i18n, share.title)}</h1>
        <p class="hint">{t!(i18n, share.intro)}</p>
        <FormAlert failure />
        <section class="panel" aria-labelledby="share-preview">
            <h2 id="share-preview">{t!(i18n, share.preview)}</h2>
            <p class="field__hint">{t!(i18n, share.preview_hint)}</p>
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
                {client::built_from(loaded, move |result| {
                    match result {
                        Ok((mut list, regular, lines)) => {
                            let english = i18n.get_locale_untracked() == Locale::en;
                            let today = client::today();
                            list.extend(super::dispensed_treatments(&list, &lines, today, english));
                            left_out.set(super::left_out_at_first(&list));
                            entries.set(Some(list));
                            doctor.set(regular);
                        }
                        Err(error) => noticed.set(Some(error)),
                    }
                    preview
                })}
            </Suspense>
            <p><a class="button button--secondary" href=format!("/api/records/{record}/emergency-summary/fhir") download="resume-patient-ips.json">
                {t!(i18n, share.fhir)}
            </a></p>
        </section>
        <section class="panel" aria-labelledby="share-new">
            <h2 id="share-new">{t!(i18n, share.new_link)}</h2>
            <form on:submit=create>
                <div class="field">
                    <label for="share-passcode">{t!(i18n, share.passcode)}</label>
                    <input id="share-passcode" type="text" inputmode="numeric" autocomplete="off" maxlength="64"
                        bind:value=passcode aria-describedby="share-passcode-hint" />
                    <p class="field__hint" id="share-passcode-hint">{t!(i18n, share.passcode_hint)}</p>
                </div>
                <div class="field">
                    <label for="share-life">{t!(i18n, share.life)}</label>
                    <select id="share-life" bind:value=life>
                        <option value="365">{t!(i18n, share.year)}</option>
                        <option value="30">{t!(i18n, share.month)}</option>
                        <option value="7">{t!(i18n, share.week)}</option>
                        <option value="handover">{t!(i18n, share.handover)}</option>
                    </select>
                </div>
                <button type="submit" class="button" prop:disabled=move || busy.get() || summary.get().is_none()>
                    {move || if busy.get() { t_string!(i18n, share.encrypting) } else { t_string!(i18n, share.create) }}
                </button>
            </form>
            {new_link}
        </section>
        <section class="panel" aria-labelledby="share-device">
            <h2 id="share-device">{t!(i18n, share.device)}</h2>
            <p>{t!(i18n, share.device_intro)}</p>
            <div class="check">
                <input type="checkbox" id="share-on-device" prop:checked=move || on_device.get()
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        if !on {
                            super::card::forget();
                        }
                        on_device.set(on);
                    } />
                <label for="share-on-device">{t!(i18n, share.device_keep)}</label>
            </div>
            {move || on_device.get().then(|| view! {
                <p><a href="/carte-urgence.html">{t!(i18n, share.device_open)}</a></p>
            })}
        </section>
        <section class="panel" aria-labelledby="share-links">
            <h2 id="share-links">{t!(i18n, share.links)}</h2>
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
                <LinkList path=links_path.clone() links revoking />
            </Suspense>
        </section>
        <p><A href="/dossier">{t!(i18n, share.back)}</A></p>
    }
}
