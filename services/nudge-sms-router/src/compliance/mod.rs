//! Compliance keywords, handled before any agent sees a message.
//!
//! The rule is Twilio's: the **whole** message, trimmed, compared without
//! regard to case or accents. "Stop" and " STOP " match; "stop it" or
//! "please stop" do not (they are ordinary messages).
//!
//! - opt-out: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, and French ARRET
//!   (ARRÊT): nothing is sent to the person any more, and nothing is answered
//!   (on a long code Twilio answers STOP itself, and would refuse our answer
//!   with error 21610);
//! - opt-in: START, YES, UNSTOP, when the person is opted out: sending
//!   resumes and a short confirmation goes out (`sms.compliance_replies`).
//!   From a person who is not opted out they are ordinary messages ("yes"
//!   answers a question);
//! - help: HELP, INFO, and French AIDE: the help text, in the keyword's
//!   language (`sms.compliance_replies`). A help text goes out even to an
//!   opted-out person: they asked for it.
//!
//! Every reply here fits one GSM-7 segment (checked by the tests).

use nudge_core::Language;

use crate::error::RouterError;
use crate::metrics;
use crate::state::Core;
use crate::store::consent_event;
use store::ConsentChange;

pub(crate) mod store;

/// A compliance keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    OptOut,
    OptIn,
    Help,
}

/// A message that is a keyword: which one, as written in canonical form, and its language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Matched {
    pub(crate) keyword: Keyword,
    /// The canonical keyword (`STOP`, `ARRET`, `START` ...), kept in the audit trail.
    pub(crate) word: &'static str,
    pub(crate) language: Language,
}

const KEYWORDS: &[(&str, Keyword, Language)] = &[
    ("STOP", Keyword::OptOut, Language::En),
    ("STOPALL", Keyword::OptOut, Language::En),
    ("UNSUBSCRIBE", Keyword::OptOut, Language::En),
    ("CANCEL", Keyword::OptOut, Language::En),
    ("END", Keyword::OptOut, Language::En),
    ("QUIT", Keyword::OptOut, Language::En),
    ("ARRET", Keyword::OptOut, Language::Fr),
    ("START", Keyword::OptIn, Language::En),
    ("YES", Keyword::OptIn, Language::En),
    ("UNSTOP", Keyword::OptIn, Language::En),
    ("HELP", Keyword::Help, Language::En),
    ("INFO", Keyword::Help, Language::En),
    ("AIDE", Keyword::Help, Language::Fr),
];

/// The keyword `body` is, if it is one.
pub(crate) fn classify(body: &str) -> Option<Matched> {
    let trimmed = body.trim();
    // The longest keyword is 11 letters; anything much longer is a sentence.
    if trimmed.is_empty() || trimmed.chars().count() > 24 {
        return None;
    }
    let folded = fold(trimmed);
    KEYWORDS
        .iter()
        .find(|(word, _, _)| *word == folded)
        .map(|&(word, keyword, language)| Matched {
            keyword,
            word,
            language,
        })
}

/// Upper case without accents: "Arrêt" -> "ARRET".
fn fold(text: &str) -> String {
    text.chars()
        // Combining accents (a decomposed "ê" is "e" + U+0302) disappear.
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'A',
            'ç' | 'Ç' => 'C',
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'E',
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
            'ñ' | 'Ñ' => 'N',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'O',
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
            'ý' | 'ÿ' | 'Ý' => 'Y',
            other => other,
        })
        .flat_map(char::to_uppercase)
        .collect()
}

/// The answer to HELP, INFO or AIDE.
pub(crate) fn help_text(language: Language) -> &'static str {
    match language {
        Language::En => {
            "I'm Nudge. Text me what to remember, e.g. remind me in 20 minutes to stretch. \
             Reply STOP to stop all texts, START to get them again."
        }
        Language::Fr => {
            "Je suis Nudge. Écris-moi quoi te rappeler, ex. rappelle-moi dans 20 minutes de m'étirer. \
             Réponds ARRET pour ne plus rien recevoir."
        }
    }
}

/// The confirmation after START, in the language of the person's last opt-out.
pub(crate) fn opt_in_text(language: Language) -> &'static str {
    match language {
        Language::En => "You're back: Nudge will text you again. Reply STOP to stop, HELP for help.",
        Language::Fr => "C'est reparti : Nudge va de nouveau t'écrire. Réponds ARRET pour ne plus rien recevoir.",
    }
}

/// The one reply a phone that is not the number's owner gets.
pub(crate) const STRANGER_TEXT: &str = "This Nudge number is private. / Ce numéro Nudge est privé.";

/// Twilio says the person is unsubscribed (error 21610): they are opted
/// out here too, and nothing queued for them goes.
pub(crate) async fn unsubscribed_at_twilio(core: &Core, user_id: &str, outbound_id: &str) -> Result<(), RouterError> {
    let mut conn = core.db.conn().await?;
    if store::opted_out(&mut conn, user_id).await? {
        return Ok(());
    }
    let language = store::consent_language(&mut conn, user_id)
        .await?
        .unwrap_or_else(|| "en".to_owned());
    let suppressed = store::record_consent(
        &mut conn,
        &ConsentChange {
            user_id,
            opted_out: true,
            language: &language,
            source: consent_event::SOURCE_TWILIO_21610,
            keyword: None,
            inbound_id: None,
            outbound_id: Some(outbound_id),
            now: nudge_store::now(),
        },
    )
    .await?;
    metrics::consent_change(consent_event::OPT_OUT, consent_event::SOURCE_TWILIO_21610);
    tracing::info!(user.id = %user_id, suppressed, "Twilio reports the person unsubscribed (21610): opted out");
    Ok(())
}

#[cfg(test)]
mod tests {
    use nudge_core::sms::{SmsEncoding, count_segments};

    use super::*;

    #[track_caller]
    fn is(body: &str, keyword: Keyword, word: &str, language: Language) {
        assert_eq!(
            classify(body),
            Some(Matched {
                keyword,
                word: KEYWORDS.iter().find(|k| k.0 == word).map(|k| k.0).expect("known"),
                language
            }),
            "{body:?}"
        );
    }

    #[test]
    fn every_keyword_matches_whole_trimmed_case_and_accent_insensitive() {
        for word in ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"] {
            is(word, Keyword::OptOut, word, Language::En);
            is(&word.to_lowercase(), Keyword::OptOut, word, Language::En);
            is(
                &format!("  {}\n", word.to_lowercase()),
                Keyword::OptOut,
                word,
                Language::En,
            );
        }
        for body in ["ARRET", "arret", "Arrêt", "ARRÊT", " arrêt ", "Arre\u{302}t", "ARRÉT"] {
            is(body, Keyword::OptOut, "ARRET", Language::Fr);
        }
        for word in ["START", "YES", "UNSTOP"] {
            is(word, Keyword::OptIn, word, Language::En);
            is(&word.to_lowercase(), Keyword::OptIn, word, Language::En);
        }
        is("Start", Keyword::OptIn, "START", Language::En);
        for word in ["HELP", "INFO"] {
            is(word, Keyword::Help, word, Language::En);
            is(&format!("\t{}", word.to_lowercase()), Keyword::Help, word, Language::En);
        }
        is("Aide", Keyword::Help, "AIDE", Language::Fr);
        is("AIDÉ", Keyword::Help, "AIDE", Language::Fr);
    }

    #[test]
    fn only_the_whole_message_counts() {
        for body in [
            "stop it",
            "please stop",
            "STOP!",
            "stop stop",
            "cancel 2",
            "help me",
            "arrête",
            "",
            "   ",
            "remind me in 10 minutes to stop the oven",
            "s t o p",
        ] {
            assert_eq!(classify(body), None, "{body:?}");
        }
    }

    #[test]
    fn replies_fit_one_gsm7_segment() {
        for text in [
            help_text(Language::En),
            help_text(Language::Fr),
            opt_in_text(Language::En),
            opt_in_text(Language::Fr),
            STRANGER_TEXT,
        ] {
            let count = count_segments(text);
            assert_eq!((count.encoding, count.segments), (SmsEncoding::Gsm7, 1), "{text:?}");
        }
        // The agent's own help starts the same way, so people see one voice.
        assert!(help_text(Language::En).starts_with("I'm Nudge."));
        assert!(help_text(Language::Fr).starts_with("Je suis Nudge."));
    }
}
