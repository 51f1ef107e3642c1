//! Converts the English and French tests of chrono (the JavaScript
//! natural-date parser, github.com/wanasit/chrono) into `nudge when --score`
//! cases. The suite is others' text: fetch a copy outside this repository and
//! give its folder:
//!
//! ```text
//! cargo run -p nudge-when --example convert_chrono -- /work/corpora/chrono > chrono.jsonl
//! nudge when --score chrono.jsonl
//! ```
//!
//! It reads the `testSingleCase`, `testWithExpectedDate` and
//! `testUnexpectedResult` calls of `test/en/*.ts` and `test/fr/*.ts`: the
//! phrase, the reference date and the expected start (`toBeDate(new
//! Date(..))` or the `get("year")`… assertions). JavaScript dates are local
//! times; the cases use the UTC zone for both the reference and the
//! expectation. When a test asserts no hour and the expected time is chrono's
//! own default for a day (the reference time, or noon), only the day is
//! expected. The category is the test file's name (`en_casual` gives
//! `casual`). British-order cases (`chrono.en.GB`, little-endian) are left
//! out: Nudge's English numeric dates are month/day.

fn main() -> std::io::Result<()> {
    use std::io::Write as _;
    let mut errors = std::io::stderr().lock();
    let Some(root) = std::env::args().nth(1) else {
        writeln!(errors, "usage: convert_chrono <folder of a chrono checkout>")?;
        std::process::exit(2);
    };
    let mut output = std::io::BufWriter::new(std::io::stdout().lock());
    let (written, skipped) = nudge_when::score::chrono_suite::convert(std::path::Path::new(&root), &mut output)?;
    writeln!(
        errors,
        "{written} cases written, {skipped} calls left out (no fixed reference date, British order, or unreadable)"
    )?;
    output.flush()
}
