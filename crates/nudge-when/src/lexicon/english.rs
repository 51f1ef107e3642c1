//! English words (including SMS spellings), normalized: lowercase.

use chrono::Weekday;

use super::Lex;

/// The value a normalized word carries in this language, one word or
/// spelling a line.
pub(super) fn word(w: &str) -> Lex {
    use super::Form::{Abbr, Full, Plural};
    use super::Lex::{Month as M, Num as N, Part as P, Unit as U, Weekday as D};
    use Weekday::*;
    match w {
        "zero" => N(0),
        "one" => N(1),
        "two" => N(2),
        "three" => N(3),
        "four" => N(4),
        "five" => N(5),
        "six" => N(6),
        "seven" => N(7),
        "eight" => N(8),
        "nine" => N(9),
        "ten" => N(10),
        "eleven" => N(11),
        "twelve" => N(12),
        "thirteen" => N(13),
        "fourteen" => N(14),
        "fifteen" => N(15),
        "sixteen" => N(16),
        "seventeen" => N(17),
        "eighteen" => N(18),
        "nineteen" => N(19),
        "twenty" => N(20),
        "thirty" => N(30),
        "forty" | "fourty" => N(40),
        "fifty" => N(50),
        "sixty" => N(60),
        "monday" => D(Mon, Full),
        "tuesday" => D(Tue, Full),
        "wednesday" => D(Wed, Full),
        "thursday" => D(Thu, Full),
        "friday" => D(Fri, Full),
        "saturday" => D(Sat, Full),
        "sunday" => D(Sun, Full),
        "mondays" => D(Mon, Plural),
        "tuesdays" => D(Tue, Plural),
        "wednesdays" => D(Wed, Plural),
        "thursdays" => D(Thu, Plural),
        "fridays" => D(Fri, Plural),
        "saturdays" => D(Sat, Plural),
        "sundays" => D(Sun, Plural),
        "mon" => D(Mon, Abbr),
        "tue" | "tues" => D(Tue, Abbr),
        "wed" | "weds" => D(Wed, Abbr),
        "thu" | "thur" | "thurs" => D(Thu, Abbr),
        "fri" => D(Fri, Abbr),
        "sat" => D(Sat, Abbr),
        "sun" => D(Sun, Abbr),
        "january" | "jan" => M(1),
        "february" | "feb" => M(2),
        "march" | "mar" => M(3),
        "april" | "apr" => M(4),
        "may" => M(5),
        "june" | "jun" => M(6),
        "july" | "jul" => M(7),
        "august" | "aug" => M(8),
        "september" | "sept" | "sep" => M(9),
        "october" | "oct" => M(10),
        "november" | "nov" => M(11),
        "december" | "dec" => M(12),
        "second" | "seconds" | "sec" | "secs" | "s" => U(super::Unit::Second),
        "minute" | "minutes" | "min" | "mins" | "m" => U(super::Unit::Minute),
        "hour" | "hours" | "hr" | "hrs" | "h" => U(super::Unit::Hour),
        "day" | "days" | "d" => U(super::Unit::Day),
        "week" | "weeks" | "wk" | "wks" | "w" => U(super::Unit::Week),
        "month" | "months" | "mo" | "mos" => U(super::Unit::Month),
        "year" | "years" | "yr" | "yrs" | "y" => U(super::Unit::Year),
        "morning" | "mornings" | "morn" => P(super::Part::Morning),
        "noon" | "midday" => P(super::Part::Noon),
        "afternoon" | "afternoons" => P(super::Part::Afternoon),
        "evening" | "evenings" => P(super::Part::Evening),
        "night" | "nights" | "nite" => P(super::Part::Night),
        _ => Lex::Other,
    }
}

/// Words that make a message more likely to be in this language.
pub(super) fn is_marker(word: &str) -> bool {
    matches!(
        word,
        "the"
            | "to"
            | "at"
            | "in"
            | "my"
            | "remind"
            | "reminder"
            | "tomorrow"
            | "today"
            | "tonight"
            | "and"
            | "for"
            | "of"
            | "is"
            | "it"
            | "i"
            | "you"
            | "please"
            | "call"
            | "buy"
            | "get"
            | "take"
            | "pick"
            | "up"
            | "next"
            | "this"
            | "every"
            | "each"
            | "day"
            | "days"
            | "week"
            | "weeks"
            | "month"
            | "months"
            | "year"
            | "years"
            | "hour"
            | "hours"
            | "morning"
            | "afternoon"
            | "evening"
            | "night"
            | "noon"
            | "midnight"
            | "monday"
            | "tuesday"
            | "wednesday"
            | "thursday"
            | "friday"
            | "saturday"
            | "sunday"
            | "january"
            | "february"
            | "march"
            | "april"
            | "may"
            | "june"
            | "july"
            | "august"
            | "september"
            | "october"
            | "november"
            | "december"
            | "from"
            | "now"
            | "with"
            | "don'"
            | "forget"
            | "o'"
            | "oclock"
            | "am"
            | "pm"
            | "half"
            | "quarter"
            | "past"
            | "after"
            | "before"
            | "by"
            | "mom"
            | "dad"
            | "let"
            | "about"
            | "that"
            | "be"
            | "go"
            | "do"
            | "need"
            | "have"
            | "your"
            | "our"
            | "out"
            | "home"
            | "work"
            | "tmrw"
            | "tmw"
            | "2moro"
            | "2day"
            | "2nite"
            | "later"
            | "daily"
            | "weekly"
            | "monthly"
    )
}
