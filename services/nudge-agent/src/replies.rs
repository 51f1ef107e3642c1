//! Everything Nudge answers, in French and English: short (two SMS segments
//! at most), one action at a time, kind, never shaming.
//!
//! Texts avoid characters outside the GSM-7 alphabet where French allows it
//! (no « », no emoji, "a faire" rather than a curly apostrophe), since one
//! such character halves an SMS segment.

use chrono::{DateTime, Datelike, TimeZone};
use nudge_core::sms::count_segments;
use nudge_core::{Language, clock_time};

/// The most segments a reply may take.
const SEGMENT_BUDGET: u32 = 2;

/// "at 3:42 PM" / "à 15 h 42", with "tomorrow" or the date when not today.
pub(crate) fn when<Tz: TimeZone>(at: &DateTime<Tz>, now: &DateTime<Tz>, language: Language) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let days = at.date_naive().signed_duration_since(now.date_naive()).num_days();
    let time = clock_time(at, language);
    match language {
        Language::En => match days {
            0 => format!("at {time}"),
            1 => format!("tomorrow at {time}"),
            2..=6 => format!("on {} at {time}", at.format("%A")),
            _ => format!("on {} at {time}", at.format("%a %b %-d")),
        },
        Language::Fr => match days {
            0 => format!("à {time}"),
            1 => format!("demain à {time}"),
            2..=6 => format!("{} à {time}", french_weekday(at.weekday())),
            _ => format!("le {} {} à {time}", at.day(), french_month(at.month())),
        },
    }
}

/// "3:42 PM", "tomorrow 9:00 AM", "Fri 5:00 PM": a list entry's time.
pub(crate) fn short_when<Tz: TimeZone>(at: &DateTime<Tz>, now: &DateTime<Tz>, language: Language) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let days = at.date_naive().signed_duration_since(now.date_naive()).num_days();
    let time = clock_time(at, language);
    match (language, days) {
        (_, 0) => time,
        (Language::En, 1) => format!("tomorrow {time}"),
        (Language::Fr, 1) => format!("demain {time}"),
        (Language::En, _) => format!("{} {time}", at.format("%a %b %-d")),
        (Language::Fr, _) => format!("{} {} {time}", at.day(), french_month(at.month())),
    }
}

pub(crate) fn french_weekday(day: chrono::Weekday) -> &'static str {
    const DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
    DAYS[day.num_days_from_monday() as usize]
}

pub(crate) fn french_month(month: u32) -> &'static str {
    const MONTHS: [&str; 12] = [
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
    MONTHS.get(month.saturating_sub(1) as usize).copied().unwrap_or("")
}

fn pick(language: Language, en: &str, fr: &str) -> String {
    match language {
        Language::En => en.to_owned(),
        Language::Fr => fr.to_owned(),
    }
}

pub(crate) fn reminder_set(language: Language, when: &str, what: &str) -> String {
    match language {
        Language::En => format!("Got it. I'll remind you {when}: {what}."),
        Language::Fr => format!("C'est noté. Je te le rappelle {when} : {what}."),
    }
}

/// A reminder whose first SMS waits for the end of the person's quiet hours.
pub(crate) fn reminder_held(language: Language, when: &str, what: &str) -> String {
    match language {
        Language::En => format!("Got it. That's during your quiet hours, so I'll remind you {when}: {what}."),
        Language::Fr => {
            format!("C'est noté. C'est pendant tes heures calmes, alors je te le rappelle {when} : {what}.")
        }
    }
}

pub(crate) fn recurring_set(language: Language, schedule: &str, what: &str) -> String {
    match language {
        Language::En => format!("Got it. I'll remind you {schedule}: {what}."),
        Language::Fr => format!("C'est noté. Je te le rappellerai {schedule} : {what}."),
    }
}

pub(crate) fn ask_when(language: Language) -> String {
    pick(
        language,
        "When should I remind you? For example: remind me at 5pm to call mom.",
        "Quand veux-tu que je te le rappelle ? Par exemple : rappelle-moi à 17h d'appeler maman.",
    )
}

pub(crate) fn ask_what(language: Language) -> String {
    pick(
        language,
        "What should I remind you about? For example: remind me in 20 minutes to stretch.",
        "De quoi veux-tu que je te fasse penser ? Par exemple : rappelle-moi dans 20 minutes de m'étirer.",
    )
}

pub(crate) fn unclear_time(language: Language) -> String {
    pick(
        language,
        "I'm not sure when you mean. Try a time like 5pm, tomorrow at 9 or in 20 minutes.",
        "Je ne suis pas sûr du moment. Essaie une heure comme 17h, demain à 9h ou dans 20 minutes.",
    )
}

pub(crate) fn in_the_past(language: Language) -> String {
    pick(
        language,
        "That time has already passed. When should I remind you?",
        "Ce moment est déjà passé. Quand veux-tu que je te le rappelle ?",
    )
}

pub(crate) fn done(language: Language, what: Option<&str>) -> String {
    match (language, what) {
        (Language::En, Some(what)) => format!("Nice work! Marked as done: {what}."),
        (Language::Fr, Some(what)) => format!("Bravo ! C'est noté comme fait : {what}."),
        (Language::En, None) => "Nothing is waiting for an answer right now. Text me what to remind you of.".to_owned(),
        (Language::Fr, None) => "Aucun rappel n'attend de réponse. Écris-moi ce que je dois te rappeler.".to_owned(),
    }
}

pub(crate) fn snoozed(language: Language, when: &str, what: &str) -> String {
    match language {
        Language::En => format!("OK, I'll remind you again {when}: {what}."),
        Language::Fr => format!("D'accord, je te le rappelle {when} : {what}."),
    }
}

pub(crate) fn nothing_to_snooze(language: Language) -> String {
    pick(
        language,
        "There's no reminder to snooze right now.",
        "Il n'y a pas de rappel à repousser pour l'instant.",
    )
}

pub(crate) fn cancelled(language: Language, what: &str) -> String {
    match language {
        Language::En => format!("Cancelled: {what}."),
        Language::Fr => format!("Annulé : {what}."),
    }
}

pub(crate) fn finished_early(language: Language, what: &str) -> String {
    match language {
        Language::En => format!("Nice work! I won't remind you again: {what}."),
        Language::Fr => format!("Bravo ! Je ne te le rappellerai plus : {what}."),
    }
}

pub(crate) fn which_one(language: Language) -> String {
    pick(
        language,
        "Which one? Text LIST to see your reminders, then CANCEL and a number.",
        "Lequel ? Écris RAPPELS pour voir ta liste, puis ANNULE et un numéro.",
    )
}

pub(crate) fn no_such_item(language: Language, item: usize) -> String {
    match language {
        Language::En => format!("I don't see a number {item} in your last list. Text LIST or TASKS to see it again."),
        Language::Fr => {
            format!("Je ne vois pas de numéro {item} dans ta dernière liste. Écris RAPPELS ou MA LISTE pour la revoir.")
        }
    }
}

pub(crate) fn rescheduled(language: Language, when: &str, what: &str) -> String {
    match language {
        Language::En => format!("Changed. I'll remind you {when}: {what}."),
        Language::Fr => format!("C'est changé. Je te le rappelle {when} : {what}."),
    }
}

pub(crate) fn ask_new_time(language: Language, item: usize) -> String {
    match language {
        Language::En => format!("To when? For example: change {item} to 5pm."),
        Language::Fr => format!("Pour quand ? Par exemple : déplace {item} à 17h."),
    }
}

pub(crate) fn task_added(language: Language, what: &str, due: Option<&str>, reminder: Option<&str>) -> String {
    let mut text = match language {
        Language::En => format!("Added to your list: {what}."),
        Language::Fr => format!("Ajouté à ta liste : {what}."),
    };
    match (language, reminder, due) {
        (Language::En, Some(when), _) => text.push_str(&format!(" I'll remind you {when}.")),
        (Language::Fr, Some(when), _) => text.push_str(&format!(" Je te le rappelle {when}.")),
        (Language::En, None, Some(due)) => text.push_str(&format!(" Due {due}.")),
        (Language::Fr, None, Some(due)) => text.push_str(&format!(" Pour {due}.")),
        (_, None, None) => {}
    }
    text
}

pub(crate) fn task_done(language: Language, what: &str) -> String {
    match language {
        Language::En => format!("Nice work! Checked off: {what}."),
        Language::Fr => format!("Bravo ! C'est coché : {what}."),
    }
}

pub(crate) fn task_deleted(language: Language, what: &str) -> String {
    match language {
        Language::En => format!("Removed from your list: {what}."),
        Language::Fr => format!("Retiré de ta liste : {what}."),
    }
}

pub(crate) fn task_moved(language: Language, what: &str, position: usize) -> String {
    match language {
        Language::En => format!("Moved to number {position}: {what}."),
        Language::Fr => format!("Déplacé en numéro {position} : {what}."),
    }
}

pub(crate) fn no_reminders(language: Language) -> String {
    pick(
        language,
        "You have no reminders. Text me: remind me at 5pm to call mom.",
        "Tu n'as aucun rappel. Écris-moi : rappelle-moi à 17h d'appeler maman.",
    )
}

pub(crate) fn no_tasks(language: Language) -> String {
    pick(
        language,
        "Your list is empty. Text me: add buy milk.",
        "Ta liste est vide. Écris-moi : ajoute acheter du lait.",
    )
}

/// A numbered list that fits the segment budget: as many lines as fit, then "+N more".
pub(crate) fn numbered(language: Language, title: &str, lines: &[String], footer: &str) -> String {
    let assemble = |shown: usize| {
        let mut text = title.to_owned();
        for (index, line) in lines.iter().take(shown).enumerate() {
            text.push_str(&format!("\n{}. {line}", index + 1));
        }
        let hidden = lines.len() - shown;
        if hidden > 0 {
            text.push_str(&match language {
                Language::En => format!("\n+{hidden} more"),
                Language::Fr => format!("\n+{hidden} autres"),
            });
        }
        if !footer.is_empty() {
            text.push('\n');
            text.push_str(footer);
        }
        text
    };
    (0..=lines.len())
        .rev()
        .map(assemble)
        .find(|text| count_segments(text).segments <= SEGMENT_BUDGET)
        .unwrap_or_else(|| assemble(0))
}

pub(crate) fn reminders_title(language: Language) -> String {
    pick(language, "Your reminders:", "Tes rappels :")
}

pub(crate) fn reminders_footer(language: Language) -> String {
    pick(
        language,
        "Text CANCEL 1 to cancel one.",
        "Écris ANNULE 1 pour en annuler un.",
    )
}

pub(crate) fn tasks_title(language: Language) -> String {
    pick(language, "Your list:", "Ta liste :")
}

pub(crate) fn tasks_footer(language: Language) -> String {
    pick(
        language,
        "Text DONE 1 when one is done.",
        "Écris FAIT 1 quand une est faite.",
    )
}

pub(crate) fn sent_waiting(language: Language) -> String {
    pick(language, "waiting for DONE", "attend FAIT")
}

pub(crate) fn missed(language: Language) -> String {
    pick(language, "missed", "manqué")
}

pub(crate) fn timezone_set(language: Language, zone: &str, local_time: &str) -> String {
    match language {
        Language::En => format!("Time zone set to {zone}. It's {local_time} there now."),
        Language::Fr => format!("Fuseau horaire : {zone}. Il est {local_time} là-bas."),
    }
}

pub(crate) fn timezone_unknown(language: Language) -> String {
    pick(
        language,
        "I don't know that time zone. Try a city, like Paris or Montreal, or a name like Europe/Paris.",
        "Je ne connais pas ce fuseau. Essaie une ville, comme Paris ou Montréal, ou un nom comme Europe/Paris.",
    )
}

pub(crate) fn quiet_hours_set(language: Language, start: &str, end: &str) -> String {
    match language {
        Language::En => format!("Quiet hours: {start} to {end}. Only urgent reminders will come then."),
        Language::Fr => {
            format!("Heures calmes : de {start} à {end}. Seuls les rappels urgents arriveront pendant ce temps.")
        }
    }
}

pub(crate) fn quiet_hours_off(language: Language) -> String {
    pick(language, "Quiet hours are off.", "Les heures calmes sont désactivées.")
}

pub(crate) fn quiet_hours_how(language: Language) -> String {
    pick(
        language,
        "Tell me when, for example: quiet hours 10pm to 7am. Or: quiet hours off.",
        "Dis-moi quand, par exemple : heures calmes de 22h à 7h. Ou : heures calmes off.",
    )
}

pub(crate) fn nag_set(language: Language, minutes: u32, limit: u32) -> String {
    match language {
        Language::En => format!("I'll nudge you every {minutes} minutes until you reply DONE, up to {limit} times."),
        Language::Fr => format!(
            "Je te relancerai toutes les {minutes} minutes jusqu'à ce que tu répondes FAIT, au plus {limit} fois."
        ),
    }
}

pub(crate) fn nag_off(language: Language) -> String {
    pick(
        language,
        "No more nudges: one text per reminder.",
        "Plus de relances : un seul texto par rappel.",
    )
}

pub(crate) fn nag_how(language: Language) -> String {
    pick(
        language,
        "Tell me how often, for example: nag every 15 minutes. Or: nag off.",
        "Dis-moi à quelle fréquence, par exemple : relance toutes les 15 minutes. Ou : relance off.",
    )
}

pub(crate) fn missed_set(language: Language, send_late: bool) -> String {
    match (language, send_late) {
        (Language::En, true) => "If I'm ever down, I'll still send reminders late, saying so.".to_owned(),
        (Language::En, false) => "If I'm ever down, late reminders will be recorded as missed, not sent.".to_owned(),
        (Language::Fr, true) => {
            "Si je suis en panne, j'enverrai quand même les rappels en retard, en le disant.".to_owned()
        }
        (Language::Fr, false) => {
            "Si je suis en panne, les rappels en retard seront notés comme manqués, pas envoyés.".to_owned()
        }
    }
}

pub(crate) fn missed_how(language: Language) -> String {
    pick(
        language,
        "Say MISSED SEND LATE, or MISSED SKIP to record them without sending.",
        "Écris MANQUÉS ENVOIE, ou MANQUÉS IGNORE pour les noter sans les envoyer.",
    )
}

pub(crate) fn language_set(language: Language) -> String {
    pick(
        language,
        "OK, I'll write in English.",
        "D'accord, je t'écris en français.",
    )
}

pub(crate) fn help(language: Language) -> String {
    pick(
        language,
        "I'm Nudge. Text me: remind me in 20 minutes to stretch. Reply DONE when a reminder is done, \
         SNOOZE for later, LIST for your reminders, ADD milk for your list, REMEMBER a fact.",
        "Je suis Nudge. Écris-moi : rappelle-moi dans 20 minutes de m'étirer. Réponds FAIT quand c'est fait, \
         PLUS TARD pour repousser, RAPPELS pour tes rappels, AJOUTE lait pour ta liste, RETIENS une info.",
    )
}

pub(crate) fn not_understood(language: Language) -> String {
    pick(
        language,
        "Sorry, I didn't get that. Try: remind me in 20 minutes to stretch. Text HELP for more.",
        "Désolé, je n'ai pas compris. Essaie : rappelle-moi dans 20 minutes de m'étirer. Écris AIDE pour plus.",
    )
}

/// A model's reply cut to the segment budget (at a word, with "...").
pub(crate) fn fit(text: &str) -> String {
    if count_segments(text).segments <= SEGMENT_BUDGET {
        return text.to_owned();
    }
    let words: Vec<&str> = text.split(' ').collect();
    (1..words.len())
        .rev()
        .map(|n| format!("{}...", words[..n].join(" ")))
        .find(|cut| count_segments(cut).segments <= SEGMENT_BUDGET)
        .unwrap_or_else(|| text.chars().take(60).collect())
}

/// Step `number` of `total` of a model's reply, texted alone (`steps.rs`), with
/// the reply's lead-in before the first when it fits, and how to get the next.
pub(crate) fn step(language: Language, lead: &str, step: &str, number: usize, total: usize) -> String {
    let head = match (language, number == total) {
        (Language::En, false) => format!("Step {number}/{total}: "),
        (Language::En, true) => format!("Last step ({number}/{total}): "),
        (Language::Fr, false) => format!("Étape {number}/{total} : "),
        (Language::Fr, true) => format!("Dernière étape ({number}/{total}) : "),
    };
    let foot = if number < total {
        pick(
            language,
            "\nText NEXT when you want the next one.",
            "\nÉcris SUIVANT quand tu veux la suite.",
        )
    } else {
        String::new()
    };
    let assemble = |lead: &str, step: &str| {
        let lead = if lead.is_empty() {
            String::new()
        } else {
            format!("{lead}\n")
        };
        format!("{lead}{head}{step}{foot}")
    };
    let fits = |text: &String| count_segments(text).segments <= SEGMENT_BUDGET;
    if let Some(text) = [lead, ""]
        .iter()
        .map(|lead| assemble(lead, step))
        .find(|text| fits(text))
    {
        return text;
    }
    let words: Vec<&str> = step.split(' ').collect();
    (1..words.len())
        .rev()
        .map(|n| assemble("", &format!("{}...", words[..n].join(" "))))
        .find(|text| fits(text))
        .unwrap_or_else(|| assemble("", &step.chars().take(60).collect::<String>()))
}

/// After the last step of a model's reply.
pub(crate) fn steps_finished(language: Language) -> String {
    pick(
        language,
        "That was the last step. Nice work!",
        "C'était la dernière étape. Bien joué !",
    )
}

pub(crate) fn budget_reached(language: Language) -> String {
    pick(
        language,
        "Heads-up: this month's AI budget is used up. I'll keep helping with simpler answers until the 1st.",
        "Petit mot : le budget IA du mois est épuisé. Je continue de t'aider avec des réponses plus simples jusqu'au 1er.",
    )
}

pub(crate) fn local_only(language: Language, on: bool) -> String {
    match (language, on) {
        (Language::En, true) => "OK: from now on only Nudge's own engine reads your messages. Nothing goes to an AI provider.".to_owned(),
        (Language::En, false) => "OK: Nudge may use its AI providers again. Your personal data stays masked.".to_owned(),
        (Language::Fr, true) => "D'accord : désormais seul le moteur de Nudge lit tes messages. Rien ne part chez un fournisseur d'IA.".to_owned(),
        (Language::Fr, false) => "D'accord : Nudge peut de nouveau utiliser ses fournisseurs d'IA. Tes données personnelles restent masquées.".to_owned(),
    }
}

/// A fact shown inside a reply: at most 120 characters.
fn clip(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(MAX - 3).collect();
    clipped.push_str("...");
    clipped
}

pub(crate) fn remembered(language: Language, fact: &str) -> String {
    let fact = clip(fact);
    match language {
        Language::En => format!("Got it, I'll remember: {fact}"),
        Language::Fr => format!("C'est noté, je retiens : {fact}"),
    }
}

pub(crate) fn remembered_again(language: Language, fact: &str) -> String {
    let fact = clip(fact);
    match language {
        Language::En => format!("I already knew that: {fact}"),
        Language::Fr => format!("Je le savais déjà : {fact}"),
    }
}

pub(crate) fn remembered_updated(language: Language, fact: &str, before: &str) -> String {
    let (fact, before) = (clip(fact), clip(before));
    match language {
        Language::En => format!("Updated: {fact} (before: {before})"),
        Language::Fr => format!("Mis à jour : {fact} (avant : {before})"),
    }
}

pub(crate) fn no_memories(language: Language) -> String {
    pick(
        language,
        "I don't know anything about you yet. Text REMEMBER and a fact, and I'll keep it.",
        "Je ne sais encore rien sur toi. Écris RETIENS et une info, je la garderai.",
    )
}

pub(crate) fn nothing_about(language: Language) -> String {
    pick(
        language,
        "I don't have anything about that yet. Text REMEMBER and the fact to keep it.",
        "Je n'ai rien là-dessus pour l'instant. Écris RETIENS et l'info pour la garder.",
    )
}

pub(crate) fn memories_title(language: Language) -> String {
    pick(language, "What I know about you:", "Ce que je sais sur toi :")
}

pub(crate) fn memories_footer(language: Language) -> String {
    pick(
        language,
        "Text FORGET 1 to remove one.",
        "Écris OUBLIE 1 pour en effacer un.",
    )
}

pub(crate) fn forgotten(language: Language, fact: &str) -> String {
    let fact = clip(fact);
    match language {
        Language::En => format!("Forgotten: {fact}"),
        Language::Fr => format!("C'est oublié : {fact}"),
    }
}

pub(crate) fn forget_not_found(language: Language) -> String {
    pick(
        language,
        "I couldn't find that in what I know. Text MEMORIES to see it all.",
        "Je n'ai pas trouvé ça dans ce que je sais. Écris SOUVENIRS pour tout voir.",
    )
}

pub(crate) fn confirm_forget_all(language: Language, count: usize) -> String {
    match language {
        Language::En => format!("Forget all {count} things I know about you? Reply YES to confirm, NO to keep them."),
        Language::Fr => {
            format!("J'oublie les {count} infos que j'ai sur toi ? Réponds OUI pour confirmer, NON pour garder.")
        }
    }
}

pub(crate) fn confirm_cancel_all(language: Language, count: usize) -> String {
    match language {
        Language::En => format!("Cancel all {count} reminders? Reply YES to confirm, NO to keep them."),
        Language::Fr => format!("J'annule tes {count} rappels ? Réponds OUI pour confirmer, NON pour les garder."),
    }
}

pub(crate) fn forgot_everything(language: Language) -> String {
    pick(
        language,
        "Done, I've forgotten everything I knew about you.",
        "C'est fait, j'ai oublié tout ce que je savais sur toi.",
    )
}

pub(crate) fn cancelled_all(language: Language, count: usize) -> String {
    match language {
        Language::En => format!("Done, {count} reminders cancelled. A fresh start!"),
        Language::Fr => format!("C'est fait, {count} rappels annulés. On repart à zéro !"),
    }
}

pub(crate) fn kept(language: Language) -> String {
    pick(
        language,
        "OK, I kept everything as it was.",
        "D'accord, je ne change rien.",
    )
}

pub(crate) fn nothing_to_confirm(language: Language) -> String {
    pick(
        language,
        "Nothing is waiting for a yes right now. Text HELP to see what I can do.",
        "Rien n'attend de réponse pour l'instant. Écris AIDE pour voir ce que je sais faire.",
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use chrono_tz::America::Montreal;
    use nudge_core::sms::SmsEncoding;

    use super::*;

    #[test]
    fn times_read_naturally() {
        let now = Montreal
            .with_ymd_and_hms(2026, 3, 4, 15, 40, 0)
            .single()
            .expect("valid");
        let soon = Montreal
            .with_ymd_and_hms(2026, 3, 4, 15, 42, 0)
            .single()
            .expect("valid");
        let tomorrow = Montreal.with_ymd_and_hms(2026, 3, 5, 9, 5, 0).single().expect("valid");
        let friday = Montreal.with_ymd_and_hms(2026, 3, 6, 9, 5, 0).single().expect("valid");
        let later = Montreal
            .with_ymd_and_hms(2026, 3, 19, 20, 0, 0)
            .single()
            .expect("valid");
        assert_eq!(when(&soon, &now, Language::En), "at 3:42 PM");
        assert_eq!(when(&soon, &now, Language::Fr), "à 15 h 42");
        assert_eq!(when(&tomorrow, &now, Language::En), "tomorrow at 9:05 AM");
        assert_eq!(when(&tomorrow, &now, Language::Fr), "demain à 9 h 05");
        assert_eq!(when(&friday, &now, Language::En), "on Friday at 9:05 AM");
        assert_eq!(when(&friday, &now, Language::Fr), "vendredi à 9 h 05");
        assert_eq!(when(&later, &now, Language::En), "on Thu Mar 19 at 8:00 PM");
        assert_eq!(when(&later, &now, Language::Fr), "le 19 mars à 20 h 00");
        assert_eq!(short_when(&tomorrow, &now, Language::Fr), "demain 9 h 05");
    }

    #[test]
    fn fixed_replies_fit_the_segment_budget() {
        for language in [Language::En, Language::Fr] {
            for text in [
                help(language),
                not_understood(language),
                done(language, None),
                ask_when(language),
                ask_what(language),
                unclear_time(language),
                which_one(language),
                timezone_unknown(language),
                quiet_hours_how(language),
                nag_how(language),
                missed_how(language),
                no_reminders(language),
                no_tasks(language),
                no_memories(language),
                nothing_about(language),
                forget_not_found(language),
                confirm_forget_all(language, 42),
                confirm_cancel_all(language, 42),
                forgot_everything(language),
                kept(language),
                nothing_to_confirm(language),
                budget_reached(language),
                local_only(language, true),
                local_only(language, false),
                fit(&"word ".repeat(200)),
                remembered_updated(language, &"x".repeat(300), &"y".repeat(300)),
            ] {
                assert!(count_segments(&text).segments <= 2, "{text}");
            }
            let short = [not_understood(language), done(language, None), no_tasks(language)];
            for text in short {
                assert_eq!(count_segments(&text).encoding, SmsEncoding::Gsm7, "{text}");
            }
        }
    }

    #[test]
    fn long_lists_are_cut_to_fit_with_a_count() {
        let lines: Vec<String> = (1..=30)
            .map(|i| format!("3:42 PM drink a glass of water number {i}"))
            .collect();
        let text = numbered(Language::En, "Your reminders:", &lines, "Text CANCEL 1 to cancel one.");
        assert!(count_segments(&text).segments <= 2, "{text}");
        assert!(text.contains("\n1. 3:42 PM drink"));
        assert!(text.contains(" more\nText CANCEL 1"), "{text}");
        let short = numbered(Language::En, "Your list:", &lines[..2], "");
        assert_eq!(
            short,
            "Your list:\n1. 3:42 PM drink a glass of water number 1\n2. 3:42 PM drink a glass of water number 2"
        );
    }
}
