//! How the safety checks' findings read on a page: each interaction with its severity, the
//! mechanism and the advice, then duplicates.

use leptos::prelude::*;
use leptos_i18n::I18nContext;

use super::interactions::{Duplicate, Duplication, Finding, Severity};
use crate::i18n::{Locale, t, t_string};

pub(crate) fn severity_text(i18n: I18nContext<Locale>, severity: Severity) -> String {
    match severity {
        Severity::Contraindication => t_string!(i18n, safety.contraindication),
        Severity::NotRecommended => t_string!(i18n, safety.not_recommended),
        Severity::Precaution => t_string!(i18n, safety.precaution),
        Severity::ToConsider => t_string!(i18n, safety.to_consider),
    }
    .to_string()
}

/// Where a current treatment comes from when the pharmacy dispensed it.
fn dispensed(i18n: I18nContext<Locale>, day: Option<crate::date::Date>) -> Option<String> {
    day.map(|day| format!(" — {}", t_string!(i18n, safety.dispensed_on, day = day.to_string())))
}

/// What the thesaurus found: interactions (severity, mechanism, advice) and duplicates.
pub(crate) fn findings_list(
    i18n: I18nContext<Locale>,
    interactions: Vec<Finding>,
    duplicates: Vec<Duplicate>,
) -> impl IntoView {
    let findings = interactions.into_iter().map(|finding| {
        let interaction = finding.interaction;
        let levels = interaction.levels.into_iter().map(|level| view! {
            <li><strong>{severity_text(i18n, level.severity)}</strong>
                {(!level.advice.is_empty()).then(|| view! { " — " {level.advice} })}</li>
        }).collect_view();
        view! {
            <li class="finding">
                <p><strong>{t_string!(i18n, safety.with, current = finding.current.clone()).to_string()}</strong>
                    " (" {interaction.main} " + " {interaction.plus} ")"
                    {dispensed(i18n, finding.dispensed)}</p>
                <p>{t!(i18n, safety.mechanism)}" "{interaction.mechanism}</p>
                <ul>{levels}</ul>
            </li>
        }
    }).collect_view();
    let duplicates = duplicates
        .into_iter()
        .map(|duplicate| {
            let text = match duplicate.reason {
                Duplication::SameSubstance => {
                    t_string!(i18n, safety.same_substance, current = duplicate.current).to_string()
                }
                Duplication::SameClass(class) => {
                    t_string!(i18n, safety.same_class, current = duplicate.current, class = class)
                        .to_string()
                }
            };
            view! { <li>{text}{dispensed(i18n, duplicate.dispensed)}</li> }
        })
        .collect_view();
    view! {
        <div class="safety" role="alert">
            <ul class="findings">{findings}</ul>
            <ul>{duplicates}</ul>
        </div>
    }
}
