//! A client-side deadline on every PostgreSQL round trip, enforced on the socket.
//!
//! A frozen PostgreSQL or PgBouncer keeps its sockets open and answers nothing, so a query
//! would wait until the server thaws; the server's own `statement_timeout` cannot help, since
//! the server is what froze. [`DeadlineStream`] wraps the connection's socket and counts, in
//! the wire protocol, the requests that expect an answer (the startup message, every `Sync`
//! and every simple `Query`) against the `ReadyForQuery` messages that end those answers.
//! While an answer is owed and nothing arrives for the deadline, reading fails with
//! `TimedOut`: the connection's driver stops, every query on it fails as unavailable (503),
//! and the pool sees the client closed and discards the connection, so it is never reused.
//! Any byte that arrives restarts the clock, so a long answer that keeps flowing is not cut.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Splits a byte stream into protocol messages and reports each message's type byte.
#[derive(Debug)]
struct MessageFramer {
    header: [u8; 5],
    filled: usize,
    header_len: usize,
    remaining_body: usize,
}

impl MessageFramer {
    /// The client's first message (startup) has no type byte; everything else has one.
    fn new(untyped_first: bool) -> Self {
        Self {
            header: [0; 5],
            filled: 0,
            header_len: if untyped_first { 4 } else { 5 },
            remaining_body: 0,
        }
    }

    /// Feeds bytes; calls `on_message` with the type byte (None for the untyped startup
    /// message) as soon as a message's header is complete.
    fn feed(&mut self, mut data: &[u8], mut on_message: impl FnMut(Option<u8>)) {
        while !data.is_empty() {
            if self.remaining_body > 0 {
                let skipped = self.remaining_body.min(data.len());
                self.remaining_body -= skipped;
                data = &data[skipped..];
                continue;
            }
            let wanted = self.header_len - self.filled;
            let taken = wanted.min(data.len());
            self.header[self.filled..self.filled + taken].copy_from_slice(&data[..taken]);
            self.filled += taken;
            data = &data[taken..];
            if self.filled == self.header_len {
                let (kind, length) = if self.header_len == 5 {
                    (Some(self.header[0]), &self.header[1..5])
                } else {
                    (None, &self.header[0..4])
                };
                let length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]);
                // The length counts itself (4 bytes) but not the type byte.
                self.remaining_body = (length as usize).saturating_sub(4);
                self.filled = 0;
                self.header_len = 5;
                on_message(kind);
            }
        }
    }
}

/// A socket whose reads fail with `TimedOut` when an owed answer stalls past the deadline.
pub struct DeadlineStream<S> {
    inner: S,
    deadline: Duration,
    sent: MessageFramer,
    received: MessageFramer,
    /// Answers owed: requests sent that their `ReadyForQuery` has not closed yet.
    owed: u64,
    timer: Pin<Box<Sleep>>,
}

impl<S> DeadlineStream<S> {
    /// Wraps a freshly connected socket (before the startup message is sent).
    pub fn new(inner: S, deadline: Duration) -> Self {
        Self {
            inner,
            deadline,
            sent: MessageFramer::new(true),
            received: MessageFramer::new(false),
            owed: 0,
            timer: Box::pin(tokio::time::sleep(deadline)),
        }
    }

    fn restart_clock(&mut self, cx: &mut Context<'_>) {
        self.timer.as_mut().reset(Instant::now() + self.deadline);
        // Registers this task's waker, so the deadline wakes the connection's driver even
        // when it is not reading right now.
        let _ = self.timer.as_mut().poll(cx);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for DeadlineStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let this = &mut *self;
                let mut closed = 0u64;
                this.received.feed(&buf.filled()[before..], |kind| {
                    if kind == Some(b'Z') {
                        closed += 1;
                    }
                });
                this.owed = this.owed.saturating_sub(closed);
                if this.owed > 0 && buf.filled().len() > before {
                    self.restart_clock(cx);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => {
                if self.owed > 0 && self.timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "PostgreSQL did not answer within {} ms",
                            self.deadline.as_millis()
                        ),
                    )));
                }
                Poll::Pending
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for DeadlineStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = match Pin::new(&mut self.inner).poll_write(cx, data) {
            Poll::Ready(Ok(written)) => written,
            other => return other,
        };
        let mut requests = 0u64;
        self.sent.feed(&data[..written], |kind| {
            // The startup message, Sync (extended protocol) and Query (simple protocol) are
            // each answered up to one ReadyForQuery.
            if matches!(kind, None | Some(b'S') | Some(b'Q')) {
                requests += 1;
            }
        });
        if requests > 0 {
            let was_idle = self.owed == 0;
            self.owed += requests;
            if was_idle {
                self.restart_clock(cx);
            }
        }
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn message(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![kind];
        out.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn the_framer_finds_message_types_across_any_split() {
        let mut stream = Vec::new();
        stream.extend_from_slice(&12u32.to_be_bytes());
        stream.extend_from_slice(&[0, 3, 0, 0, 1, 2, 3, 4]);
        stream.extend(message(b'P', b"statement\0"));
        stream.extend(message(b'S', b""));
        stream.extend(message(b'Q', b"SELECT 1\0"));
        for chunk in 1..stream.len() {
            let mut framer = MessageFramer::new(true);
            let mut kinds = Vec::new();
            for piece in stream.chunks(chunk) {
                framer.feed(piece, |kind| kinds.push(kind));
            }
            assert_eq!(
                kinds,
                vec![None, Some(b'P'), Some(b'S'), Some(b'Q')],
                "chunk {chunk}"
            );
        }
    }

    #[tokio::test]
    async fn an_owed_answer_that_never_comes_times_out_and_an_answered_one_does_not() {
        let (client, mut server) = tokio::io::duplex(1024);
        let mut stream = DeadlineStream::new(client, Duration::from_millis(150));
        // Nothing owed: a quiet server is fine.
        let mut byte = [0u8; 1];
        assert!(
            tokio::time::timeout(Duration::from_millis(300), stream.read(&mut byte))
                .await
                .is_err(),
            "an idle connection must not time out"
        );
        // The startup message, then a Sync, are each owed an answer; the server answers in
        // time, in pieces.
        let mut startup = 8u32.to_be_bytes().to_vec();
        startup.extend_from_slice(&[0, 3, 0, 0]);
        stream.write_all(&startup).await.unwrap();
        stream.write_all(&message(b'S', b"")).await.unwrap();
        let mut request = vec![0u8; 13];
        server.read_exact(&mut request).await.unwrap();
        let mut answers = message(b'R', &[0, 0, 0, 0]);
        answers.extend(message(b'Z', b"I"));
        answers.extend(message(b'Z', b"I"));
        for piece in answers.chunks(3) {
            server.write_all(piece).await.unwrap();
        }
        let mut answer = vec![0u8; answers.len()];
        stream.read_exact(&mut answer).await.unwrap();
        // Answered: idle again, no deadline.
        assert!(
            tokio::time::timeout(Duration::from_millis(300), stream.read(&mut byte))
                .await
                .is_err()
        );
        // A query the server never answers fails with TimedOut.
        stream
            .write_all(&message(b'Q', b"SELECT 1\0"))
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let error = stream.read(&mut byte).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
