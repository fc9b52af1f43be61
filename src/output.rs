//! Printing that never panics. `println!` and `eprintln!` panic when the stream is gone —
//! `monosim serve 2>&1 | head -2` closes the pipe after two lines, and the next banner line
//! killed the server with exit code 101 — so the commands that keep running after their
//! first lines (`serve`) or whose output is piped into other tools (`fire`, `logs`) print
//! through these macros, which drop what cannot be written. The server's log lines go
//! through `tracing`, set up in `main.rs` to drop them the same way (tracing-subscriber
//! reports a failed write with `eprintln!`, which panicked inside whichever request was
//! logging, so the client's connection dropped).

use std::fmt;
use std::io::Write;

/// Writes one line to `stream`; a closed or failing stream is ignored: there is nobody
/// left to tell.
pub fn line(stream: &mut impl Write, args: fmt::Arguments<'_>) {
    let _ = stream
        .write_fmt(args)
        .and_then(|()| stream.write_all(b"\n"));
}

/// Writes to `stream` without a newline (a prompt, a progress line), flushed so it shows
/// at once; a closed or failing stream is ignored.
pub fn text(stream: &mut impl Write, args: fmt::Arguments<'_>) {
    let _ = stream.write_fmt(args).and_then(|()| stream.flush());
}

/// `println!` that ignores a closed stdout.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::line(&mut ::std::io::stdout().lock(), format_args!($($arg)*))
    };
}

/// `eprintln!` that ignores a closed stderr.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::line(&mut ::std::io::stderr().lock(), format_args!($($arg)*))
    };
}

/// `print!` that ignores a closed stdout (and flushes).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::text(&mut ::std::io::stdout().lock(), format_args!($($arg)*))
    };
}

/// `eprint!` that ignores a closed stderr.
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::output::text(&mut ::std::io::stderr().lock(), format_args!($($arg)*))
    };
}

pub(crate) use {err, errln, out, outln};
