//! Converts the English and French test data of dateparser (the Python date
//! parser, github.com/scrapinghub/dateparser) into `nudge when --score`
//! cases. The suite is others' text: fetch a copy outside this repository and
//! give its folder:
//!
//! ```text
//! cargo run -p nudge-when --example convert_dateparser -- /work/corpora/dateparser > dateparser.jsonl
//! nudge when --score dateparser.jsonl
//! ```
//!
//! It reads the `param(..)` lists of `tests/test_date_parser.py` and
//! `tests/test_freshness_date_parser.py` whose test function fixes the
//! reference time (`RELATIVE_BASE`, or the freshness tests' `self.now`,
//! 2014-09-01 10:30): `param("phrase", datetime(..))`, `param("phrase",
//! ago={..})` and `param("phrase", in_future={..})`. A list's language is
//! English until a comment names another ("# French dates", "# fr", "# de"…);
//! only English and French cases are kept. Times are naive: the cases use the
//! UTC zone. An expected `datetime(y, m, d)` without a time, or a shift of
//! whole days, weeks, months or years, expects only the day (dateparser's hour
//! for a bare day is its own convention). The category is the test function's
//! name without `test_`.

fn main() -> std::io::Result<()> {
    use std::io::Write as _;
    let mut errors = std::io::stderr().lock();
    let Some(root) = std::env::args().nth(1) else {
        writeln!(errors, "usage: convert_dateparser <folder of a dateparser checkout>")?;
        std::process::exit(2);
    };
    let mut output = std::io::BufWriter::new(std::io::stdout().lock());
    let written = nudge_when::score::dateparser_suite::convert(std::path::Path::new(&root), &mut output)?;
    writeln!(errors, "{written} cases written")?;
    output.flush()
}
