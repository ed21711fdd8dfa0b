//! Lingering close: when the server ends a connection the client is still sending on (a body
//! refused as too large, a stalled one timed out), closing the socket with unread input makes
//! the kernel answer with a reset, and a reset can reach the client before it has read the
//! 400 we sent — it then sees "connection reset" or "broken pipe" instead of the reason.
//! Like nginx's `lingering_close`, such connections are kept reading (and discarding) for a
//! short, bounded while after the response went out.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio_rustls::server::TlsStream;

/// How long to wait for more input before closing anyway
const IDLE: Duration = Duration::from_secs(2);
/// How long to linger at most, however fast the client keeps sending
const TOTAL: Duration = Duration::from_secs(10);

/// A server-side TLS connection that lingers when dropped before the client closed its side.
/// It holds the connection's slot under the open-connection cap until it is really closed.
pub(crate) struct Lingering {
    /// `None` only once dropped
    tls: Option<TlsStream<TcpStream>>,
    permit: Option<OwnedSemaphorePermit>,
    peer_closed: bool,
}

impl Lingering {
    pub(crate) fn new(tls: TlsStream<TcpStream>, permit: OwnedSemaphorePermit) -> Self {
        Lingering {
            tls: Some(tls),
            permit: Some(permit),
            peer_closed: false,
        }
    }

    fn tls(&mut self) -> io::Result<Pin<&mut TlsStream<TcpStream>>> {
        self.tls
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }
}

impl AsyncRead for Lingering {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let wanted = buf.remaining() > 0;
        let polled = match self.tls() {
            Ok(tls) => tls.poll_read(cx, buf),
            Err(e) => return Poll::Ready(Err(e)),
        };
        match &polled {
            // end of input: the client closed its side, nothing to linger for
            Poll::Ready(Ok(())) if wanted && buf.filled().len() == before => {
                self.peer_closed = true;
            }
            Poll::Ready(Err(_)) => self.peer_closed = true,
            _ => {}
        }
        polled
    }
}

impl AsyncWrite for Lingering {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.tls() {
            Ok(tls) => tls.poll_write(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.tls() {
            Ok(tls) => tls.poll_write_vectored(cx, bufs),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.is_write_vectored())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.tls() {
            Ok(tls) => tls.poll_flush(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.tls() {
            Ok(tls) => tls.poll_shutdown(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl Drop for Lingering {
    fn drop(&mut self) {
        if self.peer_closed {
            return;
        }
        let (Some(tls), permit) = (self.tls.take(), self.permit.take()) else {
            return;
        };
        // Outside a runtime (never the case in the server) the socket just closes.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(drain(tls.into_inner().0, permit));
        }
    }
}

/// Send our FIN, then read and discard what the client still sends until it closes, goes
/// quiet for [`IDLE`], or [`TOTAL`] has passed. The bytes are TLS records nobody will decrypt.
async fn drain(mut tcp: TcpStream, _permit: Option<OwnedSemaphorePermit>) {
    let _ = tcp.shutdown().await;
    let mut sink = [0u8; 16 * 1024];
    let _ = tokio::time::timeout(TOTAL, async {
        while let Ok(Ok(n)) = tokio::time::timeout(IDLE, tcp.read(&mut sink)).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}
