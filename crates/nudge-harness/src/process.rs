//! Nudge processes for tests that need real processes (kill -9, distributed mode).
//! `nudge` is the path of the binary: `env!("CARGO_BIN_EXE_nudge")` in the caller.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `nudge` child process, killed when dropped; its output goes to a log
/// file, printed if the test fails.
pub struct NudgeProcess {
    name: String,
    child: Option<Child>,
    log: PathBuf,
}

impl NudgeProcess {
    pub fn spawn(
        nudge: &Path,
        name: &str,
        args: &[&str],
        environment: &HashMap<String, String>,
        log_dir: &Path,
    ) -> NudgeProcess {
        let log = log_dir.join(format!("{name}.log"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("log file");
        let child = Command::new(nudge)
            .args(args)
            // Only what the test chose: no NUDGE__ variable leaks in from the shell.
            .env_clear()
            .envs(environment)
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .expect("start nudge");
        NudgeProcess {
            name: name.to_owned(),
            child: Some(child),
            log,
        }
    }

    /// Runs to completion and checks it succeeded (e.g. `nudge migrate`).
    pub fn run(nudge: &Path, name: &str, args: &[&str], environment: &HashMap<String, String>, log_dir: &Path) {
        let mut process = NudgeProcess::spawn(nudge, name, args, environment, log_dir);
        let status = process.child.as_mut().expect("child").wait().expect("wait");
        assert!(status.success(), "{name} failed: {}", process.log_tail());
        process.child = None;
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill_9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill -9");
            child.wait().expect("reap");
        }
    }

    /// SIGTERM, then waits (at most `within`) and returns whether it exited successfully.
    pub fn terminate(&mut self, within: Duration) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status.success();
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for NudgeProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("---- last lines of {} ----\n{}", self.name, self.log_tail());
        }
    }
}

/// Waits until `url` answers 200.
pub async fn wait_ready(url: &str, timeout: Duration) {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Ok(response) = reqwest::get(url).await
            && response.status() == 200
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{url} not ready after {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
