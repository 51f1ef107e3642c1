//! The intent families as people text them, French and English, at least 50
//! phrasings per family and language, written the way messages arrive
//! (order, politeness, typos, case, punctuation, emojis vary). Each family
//! prints its pass rate and must reach 95%:
//! `cargo test -p nudge-agent --lib engine::family_tests -- --nocapture`.

use chrono::TimeZone as _;
use chrono_tz::America::Montreal;

use super::*;

/// Wednesday 2026-03-04 10:00 in Montréal.
fn context(language: Language) -> Context {
    Context {
        now: Montreal.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).single().expect("valid"),
        language,
        last_listing: None,
    }
}

/// The family an intent belongs to, as the tables name it.
fn kind(intent: &Intent) -> &'static str {
    match intent {
        Intent::Remind { .. } | Intent::Several(_) => "remind",
        Intent::Snooze { .. } | Intent::OnlyTime { .. } => "snooze",
        Intent::ListReminders | Intent::ListTasks | Intent::Agenda { .. } => "list",
        Intent::Cancel { .. } | Intent::CancelMatching { .. } => "cancel",
        Intent::Complete { .. } => "complete",
        other => other.name(),
    }
}

fn local(at: &chrono::DateTime<chrono::FixedOffset>) -> String {
    at.with_timezone(&Montreal).format("%a %H:%M").to_string()
}

/// Whether `understood` is what `expected` says (see each family's table).
fn matches(family: &str, understood: &Understood, expected: &str) -> bool {
    match (family, &understood.intent) {
        ("several", Intent::Several(parts)) => parts.len().to_string() == expected,
        ("correct", Intent::Correct { when }) => local(&when.at).contains(expected),
        ("cancel", Intent::CancelMatching { about, at }) => match expected {
            "" => about.is_empty() && at.is_none(),
            time if time.contains(':') => at.is_some_and(|(h, m)| format!("{h:02}:{m:02}") == time),
            word => about.iter().any(|a| a.starts_with(word) || word.starts_with(a.as_str())),
        },
        ("cancel", _) | ("several", _) | ("correct", _) => false,
        (_, intent) => kind(intent) == expected,
    }
}

/// Runs a family's table in one language; returns (passed, total) and prints the misses.
fn run(family: &str, language: Language, cases: &[(&str, &str)]) -> (usize, usize) {
    let context = context(language);
    let mut passed = 0;
    for (text, expected) in cases {
        let understood = understand(text, &context);
        let language_ok = understood.language == language;
        if matches(family, &understood, expected) && language_ok {
            passed += 1;
        } else {
            println!(
                "  miss [{family} {language}] {text:?}: expected {expected}, got {} [{}]",
                understood.intent.name(),
                understood.language
            );
        }
    }
    (passed, cases.len())
}

#[track_caller]
fn family(family: &str, english: &[(&str, &str)], french: &[(&str, &str)]) {
    for (language, cases) in [(Language::En, english), (Language::Fr, french)] {
        assert!(cases.len() >= 50, "{family} {language}: {} phrasings, 50 needed", cases.len());
        let (passed, total) = run(family, language, cases);
        #[expect(clippy::cast_precision_loss, reason = "a few hundred cases")]
        let rate = 100.0 * passed as f64 / total as f64;
        println!("family {family:<12} {language}: {passed}/{total} = {rate:.1}%");
        assert!(rate >= 95.0, "{family} {language}: {rate:.1}% < 95%");
    }
}

#[test]
fn completions_in_slang() {
    let d = "done";
    family(
        "done",
        &[
            ("done", d), ("Done!", d), ("DONE", d), ("done.", d), ("did it", d), ("Did it!!", d), ("i did it", d),
            ("I did it 🎉", d), ("ok done", d), ("ok, done", d), ("yep done", d), ("yes done", d), ("all done", d),
            ("all done!", d), ("done done", d), ("done ✅", d), ("✅", d), ("✔️", d), ("done w the laundry", d),
            ("done with the laundry", d), ("done with laundry", d), ("done w/ the dishes", d), ("finished", d),
            ("finished it", d), ("just finished", d), ("i finished", d), ("im done", d), ("I'm done!", d),
            ("took it", d), ("took them", d), ("I took them", d), ("just took my meds", d), ("took my pills", d),
            ("completed", d), ("handled it", d), ("handled", d), ("got it done", d), ("sorted", d),
            ("it's done", d), ("its done", d), ("that's done", d), ("thats done!", d), ("doneee", d),
            ("dun", d), ("doen", d), ("donee!", d), ("did it 👍", d), ("ok did it", d), ("alright done", d),
            ("finally done", d), ("phew, done", d), ("yay done", d), ("done thx", d), ("done, thanks!", d),
            ("done ty", d), ("mission accomplished", d), ("checked off", d), ("did that", d), ("just did it", d),
        ],
        &[
            ("fait", d), ("Fait!", d), ("fait.", d), ("FAIT", d), ("c'est fait", d), ("C'est fait !", d),
            ("c fait", d), ("C fait", d), ("cé fait", d), ("cest fait", d), ("c’est fait", d), ("c'est fait ✅", d),
            ("fait ✅", d), ("✅ fait", d), ("ok fait", d), ("ok c'est fait", d), ("oui c'est fait", d),
            ("ouais c fait", d), ("voilà c'est fait", d), ("voila c fait", d), ("fini", d), ("Fini !", d),
            ("finii", d), ("j'ai fini", d), ("jai fini", d), ("g fini", d), ("terminé", d), ("termine", d),
            ("c'est terminé", d), ("j'ai terminé", d), ("fait la lessive", d), ("fini la lessive", d),
            ("c'est fait pour le linge", d), ("fait fait", d), ("je l'ai fait", d), ("jl'ai fait", d),
            ("j'ai fait", d), ("déjà fait", d), ("deja fait", d), ("ça y est", d), ("ca y est", d),
            ("pris", d), ("je les ai pris", d), ("je l'ai pris", d), ("c'est réglé", d), ("réglé", d),
            ("mission accomplie", d), ("bon c'est fait", d), ("enfin fini", d), ("ouf c'est fait", d),
            ("fait merci", d), ("c fait merci", d), ("fait stp", d), ("c'est fait 👍", d), ("super c'est fait", d),
            ("fait!!", d), ("faitt", d), ("fai", d), ("fini!!", d), ("c'est fait c'est fait", d),
        ],
    );
}

#[test]
fn snooze_phrasings() {
    let s = "snooze";
    family(
        "snooze",
        &[
            ("later", s), ("Later!", s), ("later pls", s), ("l8r", s), ("ltr", s), ("laterrr", s), ("not now", s),
            ("Not now.", s), ("not yet", s), ("not right now", s), ("busy", s), ("busy rn", s), ("im busy", s),
            ("I'm driving", s), ("driving", s), ("snooze", s), ("Snooze pls", s), ("snoze", s), ("snooz", s),
            ("💤", s), ("😴", s), ("snooze 10", s), ("snooze 15 min", s), ("snooze for 20 minutes", s),
            ("in an hour", s), ("in 1 hour", s), ("in an hr", s), ("in 1 hr", s), ("in 10", s), ("in 10 min", s),
            ("in 5 mins", s), ("10 more min", s), ("5 more minutes", s), ("10 more minutes pls", s),
            ("give me 10", s), ("gimme 5 min", s), ("another 10", s), ("another 10 minutes", s),
            ("remind me later", s), ("remind me again in 10", s), ("in 30 minutes", s),
            ("in half an hour", s), ("not now, in an hour", s), ("busy, in 20", s), ("later, in 30 min", s),
            ("try again later", s), ("ask me later", s), ("remind me again later", s), ("in a bit", s), ("remind me again in an hour", s),
            ("later ⏰", s), ("at 5pm", s), ("tonight", s), ("in 2 hours", s), ("in 15", s),
        ],
        &[
            ("plus tard", s), ("Plus tard !", s), ("plus tard stp", s), ("plus tard svp", s), ("+ tard", s),
            ("pas maintenant", s), ("pas mtn", s), ("pas encore", s), ("Pas maintenant.", s), ("occupé", s),
            ("occupée", s), ("je suis occupé", s), ("chui occupé", s), ("je conduis", s), ("en train de conduire", s),
            ("remets à plus tard", s), ("💤", s), ("repousse", s), ("attends", s), ("dans 10", s), ("dans 10 min", s),
            ("dans 10 minutes", s), ("ds 10", s), ("ds 10min", s), ("dans 5", s), ("dans une heure", s),
            ("dans 1h", s), ("ds 1h", s), ("dans 30 min", s), ("dans une demi-heure", s), ("encore 10 min", s),
            ("encore 5 minutes", s), ("10 min de plus", s), ("rappelle-moi plus tard", s), ("rappelle moi plus tard", s),
            ("rappelle-moi dans 10", s), ("rapelle moi + tard", s), ("plus tard dans 30 minutes", s),
            ("pas maintenant, dans 1h", s), ("occupé, dans 20", s), ("tantôt", s), ("tantot", s),
            ("tout à l'heure", s), ("tout a l'heure", s), ("plus tard 😴", s), ("ce soir", s), ("à 17h", s),
            ("dans 2h", s), ("dans 15", s), ("plus tard merci", s), ("un peu plus tard", s), ("pas tout de suite", s),
            ("donne-moi 10 min", s), ("laisse-moi 5 min", s),
        ],
    );
}

#[test]
fn asking_for_the_list() {
    let l = "list";
    family(
        "list",
        &[
            ("what's on today?", l), ("whats on today", l), ("What's on today", l), ("wats on today?", l),
            ("what's on for today", l), ("what do i have today", l), ("what do I have today?", l),
            ("anything today?", l), ("what's up today", l), ("today?", l), ("my day", l),
            ("what's my day look like", l), ("what's on tomorrow?", l), ("whats on tmrw", l),
            ("what do i have tomorrow", l), ("anything tomorrow?", l), ("list", l), ("list pls", l),
            ("my list", l), ("my reminders", l), ("reminders?", l), ("show my reminders", l),
            ("show me my reminders", l), ("show me my list", l), ("what are my reminders", l),
            ("what reminders do i have", l), ("what's on my list", l), ("whats on my list?", l),
            ("my schedule", l), ("schedule?", l), ("agenda", l), ("my agenda pls", l), ("tasks", l),
            ("my tasks", l), ("todo", l), ("my todo list", l), ("what's on my todo", l), ("show tasks", l),
            ("list reminders", l), ("lst", l), ("remindrs", l), ("send me my list", l), ("can you show me my reminders", l),
            ("could you send my schedule", l), ("what have i got today", l), ("what have i got on today?", l),
            ("📋", l), ("list 📋", l), ("what's planned today", l), ("anything planned tomorrow?", l),
            ("what's left today", l), ("what's still on my list", l),
        ],
        &[
            ("c quoi ma liste", l), ("c'est quoi ma liste", l), ("C quoi ma liste ?", l), ("c koi ma liste", l),
            ("ma liste", l), ("ma liste stp", l), ("mes rappels", l), ("mes rappels ?", l), ("rappels", l),
            ("rappels?", l), ("liste", l), ("liste svp", l), ("montre mes rappels", l), ("montre-moi mes rappels", l),
            ("montre moi ma liste", l), ("affiche ma liste", l), ("voir mes rappels", l), ("quels sont mes rappels", l),
            ("quels sont mes rappels ?", l), ("j'ai quoi aujourd'hui", l), ("jai quoi auj", l), ("g quoi auj", l),
            ("j'ai quoi demain ?", l), ("jai quoi dem", l), ("qu'est-ce que j'ai aujourd'hui", l),
            ("qu'est-ce que j'ai demain", l), ("quoi de prévu aujourd'hui", l), ("quoi de prevu auj ?", l),
            ("c'est quoi le programme aujourd'hui", l), ("mon programme", l), ("mon planning", l),
            ("mon planning demain", l), ("ma journée", l), ("ma journee ?", l), ("aujourd'hui ?", l),
            ("demain ?", l), ("mes tâches", l), ("mes taches", l), ("taches", l), ("ma liste de tâches", l),
            ("liste des rappels", l), ("c quoi mes rappels", l), ("c'est quoi mes rappels ?", l),
            ("il y a quoi aujourd'hui", l), ("y a quoi demain", l), ("qu'est-ce qui est prévu demain", l),
            ("rapels", l), ("lsite", l), ("📋", l), ("donne-moi ma liste", l), ("envoie ma liste stp", l),
            ("tu peux m'envoyer ma liste", l), ("c quoi le programme", l),
        ],
    );
}

#[test]
fn cancelling_by_description() {
    family(
        "cancel",
        &[
            ("cancel the dentist one", "dentist"), ("cancel the dentist reminder", "dentist"),
            ("cancel dentist", "dentist"), ("Cancel the dentist", "dentist"), ("cancel my dentist reminder pls", "dentist"),
            ("delete the dentist one", "dentist"), ("remove the dentist thing", "dentist"),
            ("cancel the reminder about mom", "mom"), ("cancel the one about mom", "mom"), ("cancel call mom", "call"),
            ("delete the reminder to call mom", "call"), ("remove mom", "mom"), ("nvm the dentist", "dentist"),
            ("never mind the dentist one", "dentist"), ("scrap the gym one", "gym"), ("drop the gym reminder", "gym"),
            ("kill the gym reminder", "gym"), ("skip gym", "gym"), ("cancel gym pls", "gym"),
            ("cancel the laundry reminder", "laundry"), ("delete laundry", "laundry"), ("cancle the laundry one", "laundry"),
            ("canel laundry", "laundry"), ("cancel the pills one", "pills"), ("remove the pills reminder", "pills"),
            ("cancel the 5pm one", "17:00"), ("cancel the 5pm", "17:00"), ("cancel my 5pm", "17:00"),
            ("delete the 5pm reminder", "17:00"), ("cancel the one at 3pm", "15:00"), ("cancel 3pm", "15:00"),
            ("cancel the 9am one", "09:00"), ("remove the 9am", "09:00"), ("cancel the 10:30 one", "10:30"),
            ("cancel that", ""), ("cancel it", ""), ("delete that", ""), ("cancel the last one", ""),
            ("cancel my last reminder", ""), ("remove that one", ""), ("cancel this", ""), ("❌ dentist", "dentist"),
            ("cancel the meeting one", "meeting"), ("cancel the meeting reminder thanks", "meeting"),
            ("delete the reminder about the meeting", "meeting"), ("cancel rent", "rent"), ("cancel the rent one", "rent"),
            ("stop the water reminder", "water"), ("remove the water one", "water"), ("clear the water reminder", "water"),
            ("cancel the vet appointment", "vet"), ("cancel vet", "vet"), ("erase the vet one", "vet"),
        ],
        &[
            ("annule le rappel de 17h", "17:00"), ("annule celui de 17h", "17:00"), ("annule 17h", "17:00"),
            ("annule le 17h", "17:00"), ("supprime le rappel de 17h", "17:00"), ("enlève celui de 9h", "09:00"),
            ("annule le rappel de 9h", "09:00"), ("annule celui de 15h30", "15:30"), ("annule le rappel de 8h", "08:00"),
            ("annule le dentiste", "dentiste"), ("annule le rappel du dentiste", "dentiste"),
            ("annule celui du dentiste", "dentiste"), ("annule dentiste", "dentiste"), ("Annule le rdv dentiste", "dentiste"),
            ("annule rdv dentiste stp", "dentiste"), ("supprime le dentiste", "dentiste"), ("anule le dentiste", "dentiste"),
            ("annul le dentiste", "dentiste"), ("annule le rappel pour maman", "maman"), ("annule celui pour maman", "maman"),
            ("annule appeler maman", "appeler"), ("supprime le rappel d'appeler maman", "appeler"),
            ("enlève le rappel de la lessive", "lessive"), ("annule la lessive", "lessive"), ("annule lessive svp", "lessive"),
            ("supprime la lessive", "lessive"), ("efface le rappel de la lessive", "lessive"), ("retire la lessive", "lessive"),
            ("annule le rappel des médicaments", "medicaments"), ("annule les médicaments", "medicaments"),
            ("annule les medocs", "medocs"), ("supprime le rappel du sport", "sport"), ("annule le sport", "sport"),
            ("laisse tomber le sport", "sport"), ("plus besoin du rappel sport", "sport"), ("vire le rappel sport", "sport"),
            ("annule ça", ""), ("annule ca", ""), ("annule le dernier", ""), ("supprime ça", ""),
            ("annule le dernier rappel", ""), ("annule mon dernier rappel", ""), ("enlève ça", ""),
            ("annule le rappel du loyer", "loyer"), ("annule le loyer", "loyer"), ("annule la réunion", "reunion"),
            ("annule le rappel de la réunion", "reunion"), ("supprime la réunion stp", "reunion"),
            ("annule le véto", "veto"), ("annule le rappel du vétérinaire", "veterinaire"), ("❌ dentiste", "dentiste"),
        ],
    );
}

#[test]
fn corrections() {
    family(
        "correct",
        &[
            ("actually make it 6", "18:00"), ("Actually, make it 6pm", "18:00"), ("actualy make it 6pm", "18:00"),
            ("make it 6pm", "18:00"), ("make it 6 pm", "18:00"), ("make it 7pm instead", "19:00"),
            ("change that to 7pm", "19:00"), ("change it to 7pm", "19:00"), ("change it to 7 pm pls", "19:00"),
            ("move it to 8pm", "20:00"), ("push it to 9pm", "21:00"), ("no, 6pm", "18:00"), ("nope, 6pm", "18:00"),
            ("no 6pm", "18:00"), ("wait, 6pm", "18:00"), ("wait make it 6pm", "18:00"), ("sorry, 6pm", "18:00"),
            ("sorry i meant 6pm", "18:00"), ("i meant 6pm", "18:00"), ("meant 6pm", "18:00"), ("oops 6pm", "18:00"),
            ("oops, I meant 7pm", "19:00"), ("correction: 7pm", "19:00"), ("7pm instead", "19:00"),
            ("tomorrow instead", "Thu"), ("make it tomorrow", "Thu"), ("actually tomorrow", "Thu"),
            ("actually thursday", "Thu"), ("make it thursday", "Thu"), ("change it to friday", "Fri"),
            ("i meant friday", "Fri"), ("no friday", "Fri"), ("sorry, friday", "Fri"), ("make that friday", "Fri"),
            ("actually make it friday at 5pm", "Fri 17:00"), ("change that to friday 5pm", "Fri 17:00"),
            ("actually tmrw", "Thu"), ("make it tmrw at 9am", "Thu 09:00"), ("wait, tmrw 9am", "Thu 09:00"),
            ("no not 5, 6pm", "18:00"), ("not 5 but 6pm", "18:00"), ("actually 6:30pm", "18:30"),
            ("make it 6:30pm", "18:30"), ("change to 6:30pm", "18:30"), ("actually at 8pm", "20:00"),
            ("move it to 11am", "11:00"), ("push to 3pm", "15:00"), ("actually 3pm pls", "15:00"),
            ("oh wait, 3pm", "15:00"), ("my bad, 3pm", "15:00"), ("actually in an hour", "11:00"),
            ("make it in 2 hours", "12:00"),
        ],
        &[
            ("non plutôt jeudi", "Thu"), ("non plutot jeudi", "Thu"), ("Non, plutôt jeudi", "Thu"), ("plutôt jeudi", "Thu"),
            ("plutot jeudi", "Thu"), ("jeudi plutôt", "Thu"), ("non jeudi", "Thu"), ("en fait jeudi", "Thu"),
            ("enfait jeudi", "Thu"), ("finalement jeudi", "Thu"), ("finalement vendredi", "Fri"), ("plutôt vendredi", "Fri"),
            ("je voulais dire vendredi", "Fri"), ("pardon, vendredi", "Fri"), ("oups vendredi", "Fri"),
            ("non plutôt 18h", "18:00"), ("plutôt 18h", "18:00"), ("plutot 18h", "18:00"), ("18h plutôt", "18:00"),
            ("non, 18h", "18:00"), ("non 18h", "18:00"), ("en fait 18h", "18:00"), ("finalement 18h", "18:00"),
            ("mets-le à 18h", "18:00"), ("mets le à 18h", "18:00"), ("mets à 18h", "18:00"), ("change à 19h", "19:00"),
            ("change pour 19h", "19:00"), ("change le à 19h", "19:00"), ("déplace à 19h", "19:00"),
            ("décale à 20h", "20:00"), ("je voulais dire 19h", "19:00"), ("pardon, 19h", "19:00"), ("oups 19h", "19:00"),
            ("non pas 17h, 18h", "18:00"), ("pas 17h mais 18h", "18:00"), ("en fait 18h30", "18:30"),
            ("plutôt 18h30", "18:30"), ("non plutôt demain", "Thu"), ("plutôt demain", "Thu"), ("en fait demain", "Thu"),
            ("finalement demain", "Thu"), ("plutôt dem", "Thu"), ("plutot demain 9h", "Thu 09:00"),
            ("non plutôt jeudi à 17h", "Thu 17:00"), ("finalement vendredi 17h", "Fri 17:00"),
            ("mets-le à demain 9h", "Thu 09:00"), ("en fait dans une heure", "11:00"), ("plutôt dans 2h", "12:00"),
            ("attends, 18h", "18:00"), ("désolé, 18h", "18:00"), ("erreur, 18h", "18:00"), ("non non 18h", "18:00"),
        ],
    );
}

#[test]
fn several_requests_in_one_message() {
    family(
        "several",
        &[
            ("remind me to call mom at 5 and buy milk tomorrow", "2"),
            ("remind me to call mom at 5pm and to buy milk tomorrow", "2"),
            ("Remind me to call mom at 5pm and buy milk tomorrow at 9", "2"),
            ("remind me at 5 to call mom and at 7 to take my pills", "2"),
            ("remind me to call mom at 5 & buy milk at 6", "2"),
            ("remind me to call mom at 5 + buy milk at 6", "2"),
            ("remind me to stretch in 20 minutes and drink water in an hour", "2"),
            ("remind me to stretch in 20 min and drink water in 1 hr", "2"),
            ("remind me to pay rent tomorrow at 9am and call the landlord at noon", "2"),
            ("remind me to feed the cat at 6pm and walk the dog at 7pm", "2"),
            ("remind me to feed the cat at 6pm, and walk the dog at 7pm", "2"),
            ("remind me to feed the cat at 6pm and then walk the dog at 7pm", "2"),
            ("remind me to feed the cat at 6pm and also walk the dog at 7pm", "2"),
            ("remind me to feed the cat at 6pm. walk the dog at 7pm", "2"),
            ("remind me to take my pills at 8am and 8pm", "2"),
            ("remind me to call the bank at 10am and email Sam at 2pm", "2"),
            ("remind me to email Sam at 2pm and call the bank at 4pm pls", "2"),
            ("remind me to buy milk tmrw and call mom at 5", "2"),
            ("remind me to buy milk tomorrow at 10am and call mom at 5pm and pay rent friday at 9am", "3"),
            ("remind me to water the plants at 6 and take out trash at 9", "2"),
            ("remind me in 10 minutes to check the oven and in 30 minutes to take it out", "2"),
            ("remind me at 9am to call the doctor and at 3pm to pick up the kids", "2"),
            ("remind me at 9am tmrw to call the doctor and at 3pm to pick up the kids", "2"),
            ("Remind me to study at 4pm and to sleep at 11pm", "2"),
            ("remind me to start dinner at 5:30 and to call dad at 7", "2"),
            ("remind me to move the car at 8am and pay the ticket at noon", "2"),
            ("remind me to send the invoice tomorrow at 10 and follow up friday at 10", "2"),
            ("remind me to call the vet at 9 and book the groomer at 11", "2"),
            ("remind me to text Jo at 6pm and to call Max at 8pm", "2"),
            ("remind me to drink water in 1 hour and stretch in 2 hours", "2"),
            ("remind me to leave at 8:15 and lock the door at 8:10", "2"),
            ("remind me to check email at 1pm and update the doc at 3pm", "2"),
            ("remind me to take my meds at 9pm and go to bed at 10:30pm", "2"),
            ("remind me to pick up Léa at 3:30 and drop her at dance at 4:30", "2"),
            ("remind me to call mom at 5 and dad at 6", "2"),
            ("remind me to renew my passport monday at 10am and call the embassy tuesday at 10am", "2"),
            ("set a reminder to call mom at 5 and buy milk at 6", "2"),
            ("remind me to go to the gym at 6am and to meal prep at 7pm", "2"),
            ("remind me to pay the phone bill tomorrow at noon and the internet bill friday at noon", "2"),
            ("remind me to log my hours at 5pm and to back up my laptop at 6pm", "2"),
            ("remind me to call mom at 5 and buy milk at 6 pls", "2"),
            ("pls remind me to call mom at 5 and buy milk at 6", "2"),
            ("remind me to wake Sam at 7 and make lunch at 7:30", "2"),
            ("remind me to buy flowers at noon and call grandma at 4pm", "2"),
            ("remind me to clean the fridge saturday at 10am and do laundry sunday at 10am", "2"),
            ("remind me to turn off the oven in 40 min and set the table in 30 min", "2"),
            ("remind me to go vote at 5pm and to pick up dinner at 6pm", "2"),
            ("remind me to charge my phone at 10pm and set an alarm at 10:30pm", "2"),
            ("remind me to refill my prescription tomorrow at 11 and pick it up friday at 5pm", "2"),
            ("REMIND ME TO CALL MOM AT 5 AND BUY MILK AT 6", "2"),
            ("remind me to call mom @ 5pm and buy milk @ 6pm", "2"),
        ],
        &[
            ("rappelle-moi d'appeler maman à 17h et d'acheter du lait demain", "2"),
            ("rappelle moi d'appeler maman à 17h et d'acheter du lait demain à 9h", "2"),
            ("Rappelle-moi d'appeler maman a 17h et d'acheter du lait demain", "2"),
            ("rappelle-moi à 17h d'appeler maman et à 19h de prendre mes médicaments", "2"),
            ("rappelle-moi d'appeler maman à 17h et acheter du lait à 18h", "2"),
            ("rappelle-moi d'appeler maman à 17h puis d'acheter du lait à 18h", "2"),
            ("rappelle-moi d'appeler maman à 17h et puis d'acheter du lait à 18h", "2"),
            ("rappelle-moi d'appeler maman à 17h et aussi d'acheter du lait à 18h", "2"),
            ("rappelle-moi d'appeler maman à 17h, et d'acheter du lait à 18h", "2"),
            ("rappelle-moi de m'étirer dans 20 minutes et de boire de l'eau dans une heure", "2"),
            ("rappelle-moi de m'étirer dans 20 min et de boire de l'eau dans 1h", "2"),
            ("rappelle-moi de payer le loyer demain à 9h et d'appeler le proprio à midi", "2"),
            ("rappelle-moi de nourrir le chat à 18h et de sortir le chien à 19h", "2"),
            ("rappelle-moi de nourrir le chat à 18h. sortir le chien à 19h", "2"),
            ("rappelle-moi de prendre mes médocs à 8h et à 20h", "2"),
            ("rappelle-moi d'appeler la banque à 10h et d'écrire à Sam à 14h", "2"),
            ("rappelle-moi d'écrire à Sam à 14h et d'appeler la banque à 16h stp", "2"),
            ("rappelle-moi d'acheter du lait dem et d'appeler maman à 17h", "2"),
            ("rappelle-moi d'acheter du lait demain à 10h et d'appeler maman à 17h et de payer le loyer vendredi à 9h", "3"),
            ("rappelle-moi d'arroser les plantes à 18h et de sortir les poubelles à 21h", "2"),
            ("rappelle-moi dans 10 minutes de vérifier le four et dans 30 minutes de le sortir", "2"),
            ("rappelle-moi à 9h d'appeler le médecin et à 15h d'aller chercher les enfants", "2"),
            ("rappelle-moi demain à 9h d'appeler le médecin et à 15h d'aller chercher les enfants", "2"),
            ("Rappelle-moi de réviser à 16h et de dormir à 23h", "2"),
            ("rappelle-moi de lancer le souper à 17h30 et d'appeler papa à 19h", "2"),
            ("rappelle-moi de déplacer l'auto à 8h et de payer la contravention à midi", "2"),
            ("rappelle-moi d'envoyer la facture demain à 10h et de relancer vendredi à 10h", "2"),
            ("rappelle-moi d'appeler le véto à 9h et de réserver le toilettage à 11h", "2"),
            ("rappelle-moi d'écrire à Jo à 18h et d'appeler Max à 20h", "2"),
            ("rappelle-moi de boire de l'eau dans 1h et de m'étirer dans 2h", "2"),
            ("rappelle-moi de partir à 8h15 et de fermer à clé à 8h10", "2"),
            ("rappelle-moi de lire mes mails à 13h et de mettre à jour le doc à 15h", "2"),
            ("rappelle-moi de prendre mes médicaments à 21h et d'aller me coucher à 22h30", "2"),
            ("rappelle-moi d'aller chercher Léa à 15h30 et de la déposer à la danse à 16h30", "2"),
            ("rappelle-moi d'appeler maman à 17h et papa à 18h", "2"),
            ("rappelle-moi de renouveler mon passeport lundi à 10h et d'appeler l'ambassade mardi à 10h", "2"),
            ("fais-moi penser d'appeler maman à 17h et d'acheter du lait à 18h", "2"),
            ("rappelle-moi d'aller au gym à 6h et de préparer les repas à 19h", "2"),
            ("rappelle-moi de payer le téléphone demain à midi et internet vendredi à midi", "2"),
            ("rappelle-moi de noter mes heures à 17h et de sauvegarder mon ordi à 18h", "2"),
            ("rappelle-moi d'appeler maman à 17h et d'acheter du lait à 18h stp", "2"),
            ("stp rappelle-moi d'appeler maman à 17h et d'acheter du lait à 18h", "2"),
            ("rappelle-moi de réveiller Sam à 7h et de faire le lunch à 7h30", "2"),
            ("rappelle-moi d'acheter des fleurs à midi et d'appeler mamie à 16h", "2"),
            ("rappelle-moi de nettoyer le frigo samedi à 10h et de faire la lessive dimanche à 10h", "2"),
            ("rappelle-moi d'éteindre le four dans 40 min et de mettre la table dans 30 min", "2"),
            ("rappelle-moi d'aller voter à 17h et de prendre le souper à 18h", "2"),
            ("rappelle-moi de charger mon tel à 22h et de mettre un réveil à 22h30", "2"),
            ("rappelle-moi de renouveler mon ordonnance demain à 11h et de la récupérer vendredi à 17h", "2"),
            ("RAPPELLE-MOI D'APPELER MAMAN À 17H ET D'ACHETER DU LAIT À 18H", "2"),
            ("rappel moi d'appeler maman à 17h et d'acheter du lait à 18h", "2"),
        ],
    );
}

#[test]
fn sms_abbreviations() {
    family(
        "abbrev",
        &[
            ("remind me tmrw at 9am to call mom", "remind"), ("remind me 2moro at 9 to call mom", "remind"),
            ("remind me 2morrow at 9am to pay rent", "remind"), ("tmrw 9am call mom", "remind"),
            ("remind me tmr at 5pm to call the bank", "remind"), ("remind me tmw at 5pm to call the bank", "remind"),
            ("pls remind me at 5pm to call mom", "remind"), ("remind me at 5pm to call mom pls", "remind"),
            ("remind me at 5pm to call mom plz", "remind"), ("remind me 2nite at 9 to take my meds", "remind"),
            ("remind me tonite at 9pm to take my meds", "remind"), ("remind me in 10 mins to check the oven", "remind"),
            ("remind me in 2 hrs to move the car", "remind"), ("remind me in 1 hr to stretch", "remind"),
            ("rmd me at 5pm to call mom", "remind"), ("remind me 2day at 5pm to call mom", "remind"),
            ("remind me at 11am to call mom thx", "remind"), ("remind me abt the dentist tmrw at 9am", "remind"),
            ("l8r", "snooze"), ("ltr pls", "snooze"), ("busy rn", "snooze"), ("not rn", "snooze"),
            ("snooze 10 mins", "snooze"), ("in 10 mins", "snooze"), ("in 1 hr", "snooze"), ("in an hr pls", "snooze"),
            ("k done", "done"), ("done thx", "done"), ("done ty", "done"), ("dun", "done"), ("did it thx", "done"),
            ("done w the dishes", "done"), ("done w/ the dishes", "done"), ("wats on today", "list"),
            ("whats on 2day", "list"), ("whats on tmrw", "list"), ("wat do i have 2day", "list"), ("lst", "list"),
            ("my list pls", "list"), ("rmdrs", "list"), ("my todo pls", "list"), ("cncl the dentist one", "cancel"),
            ("cancel the dentist one pls", "cancel"), ("nvm the dentist", "cancel"), ("cancel 2 pls", "cancel"),
            ("actually make it 6pm pls", "correct"), ("actualy 6pm", "correct"), ("make it tmrw", "correct"),
            ("remind me tmrw at 8am to go to the gym thx", "remind"), ("remind me 2mrw at 8am to go to the gym", "remind"),
            ("pls remind me tmrw at noon to eat", "remind"), ("remind me @ 5pm to call mom", "remind"),
            ("remind u... i mean me at 5pm to call mom", "remind"),
        ],
        &[
            ("rappelle-moi dem à 9h d'appeler maman", "remind"), ("rappelle-moi dem a 9h d'appeler maman", "remind"),
            ("rappelle-moi auj à 17h d'appeler maman", "remind"), ("rappelle moi ajd à 17h d'appeler maman", "remind"),
            ("rdv dentiste dem 15h", "remind"), ("rappelle-moi le rdv dentiste dem à 15h", "remind"),
            ("rappelle-moi ds 10 min de vérifier le four", "remind"), ("rappelle-moi dans 10 min de vérifier le four stp", "remind"),
            ("rappelle-moi à 17h d'appeler maman stp", "remind"), ("rappelle-moi à 17h d'appeler maman svp", "remind"),
            ("stp rappelle-moi à 17h d'appeler maman", "remind"), ("svp rappelle moi à 17h d'appeler maman", "remind"),
            ("rapelle moi dem à 8h d'aller au gym", "remind"), ("rappel moi dem à 8h d'aller au gym", "remind"),
            ("rappelle-moi dem 8h pr le gym", "remind"), ("rappelle-moi auj 18h pr les médocs", "remind"),
            ("dem 9h appeler maman", "remind"), ("auj 17h appeler le garage", "remind"),
            ("+ tard", "snooze"), ("plus tard stp", "snooze"), ("pas mtn", "snooze"), ("ds 10", "snooze"),
            ("ds 1h", "snooze"), ("dans 10 min stp", "snooze"), ("plus tard svp", "snooze"), ("pas mnt", "snooze"),
            ("c fait", "done"), ("cé fait", "done"), ("c fait merci", "done"), ("fait stp", "done"), ("g fini", "done"),
            ("jai fini", "done"), ("c fait mrc", "done"), ("c quoi ma liste", "list"), ("c koi ma liste", "list"),
            ("jai quoi auj", "list"), ("jai quoi dem", "list"), ("g quoi auj", "list"), ("quoi de prevu auj", "list"),
            ("ma liste stp", "list"), ("mes rappels svp", "list"), ("annule le rdv dentiste stp", "cancel"),
            ("annule le rdv de 17h", "cancel"), ("anule le dentiste", "cancel"), ("annule ça stp", "cancel"),
            ("enfait 18h", "correct"), ("plutot dem", "correct"), ("non plutôt dem 9h", "correct"),
            ("rappelle-moi dem à 9h d'appeler maman mrc", "remind"), ("rappelle-moi dem à 9h jsp quoi mais un truc", "remind"),
            ("rappelle moi dmain à 9h d'appeler maman", "remind"), ("rappelle-moi 2main à 9h d'appeler maman", "remind"),
            ("rdv médecin dem à 10h", "remind"),
        ],
    );
}

#[test]
fn typos_and_missing_accents() {
    family(
        "typos",
        &[
            ("remnd me at 5pm to call mom", "remind"), ("remid me at 5pm to call mom", "remind"),
            ("reminde me at 5pm to call mom", "remind"), ("remindme at 5pm to call mom", "remind"),
            ("remind me tommorow at 9am to pay rent", "remind"), ("remind me tommorrow at 9am to pay rent", "remind"),
            ("remind me tomorow at 9am to pay rent", "remind"), ("remind me tomoro at 9am to pay rent", "remind"),
            ("REMIND ME AT 5PM TO CALL MOM", "remind"), ("Remind Me At 5pm To Call Mom", "remind"),
            ("remind me at 5pm to call mom!!!", "remind"), ("remind me at 5pm to call mom...", "remind"),
            ("remind me   at 5pm   to call mom", "remind"), ("remind me at 5pm to call mom :)", "remind"),
            ("doen", "done"), ("dnoe", "done"), ("donee", "done"), ("DONE!!!", "done"), ("fnished", "done"),
            ("finshed", "done"), ("finsihed it", "done"), ("snoze", "snooze"), ("snooz 10", "snooze"),
            ("snoozee", "snooze"), ("latr", "snooze"), ("laterr", "snooze"), ("LATER", "snooze"), ("not now!!", "snooze"),
            ("lsit", "list"), ("remiders", "list"), ("reminers", "list"), ("my remindrs", "list"), ("LIST", "list"),
            ("whats on todya", "list"), ("cancle the dentist one", "cancel"), ("canel the dentist", "cancel"),
            ("cancell the gym one", "cancel"), ("cansel gym", "cancel"), ("CANCEL THE DENTIST ONE", "cancel"),
            ("acutally make it 6pm", "correct"), ("actully 6pm", "correct"), ("akshually 6pm", "correct"),
            ("Actually Make It 6pm", "correct"), ("remimd me in 10 minutes to stretch", "remind"),
            ("rmind me in 10 minutes to stretch", "remind"), ("remine me in 10 minutes to stretch", "remind"),
            ("remind me tomorrro at 9am to pay rent", "remind"), ("remind me tomrrow at 9am to pay rent", "remind"),
            ("remind me in 10 minutes to strech", "remind"), ("remind me at 5pm to cal mom", "remind"),
        ],
        &[
            ("rappelle moi a 17h d'appeler maman", "remind"), ("rappelle-moi a 17h d appeler maman", "remind"),
            ("rappelle moi demain a 8h de prendre mes medicaments", "remind"),
            ("Rappelle-moi demain à 8h de prendre mes médicaments", "remind"),
            ("RAPPELLE-MOI DEMAIN A 8H DE PRENDRE MES MEDICAMENTS", "remind"), ("rapelle moi a 17h d'appeler maman", "remind"),
            ("rappele moi a 17h d'appeler maman", "remind"), ("rapele moi a 17h d'appeler maman", "remind"),
            ("rapelle-moi demain a 9h d'appeler le garage", "remind"), ("rappel-moi demain a 9h d'appeler le garage", "remind"),
            ("rappelle moi demin a 9h d'appeler le garage", "remind"), ("rappelle moi deamin a 9h d'appeler le garage", "remind"),
            ("rappelle moi aujourdhui a 17h d'appeler maman", "remind"), ("rappelle moi aujourdui a 17h d'appeler maman", "remind"),
            ("rappelle-moi a 17h d'appeler maman !!!", "remind"), ("rappelle-moi a 17h d'appeler maman...", "remind"),
            ("termine", "done"), ("Termine !", "done"), ("c'est termine", "done"), ("deja fait", "done"),
            ("cest fait", "done"), ("c est fait", "done"), ("faitt", "done"), ("fai", "done"), ("FINI", "done"),
            ("plus tard", "snooze"), ("PLUS TARD", "snooze"), ("occupe", "snooze"), ("pas maintenant !!", "snooze"),
            ("tantot", "snooze"), ("tout a l'heure", "snooze"), ("mes taches", "list"), ("ma journee", "list"),
            ("quoi de prevu aujourd'hui", "list"), ("qu'est ce que j'ai aujourd'hui", "list"), ("rapels", "list"),
            ("lsite", "list"), ("listee", "list"), ("annule le rappel de la reunion", "cancel"),
            ("annulle le dentiste", "cancel"), ("suprime le dentiste", "cancel"), ("enleve celui de 17h", "cancel"),
            ("efface la lessive", "cancel"), ("ANNULE LE DENTISTE", "cancel"), ("plutot jeudi", "correct"),
            ("non plustot jeudi", "correct"), ("finalment jeudi", "correct"), ("enfait jeudi", "correct"),
            ("desole, 18h", "correct"), ("Non Plutot Jeudi", "correct"), ("rapelle moi ds 10 min de m'etirer", "remind"),
            ("rappelle moi dans 10 min de m etirer", "remind"),
        ],
    );
}

#[test]
fn emojis() {
    family(
        "emoji",
        &[
            ("✅", "done"), ("✅✅", "done"), ("done ✅", "done"), ("✅ done", "done"), ("✔️", "done"), ("☑️", "done"),
            ("done 🎉", "done"), ("did it 💪", "done"), ("did it!! 🙌", "done"), ("finished 😅", "done"),
            ("took them 💊", "done"), ("done 👍", "done"), ("✅ laundry", "done"), ("💤", "snooze"), ("😴", "snooze"),
            ("💤💤", "snooze"), ("later 🙏", "snooze"), ("later 😩", "snooze"), ("not now 😬", "snooze"),
            ("busy 🚗", "snooze"), ("snooze ⏰", "snooze"), ("in 10 ⏰", "snooze"), ("in an hour 🙏", "snooze"),
            ("📋", "list"), ("📝", "list"), ("list 📋", "list"), ("what's on today? 🤔", "list"), ("my list 🙂", "list"),
            ("reminders? 👀", "list"), ("❌ dentist", "cancel"), ("cancel the dentist one ❌", "cancel"),
            ("🗑️ gym", "cancel"), ("cancel gym 🙏", "cancel"), ("⏰ at 5pm call mom", "remind"),
            ("⏰ tomorrow 9am pay rent", "remind"), ("⏰ in 20 minutes stretch", "remind"),
            ("remind me at 5pm to call mom 🙏", "remind"), ("remind me at 5pm to call mom 📞", "remind"),
            ("🔔 at 6pm feed the cat", "remind"), ("remind me in 10 min to check the oven 🍕", "remind"),
            ("remind me tmrw 9am 🦷 dentist", "remind"), ("actually make it 6pm 🙈", "correct"),
            ("oops 6pm 🙈", "correct"), ("👍 done", "done"), ("ok 👍 did it", "done"), ("remind me at 9pm to take meds 💊💊", "remind"),
            ("⏰⏰ at 5pm call mom", "remind"), ("done!!! 🥳🥳", "done"), ("did it ✅✅✅", "done"), ("later 🫠", "snooze"),
            ("📋?", "list"),
        ],
        &[
            ("✅", "done"), ("fait ✅", "done"), ("✅ fait", "done"), ("c'est fait ✅", "done"), ("c fait ✅", "done"),
            ("fini 🎉", "done"), ("fait 💪", "done"), ("c'est fait 🙌", "done"), ("j'ai fini 😅", "done"),
            ("pris 💊", "done"), ("fait 👍", "done"), ("✅ lessive", "done"), ("💤", "snooze"), ("😴", "snooze"),
            ("plus tard 🙏", "snooze"), ("plus tard 😩", "snooze"), ("pas maintenant 😬", "snooze"), ("occupé 🚗", "snooze"),
            ("plus tard ⏰", "snooze"), ("dans 10 ⏰", "snooze"), ("dans une heure 🙏", "snooze"), ("📋", "list"),
            ("📝", "list"), ("ma liste 📋", "list"), ("c quoi ma liste 🤔", "list"), ("mes rappels 👀", "list"),
            ("j'ai quoi auj ? 🤔", "list"), ("❌ dentiste", "cancel"), ("annule le dentiste ❌", "cancel"),
            ("🗑️ sport", "cancel"), ("annule le sport 🙏", "cancel"), ("⏰ à 17h appeler maman", "remind"),
            ("⏰ demain 9h payer le loyer", "remind"), ("⏰ dans 20 minutes m'étirer", "remind"),
            ("rappelle-moi à 17h d'appeler maman 🙏", "remind"), ("rappelle-moi à 17h d'appeler maman 📞", "remind"),
            ("🔔 à 18h nourrir le chat", "remind"), ("rappelle-moi dans 10 min de vérifier le four 🍕", "remind"),
            ("rappelle-moi dem 9h 🦷 dentiste", "remind"), ("non plutôt 18h 🙈", "correct"), ("oups 18h 🙈", "correct"),
            ("👍 c'est fait", "done"), ("ok 👍 fait", "done"), ("rappelle-moi à 21h de prendre mes médocs 💊💊", "remind"),
            ("⏰⏰ à 17h appeler maman", "remind"), ("fait!!! 🥳🥳", "done"), ("fait ✅✅✅", "done"),
            ("plus tard 🫠", "snooze"), ("📋 ?", "list"), ("c'est fait 🎉🎉", "done"), ("fini ✅", "done"),
        ],
    );
}
