//! Just enough HTTP/1.1 for the tests' RPC proxies (a flaky path, a provider that caps log
//! ranges): read one request off a socket, and pass it on over a fresh connection.

use tokio::{io::AsyncReadExt, net::TcpStream};

/// One HTTP request: its head (request line and headers) and its body.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The request line and headers, `\r\n`-separated, without the blank line.
    pub head: String,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// Reads one request; `None` when the client closed the connection first.
    pub async fn read(sock: &mut TcpStream) -> std::io::Result<Option<Self>> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(None);
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end - 4]).to_string();
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(None);
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Ok(Some(Self { head, body: buf[head_end..head_end + length].to_vec() }))
    }

    /// The request as bytes for a fresh upstream connection, with `Connection: close` so the
    /// upstream's answer ends where its connection does.
    pub fn forwardable(&self) -> Vec<u8> {
        let mut out: Vec<u8> = self
            .head
            .split("\r\n")
            .filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("connection:"))
            .flat_map(|l| [l, "\r\n"])
            .collect::<String>()
            .into_bytes();
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}
