//! The socket as hyper sees it, watched: reads move the connection's phase along (the first
//! byte of a request head starts the header timeout), and the answers hyper writes on its
//! own get our error body.
//!
//! hyper refuses some request heads before any service sees them — too large (431), a URI
//! over its 64 KiB limit (414), not HTTP (400) — and writes the answer itself, with an empty
//! body. Raising hyper's limits and enforcing ours in a layer would still leave hyper's
//! own answer for anything past its buffer, and would let each connection buffer more
//! before we look. So hyper enforces [`MAX_HEADER_BYTES`], and what it writes for such a
//! head is replaced here, on its way out, by the same status with the JSON error body of
//! the route the request line names (v2 or v1 / control) and `connection: close`.
//!
//! hyper's automatic answers are recognised by their shape: one of those statuses, no body
//! (`content-length: 0`), written while no request of the connection is with the app. The
//! app's own 400s always carry a body (the `render` layers see to that), so it never
//! matches them. A 431 whose request line had not ended within [`MAX_URI`] bytes becomes
//! a 414: it is the URI that is too long, not the headers.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::connection::{Conn, RequestLine};
use super::MAX_HEADER_BYTES;
use crate::clock::Clock;
use crate::http::{error_body, uri_too_long, Version, MAX_URI};

pub struct Watched {
    stream: TcpStream,
    conn: Arc<Conn>,
    clock: Arc<Clock>,
    /// Our answer replacing hyper's, and how much of it is written.
    replacement: Option<(Vec<u8>, usize)>,
}

impl Watched {
    pub fn new(stream: TcpStream, conn: Arc<Conn>, clock: Arc<Clock>) -> Watched {
        Watched {
            stream,
            conn,
            clock,
            replacement: None,
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stream).poll_read(cx, buf))?;
        let read = &buf.filled()[before..];
        if !read.is_empty() {
            this.conn.read(read);
        }
        Poll::Ready(Ok(()))
    }
}

impl Watched {
    /// Notices hyper's own answer to a head it refused when it starts writing one; `head`
    /// is the first bytes of what it writes.
    fn notice(&mut self, head: &[u8]) {
        if self.replacement.is_none() && !self.conn.busy() {
            if let Some(status) = automatic_answer(head) {
                let line = self.conn.request_line();
                self.replacement = Some((answer(status, &line, &self.clock), 0));
            }
        }
    }

    /// Writes our answer in place of hyper's: hyper's `len` bytes are reported written
    /// once ours are; anything it writes after them (it closes next) is dropped.
    fn poll_replacement(&mut self, cx: &mut Context<'_>, len: usize) -> Poll<io::Result<usize>> {
        if let Some((answer, written)) = &mut self.replacement {
            while *written < answer.len() {
                let n = ready!(Pin::new(&mut self.stream).poll_write(cx, &answer[*written..]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                *written += n;
            }
        }
        Poll::Ready(Ok(len))
    }
}

/// Writes go to the socket as hyper hands them over, vectored too: hyper then queues an
/// answer's body after its head and writes both in one call, where it would otherwise copy
/// the body into its own buffer first (a page of transactions is 5 KB).
impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.notice(data);
        if this.replacement.is_some() {
            return this.poll_replacement(cx, data.len());
        }
        Pin::new(&mut this.stream).poll_write(cx, data)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let head = bufs.iter().find(|buf| !buf.is_empty());
        this.notice(head.map_or(&[][..], |buf| &buf[..]));
        if this.replacement.is_some() {
            return this.poll_replacement(cx, bufs.iter().map(|buf| buf.len()).sum());
        }
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// The status of an answer hyper wrote itself for a head it refused, if `data` is one.
fn automatic_answer(data: &[u8]) -> Option<StatusCode> {
    let rest = data
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| data.strip_prefix(b"HTTP/1.0 "))?;
    let status = match rest.get(..4)? {
        b"400 " => StatusCode::BAD_REQUEST,
        b"414 " => StatusCode::URI_TOO_LONG,
        b"431 " => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        _ => return None,
    };
    let end = data.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = data[..end].to_ascii_lowercase();
    let empty = head
        .split(|&b| b == b'\n')
        .any(|line| line.trim_ascii() == b"content-length: 0");
    empty.then_some(status)
}

/// Our answer for a head hyper refused with `status`: the same status, with a JSON error
/// body in the shape of the route the request line names.
fn answer(status: StatusCode, line: &RequestLine, clock: &Clock) -> Vec<u8> {
    let uri_length = line.length.saturating_sub(
        line.start
            .iter()
            .position(|&b| b == b' ')
            .map_or(0, |p| p + 1),
    );
    let (status, message) = match status {
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE | StatusCode::URI_TOO_LONG
            if !line.ended || uri_length > MAX_URI =>
        {
            (
                StatusCode::URI_TOO_LONG,
                uri_too_long(uri_length, line.ended),
            )
        }
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE | StatusCode::URI_TOO_LONG => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "Request headers too large: the request line and headers may take \
                 {MAX_HEADER_BYTES} bytes (64 KiB) together, in at most 100 headers. Send \
                 fewer or shorter headers."
            ),
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            "Malformed request: its request line or a header is not valid HTTP/1.1.".into(),
        ),
    };
    let body = error_body(Version::of(&line.path()), message, Some(clock.now()));
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_own_answers_are_recognised_and_ours_are_not() {
        let hyper =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(
            automatic_answer(hyper),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 17\r\n\r\n{\"message\":\"no\"}";
        assert_eq!(automatic_answer(ours), None);
        assert_eq!(
            automatic_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"),
            None
        );
        assert_eq!(automatic_answer(b"{\"data\": 1}"), None);
    }
}
