//! The `nudge` command line: `nudge when`, and refused configurations.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

fn nudge(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nudge"));
    command
        .args(args)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("run nudge");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or_default().as_bytes())
        .expect("write stdin");
    drop(input);
    child.wait_with_output().expect("nudge output")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const NOW: &str = "2026-03-04T10:00:00-05:00";

#[test]
fn when_prints_what_a_time_expression_means() {
    let output = nudge(
        &["when", "--now", NOW, "remind me to call mom tomorrow at 5"],
        &[],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    assert_eq!(
        json,
        serde_json::json!({"at": "2026-03-05T17:00:00-05:00", "grain": "hour", "text": "call mom", "rrule": null})
    );

    let output = nudge(
        &[
            "when",
            "--now",
            NOW,
            "--tz",
            "Europe/Paris",
            "--lang",
            "fr",
            "demain à 8h",
        ],
        &[],
        None,
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    assert_eq!(json["at"], "2026-03-05T08:00:00+01:00");
}

#[test]
fn when_refuses_text_without_a_time() {
    let output = nudge(&["when", "--now", NOW, "I have 2 cats"], &[], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    assert!(stderr(&output).contains("no time"), "{}", stderr(&output));

    let output = nudge(&["when", "--tz", "Mars/Olympus", "tomorrow"], &[], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--tz"), "{}", stderr(&output));
}

#[test]
fn when_reads_json_lines() {
    let input = "tous les jours à 8h prendre mes médicaments\nI have 2 cats\nin 30 seconds stretch\n";
    let output = nudge(&["when", "--jsonl", "--now", NOW], &[], Some(input));
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 3, "one line out per line in");
    assert_eq!(lines[0]["rrule"], "FREQ=DAILY;BYHOUR=8;BYMINUTE=0");
    assert_eq!(lines[0]["text"], "prendre mes médicaments");
    assert_eq!(lines[1], serde_json::Value::Null);
    assert_eq!(lines[2]["at"], "2026-03-04T10:00:30-05:00");
}

#[test]
fn a_wrong_typed_configuration_value_stops_start_up_naming_the_key() {
    let output = nudge(&["serve", "api"], &[("NUDGE__SERVICES__API__PORT", "eighty")], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("services.api.port"), "{}", stderr(&output));

    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let output = nudge(
        &["dev", "--no-repl", "--data-dir", data_dir.to_str().expect("path")],
        &[("NUDGE__SCHEDULER__CATCH_UP_WINDOW_SECONDS", "fifteen minutes")],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("scheduler.catch_up_window_seconds"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_missing_required_value_stops_start_up_naming_the_key() {
    let output = nudge(&["serve", "workers"], &[("NUDGE__CRYPTO__ACTIVE_KEY", "k1")], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("crypto.keys"), "{}", stderr(&output));

    let output = nudge(
        &["migrate"],
        &[
            ("NUDGE__MODE", "distributed"),
            ("NUDGE__CRYPTO__ACTIVE_KEY", "k1"),
            (
                "NUDGE__CRYPTO__KEYS__K1",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ),
            ("NUDGE__TWILIO__AUTH_TOKEN", "token"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("database.url"), "{}", stderr(&output));
}
