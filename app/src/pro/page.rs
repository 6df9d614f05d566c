//! The professional's space: who is signed in (from the directory, never from the browser),
//! opening a record for a patient who is present, and logout.

use leptos::{either::Either, prelude::*};
use leptos_router::components::A;

use super::open_record::{OpenRecordSection, OpenRepresentedSection};
use super::{break_glass::BreakGlassSection, emergency_banner::EmergencyBanner};
use crate::account::LogoutButton;
use crate::api::emergency::NotificationInfo;
use crate::api::pro::ProMe;
use crate::client;
use crate::date::moment;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::PageTitle;

#[component]
pub fn ProPage() -> impl IntoView {
    let i18n = use_i18n();
    // A `Resource`: the server renders the page as the professional whose card signed in, and
    // the browser hydrates it with that answer instead of asking again.
    let me = Resource::new(|| (), |()| client::get::<ProMe>("/api/pro/me"));
    let page = client::built_from(me, move |result| match result {
        Ok(me) => Either::Left(view! { <SignedIn me /> }),
        Err(_) => Either::Right(view! {
            <h1>{t!(i18n, pro.title)}</h1>
            <p>{t!(i18n, pro.signed_out)}</p>
            <p><A href="/pro/connexion">{t!(i18n, pro.login_link)}</A></p>
        }),
    });
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, pro.title).to_string()) />
        <Transition fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
            {page}
        </Transition>
    }
}

#[component]
fn SignedIn(me: ProMe) -> impl IntoView {
    let i18n = use_i18n();
    let professional = me.professional.clone();
    let name = format!("{} {}", professional.given_name, professional.family_name);
    let profession = professional.profession;
    client::provide_csrf(me.csrf_token.clone());
    // The server's answer (its access matrix, its policy), not a list kept here.
    let may_break_glass = me.rights.break_glass;
    let rights = me.rights.clone();
    view! {
        <EmergencyBanner />
        <h1>{name}</h1>
        <dl class="facts">
            <dt>{t!(i18n, pro.profession)}</dt>
            <dd>{move || profession.label(i18n)}</dd>
            {professional.specialty.clone().map(|specialty| view! {
                <dt>{t!(i18n, pro.specialty)}</dt>
                <dd>{specialty}</dd>
            })}
            <dt>{t!(i18n, pro.place)}</dt>
            <dd>{professional.place.clone()}</dd>
            <dt>{t!(i18n, pro.rpps)}</dt>
            <dd>{professional.rpps.to_string()}</dd>
        </dl>
        // On a tablet, today's patients and what to do beside the code and the rights.
        <div class="columns">
            <div class="columns__main">
                <PatientsSection />
                <ProNotifications />
                {may_break_glass.then(|| view! { <BreakGlassSection /> })}
                <OpenRecordSection />
                <OpenRepresentedSection />
            </div>
            <div class="columns__side">
                <GrantCodeSection />
                <RightsSection rights />
            </div>
        </div>
        <LogoutButton path="/api/pro/logout" then="/pro/connexion" />
    }
}

/// What the server's access matrix lets this profession read and deposit (a patient's grant
/// narrows it further in each record).
#[component]
fn RightsSection(rights: crate::api::pro::ProfessionRights) -> impl IntoView {
    use crate::profile::view::section_label;
    use crate::record::documents::category_label;
    let i18n = use_i18n();
    let list = move |labels: Vec<String>| {
        if labels.is_empty() {
            view! { <p>{t!(i18n, pro.rights_none)}</p> }.into_any()
        } else {
            view! { <ul class="rights">{labels.into_iter().map(|label| view! { <li>{label}</li> }).collect_view()}</ul> }
                .into_any()
        }
    };
    let categories = move |categories: &[crate::vocabulary::Category]| {
        categories.iter().map(|c| category_label(i18n, *c)).collect::<Vec<_>>()
    };
    let sections = move |sections: &[crate::vocabulary::Section]| {
        sections.iter().map(|s| section_label(i18n, *s)).collect::<Vec<_>>()
    };
    view! {
        <section class="section" aria-labelledby="rights-heading">
            <h2 id="rights-heading">{t!(i18n, pro.rights_heading)}</h2>
            <p class="hint">{t!(i18n, pro.rights_intro)}</p>
            <h3>{t!(i18n, pro.rights_read)}</h3>
            {list(categories(&rights.read))}
            <h3>{t!(i18n, pro.rights_deposit)}</h3>
            {list(categories(&rights.deposit))}
            <h3>{t!(i18n, pro.rights_profile)}</h3>
            {list(sections(&rights.read_sections))}
            <h3>{t!(i18n, pro.rights_profile_write)}</h3>
            {list(sections(&rights.write_sections))}
        </section>
    }
}

/// The patients who granted this professional access today, each a link to their record.
#[component]
fn PatientsSection() -> impl IntoView {
    let i18n = use_i18n();
    let patients = Resource::new(
        || (),
        |()| client::get::<Vec<crate::api::pro::PatientSummary>>("/api/pro/patients"),
    );
    let list = client::built_from(patients, move |result| {
        let patients = result.unwrap_or_default();
        if patients.is_empty() {
            return view! { <p>{t!(i18n, pro.no_patients)}</p> }.into_any();
        }
        view! {
            <ul class="people">
                {patients.into_iter().map(|p| {
                    let href = super::record_href(&p.id);
                    view! {
                        <li class="person">
                            <A href=href>{format!("{} {}", p.given_name, p.family_name)}</A>
                            <p class="person__detail">{t_string!(i18n, pro.born, date = p.birth_date.clone()).to_string()}</p>
                            {p.emergency_until.map(|until| view! {
                                <p class="person__detail"><span class="badge badge--alert">{t!(i18n, emergency.patient_emergency)}</span>" "
                                    {t_string!(i18n, emergency.until, until = crate::date::moment(until)).to_string()}</p>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }.into_any()
    });
    view! {
        <section class="section" aria-labelledby="patients-heading">
            <h2 id="patients-heading">{t!(i18n, pro.patients_heading)}</h2>
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
                {list}
            </Suspense>
        </section>
    }
}

/// What the professional was told: break-glass accesses to the patients whose regular doctor
/// they are.
#[component]
fn ProNotifications() -> impl IntoView {
    let i18n = use_i18n();
    let notifications =
        Resource::new(|| (), |()| client::get::<Vec<NotificationInfo>>("/api/notifications"));
    let section = client::built_from(notifications, move |result| {
        let list = result.unwrap_or_default();
        (!list.is_empty()).then(|| {
            let items = list
                .into_iter()
                .map(|n| {
                    let who = n
                        .by
                        .map(|p| format!("{} {}", p.given_name, p.family_name))
                        .unwrap_or_default();
                    let patient = n.patient.unwrap_or_default();
                    let text = t_string!(i18n, pro.patient_break_glass, who = who, patient = patient, at = moment(n.at)).to_string();
                    view! { <li class="notification" class:notification--unread=!n.read>{text}</li> }
                })
                .collect_view();
            view! {
                <section class="section" aria-labelledby="pro-notifications">
                    <h2 id="pro-notifications">{t!(i18n, emergency.notifications)}</h2>
                    <ul class="notifications">{items}</ul>
                </section>
            }
        })
    });
    view! { <Suspense>{section}</Suspense> }
}

/// The code to show a patient who wants to grant access: they scan it with their phone's camera
/// and land on their record with this professional chosen.
#[component]
fn GrantCodeSection() -> impl IntoView {
    let i18n = use_i18n();
    let code =
        Resource::new(|| (), |()| client::get::<crate::api::pro::GrantCode>("/api/pro/grant-code"));
    let figure = client::built_from(code, move |result| {
        result.ok().map(|code| view! {
            <figure class="grant-code">
                <div class="grant-code__image" role="img" aria-label=move || t_string!(i18n, pro.grant_code_alt).to_string() inner_html=code.svg></div>
                <figcaption class="grant-code__url">{code.url}</figcaption>
            </figure>
        })
    });
    view! {
        <section class="section" aria-labelledby="grant-code-heading">
            <h2 id="grant-code-heading">{t!(i18n, pro.grant_code_heading)}</h2>
            <p>{t!(i18n, pro.grant_code_intro)}</p>
            <Suspense>{figure}</Suspense>
        </section>
    }
}
