//! `runner-metrics`: issue one runner metric event through the component
//! (to Loki's push API, or to a log file). (The demo, which needs a Loki
//! push receiver, is the host crate's `demo` example: `./scripts/demo`.)

mod args;
mod credentials;
#[cfg(unix)]
mod diagnose;
mod events;
mod exit;
mod issue;
mod load;
mod paths;
mod settings;
mod signals;
mod stdout;

use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    signals::ignore_file_size_limit();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage(&e),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(exit::Failure::other(format!("starting tokio: {e}"))),
    };
    let done = runtime.block_on(async {
        match &cli.command {
            Command::Issue(args) => issue::run(&cli, args).await,
        }
    });
    // Not `drop`: that waits for blocking tasks, such as a name lookup the
    // resolver is still retrying long after the call's deadline ended it. A
    // hook must not hold its job for that.
    runtime.shutdown_background();
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(failure),
    }
}

/// Help, the version, or a usage error, printed as clap prints them. Help
/// or a version that could not be written (stdout on a full disk, or
/// closed) is a failure, as in coreutils: 1.
fn usage(e: &clap::Error) -> ExitCode {
    let code = e.exit_code();
    let printed = if code == 0 {
        stdout::open().and_then(|()| e.print())
    } else {
        e.print()
    };
    match printed {
        Err(write) if code == 0 => {
            exit::say(format_args!("writing the output: {write}"));
            ExitCode::from(exit::OTHER)
        }
        _ => ExitCode::from(u8::try_from(code).unwrap_or(exit::OTHER)),
    }
}

fn fail(failure: exit::Failure) -> ExitCode {
    exit::say(format_args!("{failure}"));
    ExitCode::from(failure.code)
}
