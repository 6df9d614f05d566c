//! *Historique des soins*: what the health insurer reimbursed over the last 24 months and the
//! medicines the pharmacy dispensed, as its feed wrote them into the record. By month, newest
//! first, with what was charged and paid back; narrowed by kind of care and by words, on the
//! device (the whole history is a few hundred lines at most). Shown six months at a time.

use leptos::prelude::*;
use leptos_i18n::I18nContext;

use crate::api::care::{CareHistory, CareLine, Month, Totals, by_month, euros, search_words};
use crate::api::record::MaskRequest;
use crate::client;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::policy::Action;
use crate::ui::form::{FormAlert, failure_text};
use crate::vocabulary::CareKind;

/// Months shown at first, and added by "earlier months".
const MONTHS_AT_ONCE: usize = 6;

pub fn kind_label(i18n: I18nContext<Locale>, kind: CareKind) -> String {
    match kind {
        CareKind::Consultation => t_string!(i18n, care.consultation),
        CareKind::Act => t_string!(i18n, care.act),
        CareKind::Pharmacy => t_string!(i18n, care.pharmacy),
        CareKind::Lab => t_string!(i18n, care.lab),
        CareKind::Imaging => t_string!(i18n, care.imaging),
        CareKind::Hospital => t_string!(i18n, care.hospital),
    }
    .to_string()
}

fn french(i18n: I18nContext<Locale>) -> bool {
    i18n.get_locale() == Locale::fr
}

fn month_name(i18n: I18nContext<Locale>, year: i32, month: u8) -> String {
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let names = if french(i18n) { FR } else { EN };
    let name = names.get(usize::from(month.max(1) - 1)).copied().unwrap_or_default();
    format!("{name} {year}")
}

fn totals_text(i18n: I18nContext<Locale>, totals: Totals) -> String {
    let fr = french(i18n);
    t_string!(
        i18n,
        care.totals,
        reimbursed = euros(totals.reimbursed_cents, fr),
        charged = euros(totals.charged_cents, fr)
    )
    .to_string()
}

/// The care history of `record`, as the asker may read it, under the page's heading. `patient_side`: the patient or their
/// representative, who learn how the history arrives.
#[component]
pub fn CareHistorySection(record: String, #[prop(optional)] patient_side: bool) -> impl IntoView {
    let i18n = use_i18n();
    let path = format!("/api/records/{record}/care-history");
    let history = {
        let path = path.clone();
        Resource::new(move || path.clone(), |path| client::get::<CareHistory>(&path))
    };
    let path = StoredValue::new(path);
    let kind = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let shown_months = RwSignal::new(MONTHS_AT_ONCE);
    // A new filter starts again from the newest months.
    Effect::new(move |_| {
        kind.track();
        query.track();
        shown_months.set(MONTHS_AT_ONCE);
    });
    let form = client::Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let refresh = Callback::new(move |()| history.refetch());
    let list = move || {
        history.get().map(|answer| match answer {
            // Why, in words: no network, or a profession the matrix gives no care history.
            Err(failure) => view! { <p role="alert">{failure_text(i18n, &failure)}</p> }.into_any(),
            Ok(history) if history.lines.is_empty() => view! {
                <p>{t!(i18n, care.empty)}</p>
                {patient_side.then(|| view! { <p class="hint">{t!(i18n, care.how)}</p> })}
            }
            .into_any(),
            Ok(history) => {
                let chosen = kind.with(|code| code.parse::<CareKind>().ok());
                let words = query.with(|query| search_words(query));
                let found: Vec<CareLine> =
                    history.lines.into_iter().filter(|line| line.matches(chosen, &words)).collect();
                if found.is_empty() {
                    return view! { <p role="status">{t!(i18n, care.none_found)}</p> }.into_any();
                }
                let count = found.len();
                let totals = Totals::of(&found);
                let months = by_month(found);
                let hidden = months.len().saturating_sub(shown_months.get());
                let shown = months
                    .into_iter()
                    .take(shown_months.get_untracked())
                    .map(
                        |month| view! { <MonthSection base=path.get_value() month form refresh /> },
                    )
                    .collect_view();
                view! {
                    <p class="care__summary" role="status">
                        {t_string!(i18n, care.count, count = count).to_string()} " · "
                        {totals_text(i18n, totals)}
                    </p>
                    {shown}
                    {(hidden > 0).then(|| view! {
                        <button type="button" class="button button--secondary"
                            on:click=move |_| shown_months.update(|n| *n += MONTHS_AT_ONCE)>
                            {t_string!(i18n, care.earlier, count = hidden).to_string()}
                        </button>
                    })}
                }
                .into_any()
            }
        })
    };
    let kinds = CareKind::ALL
        .into_iter()
        .map(|one| {
            let code: &'static str = one.into();
            view! { <option value=code>{move || kind_label(i18n, one)}</option> }
        })
        .collect_view();
    view! {
        <div class="care">
            <p class="hint">{t!(i18n, care.intro)}</p>
            <div class="finder care__finder" role="search">
                <div class="field">
                    <label for="care-kind">{t!(i18n, care.kind)}</label>
                    <select id="care-kind" bind:value=kind>
                        <option value="">{t!(i18n, care.all_kinds)}</option>
                        {kinds}
                    </select>
                </div>
                <div class="field">
                    <label for="care-search">{t!(i18n, care.search)}</label>
                    <input id="care-search" type="search" autocomplete="off" bind:value=query />
                </div>
            </div>
            <FormAlert failure />
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
                {list}
            </Suspense>
            {move || pending.get().then(|| view! { <p role="status">{t!(i18n, account.loading)}</p> })}
        </div>
    }
}

#[component]
fn MonthSection(
    base: String,
    month: Month,
    form: client::Submission,
    refresh: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = format!("care-{}-{:02}", month.year, month.month);
    let (year, number, totals) = (month.year, month.month, month.totals);
    let rows = month
        .lines
        .into_iter()
        .map(|line| view! { <LineRow base=base.clone() line form refresh /> })
        .collect_view();
    let heading = id.clone();
    view! {
        <section class="care__month" aria-labelledby=id>
            <h3 id=heading>{move || month_name(i18n, year, number)}</h3>
            <p class="care__month-totals">{move || totals_text(i18n, totals)}</p>
            <ul class="care__lines">{rows}</ul>
        </section>
    }
}

#[component]
fn LineRow(
    base: String,
    line: CareLine,
    form: client::Submission,
    refresh: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let kind = line.kind;
    let date = line.date;
    let origin = move || {
        if kind == CareKind::Pharmacy {
            t_string!(i18n, care.dispensed_on, date = date.to_string()).to_string()
        } else {
            date.to_string()
        }
    };
    let amounts = (line.charged_cents.is_some() || line.reimbursed_cents.is_some()).then(|| {
        let (charged, reimbursed) = (line.charged_cents, line.reimbursed_cents);
        move || {
            let totals = Totals {
                charged_cents: charged.unwrap_or(0),
                reimbursed_cents: reimbursed.unwrap_or(0),
            };
            totals_text(i18n, totals)
        }
    });
    let who = [
        line.prescriber.clone().map(|name| (true, name)),
        line.performer.clone().map(|name| (false, name)),
    ]
    .into_iter()
    .flatten()
    .map(|(prescribed, name)| {
        move || {
            if prescribed {
                t_string!(i18n, care.prescriber, name = name.clone()).to_string()
            } else {
                t_string!(i18n, care.performer, name = name.clone()).to_string()
            }
        }
    })
    .map(|text| view! { <p class="care__who">{text}</p> })
    .collect_view();
    let detail = {
        let mut parts = Vec::new();
        if let Some(code) = &line.code {
            parts.push(code.code.clone());
        }
        if !line.substances.is_empty() {
            parts.push(line.substances.join(", "));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    };
    let quantity = line
        .quantity
        .map(|quantity| move || t_string!(i18n, care.quantity, count = quantity).to_string());
    let corrected =
        (line.version > 1).then(|| view! { " · " <span>{t!(i18n, care.corrected)}</span> });
    let masked = line.masked;
    let toggle = line.allowed.contains(&Action::Mask).then(|| {
        let path = format!("{base}/{}/mask", line.id);
        let label = line.label.clone();
        let click = move |_| {
            let on_done = move |_: Option<()>| refresh.run(());
            form.post(path.clone(), MaskRequest { masked: !masked }, on_done);
        };
        let aria = move || {
            if masked {
                t_string!(i18n, care.unmask_label, label = label.clone()).to_string()
            } else {
                t_string!(i18n, care.mask_label, label = label.clone()).to_string()
            }
        };
        view! {
            <button type="button" class="button button--secondary" on:click=click aria-label=aria>
                {move || if masked { t_string!(i18n, record.unmask) } else { t_string!(i18n, record.mask) }}
            </button>
        }
    });
    let kind_code: &'static str = kind.into();
    view! {
        <li class="care__line" data-kind=kind_code>
            <p class="care__label">{line.label.clone()}</p>
            <p class="care__meta">
                {move || kind_label(i18n, kind)} " · " {origin}
                {quantity.map(|quantity| view! { " · " {quantity} })}
                {corrected}
                {masked.then(|| view! { " · " <strong>{t!(i18n, record.masked)}</strong> })}
            </p>
            {detail.map(|detail| view! { <p class="care__detail">{detail}</p> })}
            {who}
            {amounts.map(|amounts| view! { <p class="care__amounts">{amounts}</p> })}
            {toggle}
        </li>
    }
}
