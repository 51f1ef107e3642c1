//! Time zones written after a clock ("3pm EST", "10h heure de Paris", "noon
//! Pacific", "14h UTC", "9am GMT+2"), one spelling a line. Abbreviations
//! naming standard or daylight time are that fixed offset ("EST" is UTC−5
//! even in July); names of a region ("Eastern", "Pacific time", "ET", "heure
//! de Paris") follow that region's daylight saving.

use chrono_tz::Tz;

/// A zone named in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zone {
    /// A region with its daylight-saving rules, or a fixed whole-hour offset
    /// (`Etc/GMT+5` is UTC−5).
    Named(Tz),
    /// A fixed offset east of UTC, in seconds ("GMT -08:45").
    Offset(i32),
}

/// Abbreviations and names, normalized (lowercase, no accents), as token
/// sequences. Longest first where one is the start of another.
pub(crate) const ZONES: &[(&[&str], Tz)] = &[
    (&["heure", "normale", "de", "l'", "est"], Tz::Etc__GMTPlus5),
    (&["heure", "avancee", "de", "l'", "est"], Tz::Etc__GMTPlus4),
    (&["heure", "de", "l'", "est"], Tz::America__Toronto),
    (&["heure", "de", "paris"], Tz::Europe__Paris),
    (&["heure", "de", "france"], Tz::Europe__Paris),
    (&["heure", "francaise"], Tz::Europe__Paris),
    (&["heure", "du", "quebec"], Tz::America__Toronto),
    (&["heure", "de", "montreal"], Tz::America__Toronto),
    (&["heure", "de", "toronto"], Tz::America__Toronto),
    (&["heure", "de", "new", "york"], Tz::America__New_York),
    (&["heure", "de", "vancouver"], Tz::America__Vancouver),
    (&["heure", "du", "pacifique"], Tz::America__Vancouver),
    (&["heure", "de", "londres"], Tz::Europe__London),
    (&["heure", "de", "bruxelles"], Tz::Europe__Brussels),
    (&["heure", "de", "geneve"], Tz::Europe__Zurich),
    (&["heure", "de", "tokyo"], Tz::Asia__Tokyo),
    (&["heure", "de", "l'", "atlantique"], Tz::America__Halifax),
    (&["heure", "des", "rocheuses"], Tz::America__Edmonton),
    (&["heure", "du", "centre"], Tz::America__Winnipeg),
    (&["paris", "time"], Tz::Europe__Paris),
    (&["london", "time"], Tz::Europe__London),
    (&["new", "york", "time"], Tz::America__New_York),
    (&["ny", "time"], Tz::America__New_York),
    (&["tokyo", "time"], Tz::Asia__Tokyo),
    (&["japan", "standard", "time"], Tz::Etc__GMTMinus9),
    (&["eastern", "standard", "time"], Tz::Etc__GMTPlus5),
    (&["eastern", "daylight", "time"], Tz::Etc__GMTPlus4),
    (&["pacific", "standard", "time"], Tz::Etc__GMTPlus8),
    (&["pacific", "daylight", "time"], Tz::Etc__GMTPlus7),
    (&["central", "standard", "time"], Tz::Etc__GMTPlus6),
    (&["mountain", "standard", "time"], Tz::Etc__GMTPlus7),
    (&["eastern"], Tz::America__New_York),
    (&["pacific"], Tz::America__Los_Angeles),
    (&["central"], Tz::America__Chicago),
    (&["mountain"], Tz::America__Denver),
    (&["atlantic"], Tz::America__Halifax),
    (&["et"], Tz::America__New_York),
    (&["pt"], Tz::America__Los_Angeles),
    (&["ct"], Tz::America__Chicago),
    (&["mt"], Tz::America__Denver),
    (&["est"], Tz::Etc__GMTPlus5),
    (&["edt"], Tz::Etc__GMTPlus4),
    (&["cst"], Tz::Etc__GMTPlus6),
    (&["cdt"], Tz::Etc__GMTPlus5),
    (&["mst"], Tz::Etc__GMTPlus7),
    (&["mdt"], Tz::Etc__GMTPlus6),
    (&["pst"], Tz::Etc__GMTPlus8),
    (&["pdt"], Tz::Etc__GMTPlus7),
    (&["akst"], Tz::Etc__GMTPlus9),
    (&["akdt"], Tz::Etc__GMTPlus8),
    (&["hst"], Tz::Etc__GMTPlus10),
    (&["ast"], Tz::Etc__GMTPlus4),
    (&["adt"], Tz::Etc__GMTPlus3),
    (&["utc"], Tz::UTC),
    (&["gmt"], Tz::UTC),
    (&["z"], Tz::UTC),
    (&["bst"], Tz::Etc__GMTMinus1),
    (&["cet"], Tz::Etc__GMTMinus1),
    (&["cest"], Tz::Etc__GMTMinus2),
    (&["eet"], Tz::Etc__GMTMinus2),
    (&["eest"], Tz::Etc__GMTMinus3),
    (&["msk"], Tz::Etc__GMTMinus3),
    (&["jst"], Tz::Etc__GMTMinus9),
    (&["kst"], Tz::Etc__GMTMinus9),
    (&["hkt"], Tz::Etc__GMTMinus8),
    (&["sgt"], Tz::Etc__GMTMinus8),
    (&["aest"], Tz::Etc__GMTMinus10),
    (&["aedt"], Tz::Etc__GMTMinus11),
];

/// Names of a region that are ordinary words too ("at 5 central station"):
/// a zone only before "time" or at the end of a sentence.
pub(crate) const REGION_WORDS: &[&str] = &[
    "eastern", "pacific", "central", "mountain", "atlantic", "et", "pt", "ct", "mt",
];

/// Named after a clock but not placed in time: refused rather than read in
/// the person's zone ("heure normale": of which region?).
pub(crate) const UNPLACED: &[&[&str]] = &[
    &["heure", "normale"],
    &["heure", "avancee"],
    &["nst"],
    &["ndt"],
    &["ist"],
];
