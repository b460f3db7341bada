//! Running the real `runner-metrics` binary as a hook script would, and
//! what the tests share.

pub use runner_metrics_testkit::closed_url;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

/// Environment the CLI reads that a developer's shell may have set.
const CLEARED: [&str; 3] = [
    "RUNNER_METRICS_BEARER_TOKEN",
    "RUNNER_METRICS_BASIC_USER",
    "RUNNER_METRICS_BASIC_PASSWORD",
];

/// One run of the CLI, to be configured then started with [`Cli::run`].
pub struct Cli {
    args: Vec<String>,
    env: Vec<(String, String)>,
    env_removed: Vec<String>,
    dir: Option<PathBuf>,
    stdin: Vec<u8>,
    cache: PathBuf,
    wrapper: Vec<String>,
    file_size_limit: Option<u64>,
    stdout: Option<PathBuf>,
    stderr: Option<PathBuf>,
}

/// What a run did.
#[derive(Debug)]
pub struct Run {
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

impl Run {
    /// Panic with what it printed unless it exited 0.
    pub fn assert_ok(&self) -> &Run {
        assert_eq!(self.code, Some(0), "{self:?}");
        self
    }

    /// Panic with what it printed unless it exited `code`.
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, Some(code), "{self:?}");
        self
    }

    /// stdout and stderr together.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

pub fn cli(args: &[&str]) -> Cli {
    Cli {
        args: args.iter().map(|s| s.to_string()).collect(),
        env: Vec::new(),
        env_removed: Vec::new(),
        dir: None,
        stdin: Vec::new(),
        cache: cache_dir(),
        wrapper: Vec::new(),
        file_size_limit: None,
        stdout: None,
        stderr: None,
    }
}

impl Cli {
    /// More arguments, after those given.
    pub fn args<'a>(mut self, args: impl IntoIterator<Item = &'a str>) -> Cli {
        self.args.extend(args.into_iter().map(String::from));
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Cli {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Unset this variable (the cache's too); [`Cli::env`] sets it again.
    pub fn env_remove(mut self, name: &str) -> Cli {
        self.env_removed.push(name.into());
        self
    }

    /// Run it in this directory.
    pub fn current_dir(mut self, dir: &Path) -> Cli {
        self.dir = Some(dir.to_path_buf());
        self
    }

    pub fn stdin(mut self, bytes: &[u8]) -> Cli {
        self.stdin = bytes.to_vec();
        self
    }

    /// Use this cache directory instead of the shared, warm one.
    pub fn cache(mut self, dir: &Path) -> Cli {
        self.cache = dir.to_path_buf();
        self
    }

    /// Run the CLI through this command (`unshare -m sh -c ...`), which
    /// ends by running its arguments.
    pub fn wrapped(mut self, wrapper: &[&str]) -> Cli {
        self.wrapper = wrapper.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Run it under `ulimit -f` of this many bytes, with SIGXFSZ at its
    /// default action (killing the process), as a shell leaves it.
    pub fn file_size_limit(mut self, bytes: u64) -> Cli {
        self.file_size_limit = Some(bytes);
        self
    }

    /// Send its stderr to this file (say `/dev/full`) instead of a pipe;
    /// [`Run::stderr`] is then empty.
    pub fn stderr_to(mut self, path: &Path) -> Cli {
        self.stderr = Some(path.to_path_buf());
        self
    }

    /// The same for stdout.
    pub fn stdout_to(mut self, path: &Path) -> Cli {
        self.stdout = Some(path.to_path_buf());
        self
    }

    pub async fn run(self) -> Run {
        tokio::task::spawn_blocking(move || self.run_blocking())
            .await
            .unwrap()
    }

    fn run_blocking(self) -> Run {
        warm_the_shared_cache();
        let binary = env!("CARGO_BIN_EXE_runner-metrics");
        let mut argv: Vec<String> = self.wrapper.clone();
        argv.push(binary.into());
        argv.extend(self.args.iter().cloned());
        let mut command = Command::new(&argv[0]);
        command.args(&argv[1..]);
        for name in CLEARED {
            command.env_remove(name);
        }
        command.env("RUNNER_METRICS_CACHE_DIR", &self.cache);
        for name in &self.env_removed {
            command.env_remove(name);
        }
        command
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(to(&self.stdout))
            .stderr(to(&self.stderr));
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        if let Some(bytes) = self.file_size_limit {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit and signal are async-signal-safe, and the
            // closure allocates nothing.
            unsafe {
                command.pre_exec(move || {
                    let limit = libc::rlimit {
                        rlim_cur: bytes,
                        rlim_max: libc::RLIM_INFINITY,
                    };
                    if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
                    Ok(())
                });
            }
        }
        let started = Instant::now();
        let mut child = command.spawn().expect("run the CLI");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(&self.stdin);
        }
        let out = child.wait_with_output().expect("wait for the CLI");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            took: started.elapsed(),
        }
    }
}

/// A file to append to, or a pipe.
fn to(path: &Option<PathBuf>) -> Stdio {
    match path {
        Some(path) => Stdio::from(
            std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .expect("open the file for the CLI's output"),
        ),
        None => Stdio::piped(),
    }
}

/// Shared by every run, so that the component is compiled once.
fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-cache")
}

/// Compile the component into the shared cache before the first test
/// needs it, once, rather than in every test running in parallel.
fn warm_the_shared_cache() {
    static WARM: Once = Once::new();
    WARM.call_once(|| {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("warm.log");
        let out = Command::new(env!("CARGO_BIN_EXE_runner-metrics"))
            .args(["issue", "--file", log.to_str().unwrap()])
            .args(["runner_installed", "flavor=warm", "duration=0"])
            .env("RUNNER_METRICS_CACHE_DIR", cache_dir())
            .output()
            .expect("run the CLI");
        assert!(
            out.status.success(),
            "warming the cache failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// A path as the CLI takes it.
pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The fields of a valid `runner_installed`, its timestamp fixed.
pub const INSTALLED: [&str; 4] = [
    "runner_installed",
    "timestamp=1700000000",
    "flavor=small",
    "duration=5",
];

/// `issue` with these arguments, then a valid `runner_installed`.
pub fn issue(args: &[&str]) -> Cli {
    let mut all = vec!["issue"];
    all.extend(args);
    all.extend(INSTALLED);
    cli(&all)
}

/// Every line the receiver got, in order.
pub fn lines(rx: &runner_metrics_testkit::Receiver) -> Vec<String> {
    rx.streams()
        .iter()
        .flat_map(|s| s.entries.iter().map(|e| e.line.clone()))
        .collect()
}
