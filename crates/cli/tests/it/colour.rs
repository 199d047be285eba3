//! Colour only on a terminal: the keeper's log (and every log line, and clap's messages) carries
//! ANSI escapes when stderr is a terminal, and none through a pipe or a file, or with `NO_COLOR`.
//! The terminal is a real pseudo-terminal.

use crate::support::{Cli, wbx};
use std::{
    io::Read,
    os::fd::{FromRawFd, OwnedFd},
    process::{Command, Stdio},
};
use wbx_testing::who;

const ESC: &str = "\x1b[";

/// A pseudo-terminal: (the side a terminal reads, the side a program writes to).
fn pty() -> (std::fs::File, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two new file descriptors into the two integers; no name, termios or
    // window size is passed.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nobody else.
    unsafe { (std::fs::File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

/// What `cmd` writes to stderr when stderr is a terminal (true) or a pipe (false).
fn stderr_of(mut cmd: Command, terminal: bool) -> String {
    cmd.stdout(Stdio::null());
    if !terminal {
        let o = cmd.stderr(Stdio::piped()).output().unwrap();
        return String::from_utf8_lossy(&o.stderr).into_owned();
    }
    let (mut master, slave) = pty();
    cmd.stderr(Stdio::from(slave));
    let mut child = cmd.spawn().unwrap();
    drop(cmd); // our copy of the terminal's program side: the reader ends when the child's does
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        // Linux answers EIO once the program side is closed by everyone.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&out).into_owned()
    });
    child.wait().unwrap();
    reader.join().unwrap()
}

#[tokio::test]
async fn colour_only_on_a_terminal_and_never_with_no_color() {
    let cli = Cli::new().await;
    let keeper = |no_color: Option<&str>| {
        let mut c = cli.cmd(&["keeper", "--once", "--dev-account", &who::KEEPER.to_string()]);
        c.env("RUST_LOG", "wbx_keeper=debug");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        } else {
            c.env_remove("NO_COLOR");
        }
        c
    };
    let log = stderr_of(keeper(None), true);
    assert!(log.contains("wbx_keeper") && log.contains(ESC), "no colour on a terminal:\n{log}");
    let log = stderr_of(keeper(Some("")), true);
    assert!(log.contains(ESC), "an empty NO_COLOR does not turn colour off:\n{log}");
    let log = stderr_of(keeper(Some("1")), true);
    assert!(log.contains("wbx_keeper") && !log.contains(ESC), "colour with NO_COLOR:\n{log:?}");
    let log = stderr_of(keeper(None), false);
    assert!(log.contains("wbx_keeper") && !log.contains(ESC), "colour in a pipe:\n{log:?}");

    // clap's own messages follow the same rule.
    let usage = |no_color: bool| {
        let mut c = wbx(cli.dir.path());
        c.args(["transfer", "0x12", "1"]).env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        c
    };
    let text = stderr_of(usage(false), true);
    assert!(text.contains("not an address") && text.contains(ESC), "{text}");
    for (no_color, terminal) in [(true, true), (false, false)] {
        let text = stderr_of(usage(no_color), terminal);
        assert!(text.contains("not an address") && !text.contains(ESC), "{text:?}");
    }
}
