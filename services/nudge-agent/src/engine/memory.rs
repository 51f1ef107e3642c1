//! Memory and confirmation commands: "remember ...", "what do you know about
//! me", "forget ...", "forget everything", "cancel all", "yes" / "no".

use nudge_core::Language;

use super::words::Words;
use super::{EN, FR, Intent, Understood, keyword, whole};

/// What "forget" points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ForgetTarget {
    /// An item of the last list of memories.
    Item(usize),
    /// The memory that best matches these words.
    Matching(String),
}

const REMEMBER: &[(&str, Language)] = &[
    ("remember", EN),
    ("remember that", EN),
    ("please remember", EN),
    ("please remember that", EN),
    ("note that", EN),
    ("keep in mind", EN),
    ("keep in mind that", EN),
    ("don't forget that", EN),
    ("dont forget that", EN),
    ("fyi", EN),
    ("retiens", FR),
    ("retiens que", FR),
    ("souviens-toi", FR),
    ("souviens-toi que", FR),
    ("souviens toi que", FR),
    ("rappelle-toi que", FR),
    ("rappelle toi que", FR),
    ("note que", FR),
    ("n'oublie pas que", FR),
    ("noublie pas que", FR),
    ("garde en tete", FR),
    ("garde en tete que", FR),
    ("memorise", FR),
    ("memorise que", FR),
];

const RECALL_ALL: &[(&str, Language)] = &[
    ("what do you know about me", EN),
    ("what do you remember", EN),
    ("what do you remember about me", EN),
    ("what do you know", EN),
    ("what you know about me", EN),
    ("memories", EN),
    ("my memories", EN),
    ("show my memories", EN),
    ("memory", EN),
    ("qu'est-ce que tu sais sur moi", FR),
    ("qu'est ce que tu sais sur moi", FR),
    ("quest-ce que tu sais sur moi", FR),
    ("qu'est-ce que tu sais de moi", FR),
    ("qu'est ce que tu sais de moi", FR),
    ("que sais-tu de moi", FR),
    ("que sais-tu sur moi", FR),
    ("que sais tu de moi", FR),
    ("que sais tu sur moi", FR),
    ("tu sais quoi sur moi", FR),
    ("ce que tu sais sur moi", FR),
    ("qu'est-ce que tu as retenu", FR),
    ("mes souvenirs", FR),
    ("souvenirs", FR),
    ("memoire", FR),
    ("ma memoire", FR),
];

/// Questions about one thing: the rest of the message is what to look for.
const RECALL_ABOUT: &[(&str, Language)] = &[
    ("what do you know about", EN),
    ("what do you remember about", EN),
    ("what's my", EN),
    ("whats my", EN),
    ("what is my", EN),
    ("who is my", EN),
    ("who's my", EN),
    ("where is my", EN),
    ("when is my", EN),
    ("recall", EN),
    ("que sais-tu de", FR),
    ("que sais-tu sur", FR),
    ("qu'est-ce que tu sais sur", FR),
    ("qu'est-ce que tu sais de", FR),
    ("c'est quoi mon", FR),
    ("c'est quoi ma", FR),
    ("c'est quoi mes", FR),
    ("qui est mon", FR),
    ("qui est ma", FR),
    ("quel est mon", FR),
    ("quelle est ma", FR),
    ("quand est mon", FR),
    ("ou est mon", FR),
];

const FORGET_ALL: &[(&str, Language)] = &[
    ("forget everything", EN),
    ("forget all", EN),
    ("forget me", EN),
    ("forget everything about me", EN),
    ("forget all about me", EN),
    ("delete my memories", EN),
    ("delete all my memories", EN),
    ("erase my memory", EN),
    ("oublie tout", FR),
    ("oublie tout sur moi", FR),
    ("oublie tout ce que tu sais", FR),
    ("oublie tout ce que tu sais sur moi", FR),
    ("efface ma memoire", FR),
    ("efface mes souvenirs", FR),
    ("efface tous mes souvenirs", FR),
];

const FORGET: &[(&str, Language)] = &[
    ("forget", EN),
    ("forget about", EN),
    ("forget that", EN),
    ("oublie", FR),
    ("oublie que", FR),
    ("oublie ca", FR),
];

const CANCEL_ALL: &[(&str, Language)] = &[
    ("cancel all", EN),
    ("cancel everything", EN),
    ("cancel all reminders", EN),
    ("cancel all my reminders", EN),
    ("delete all reminders", EN),
    ("delete all my reminders", EN),
    ("remove all reminders", EN),
    ("annule tout", FR),
    ("annule tous mes rappels", FR),
    ("annule tous les rappels", FR),
    ("supprime tous mes rappels", FR),
    ("supprime tous les rappels", FR),
    ("efface tous mes rappels", FR),
];

const YES: &[(&str, Language)] = &[
    ("yes", EN),
    ("y", EN),
    ("yes please", EN),
    ("yep", EN),
    ("yeah", EN),
    ("confirm", EN),
    ("yes confirm", EN),
    ("oui", FR),
    ("ouais", FR),
    ("oui oui", FR),
    ("confirme", FR),
    ("je confirme", FR),
    ("oui vas-y", FR),
];

const NO: &[(&str, Language)] = &[
    ("no", EN),
    ("n", EN),
    ("nope", EN),
    ("no thanks", EN),
    ("never mind", EN),
    ("non", FR),
    ("non merci", FR),
    ("laisse tomber", FR),
];

const LOCAL_ON: &[(&str, Language)] = &[
    ("local only", EN),
    ("local mode", EN),
    ("local mode on", EN),
    ("private mode", EN),
    ("private mode on", EN),
    ("no ai", EN),
    ("ai off", EN),
    ("mode local", FR),
    ("mode local on", FR),
    ("local seulement", FR),
    ("mode prive", FR),
    ("pas d'ia", FR),
    ("ia off", FR),
    ("sans ia", FR),
];

const LOCAL_OFF: &[(&str, Language)] = &[
    ("local mode off", EN),
    ("private mode off", EN),
    ("ai on", EN),
    ("mode local off", FR),
    ("mode prive off", FR),
    ("ia on", FR),
    ("avec ia", FR),
];

/// Reads a memory or confirmation command, if the message is one.
pub(super) fn read(words: &Words<'_>) -> Option<Understood> {
    let understood = |intent, language| Some(Understood { intent, language });
    for (table, on) in [(LOCAL_ON, true), (LOCAL_OFF, false)] {
        if let Some(language) = whole(words, table) {
            return understood(Intent::SetLocalOnly(on), language);
        }
    }
    for (table, yes) in [(YES, true), (NO, false)] {
        if let Some(language) = whole(words, table) {
            return understood(Intent::Confirm(yes), language);
        }
    }
    if let Some(language) = whole(words, RECALL_ALL) {
        return understood(Intent::Recall { about: None }, language);
    }
    if let Some(language) = whole(words, FORGET_ALL) {
        return understood(Intent::ForgetAll, language);
    }
    if let Some(language) = whole(words, CANCEL_ALL) {
        return understood(Intent::CancelAllReminders, language);
    }
    if let Some((used, language)) = keyword(words, RECALL_ABOUT)
        && used < words.len()
    {
        let about = words.rest(used).trim_end_matches(['?', '.', '!', ' ']).to_owned();
        return understood(Intent::Recall { about: Some(about) }, language);
    }
    if let Some((used, language)) = keyword(words, FORGET)
        && used < words.len()
    {
        if let Some((item, taken)) = words.number_at(used)
            && used + taken == words.len()
        {
            return understood(Intent::Forget(ForgetTarget::Item(item)), language);
        }
        let what = words.rest(used).trim_end_matches(['.', '!', ' ']).to_owned();
        return understood(Intent::Forget(ForgetTarget::Matching(what)), language);
    }
    if let Some((used, language)) = keyword(words, REMEMBER)
        && used < words.len()
    {
        let rest = words.rest(used);
        let fact = rest.trim_start_matches([':', ',', '-']).trim();
        // "remember to call mom at 5" is a reminder, not a fact.
        let first = words.word(used).unwrap_or_default();
        if language == EN && first == "to" {
            return None;
        }
        if fact.is_empty() {
            return None;
        }
        return understood(
            Intent::Remember {
                fact: fact.trim_end_matches(['.', ' ']).to_owned(),
            },
            language,
        );
    }
    None
}

/// "my sister is Léa", "ma sœur s'appelle Léa": a fact told in passing,
/// kept when nothing else reads the message.
pub(super) fn told_fact(words: &Words<'_>) -> Option<Understood> {
    let (language, owner_words) = match words.word(0)? {
        "my" => (EN, [" is ", " are ", " lives ", " works "].as_slice()),
        "mon" | "ma" | "mes" => (
            FR,
            [" est ", " sont ", " s'appelle ", " habite ", " travaille "].as_slice(),
        ),
        _ => return None,
    };
    let folded = format!(" {} ", words.folded_text());
    if words.len() < 3 || !owner_words.iter().any(|w| folded.contains(w)) {
        return None;
    }
    Some(Understood {
        intent: Intent::Remember {
            fact: words.rest(0).trim_end_matches(['.', ' ']).to_owned(),
        },
        language,
    })
}
