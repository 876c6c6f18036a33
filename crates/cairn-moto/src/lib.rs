//! A real moto server for tests: `moto_server` (PyPI `moto[server]`)
//! started on a free port on 127.0.0.1 and killed when the handle drops.
//!
//! Tests talk to it exactly as to AWS, only the endpoint differs. The
//! address is `127.0.0.1`, never `localhost`: with `localhost` the S3
//! endpoint rules pick virtual-host addressing (`bucket.localhost`), which
//! does not resolve.
//!
//! When `moto_server` cannot be found, [`Moto::start`] fails with a message
//! saying how to install it; tests must fail then, not skip.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a fresh server may take to answer (it is ready in about
/// 0.4 s on a quiet machine; a loaded CI machine is much slower).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running moto server.
pub struct Moto {
    child: Child,
    port: u16,
}

/// Why the server could not be started or used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MotoError(pub String);

impl std::fmt::Display for MotoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MotoError {}

impl Moto {
    /// Starts `moto_server` on a free loopback port and waits until it
    /// answers HTTP.
    pub fn start() -> Result<Moto, MotoError> {
        let exe = find_moto_server().ok_or_else(|| {
            MotoError(format!(
                "moto_server was not found (searched PATH, $CAIRN_VENV/bin and {}). The AWS \
                 integration tests need a real moto server: run ./scripts/test, which installs \
                 moto[server] into a virtual environment, or put moto_server on PATH \
                 (pip install 'moto[server]>=5.1,<6').",
                default_venv_bin()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "~/.cache/cairn-venv/bin".into())
            ))
        })?;
        // A few attempts: another process may take the port between our
        // probe and moto's bind.
        let mut last = MotoError("moto_server did not start".into());
        for _ in 0..3 {
            let port = free_port()?;
            match Self::spawn(&exe, port) {
                Ok(m) => return Ok(m),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn spawn(exe: &Path, port: u16) -> Result<Moto, MotoError> {
        let child = Command::new(exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Unbuffered, so a startup error reaches us before exit.
            .env("PYTHONUNBUFFERED", "1")
            .spawn()
            .map_err(|e| MotoError(format!("cannot run {}: {e}", exe.display())))?;
        let mut moto = Moto { child, port };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                let mut err = String::new();
                if let Some(mut s) = moto.child.stderr.take() {
                    let _ = s.read_to_string(&mut err);
                }
                return Err(MotoError(format!(
                    "moto_server exited at startup ({status}): {}",
                    err.trim()
                )));
            }
            if moto.request("GET", "/moto-api/").is_ok() {
                // Nobody reads stderr from here on: drop the pipe so a
                // chatty server never blocks on a full buffer.
                moto.child.stderr.take();
                return Ok(moto);
            }
            if Instant::now() > deadline {
                return Err(MotoError(format!(
                    "moto_server did not answer on 127.0.0.1:{port} within {} s",
                    START_TIMEOUT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Clears all state in the server (`POST /moto-api/reset`).
    pub fn reset(&self) -> Result<(), MotoError> {
        let (status, body) = self.request("POST", "/moto-api/reset")?;
        if status == 200 {
            Ok(())
        } else {
            Err(MotoError(format!(
                "moto reset answered HTTP {status}: {}",
                body.trim()
            )))
        }
    }

    /// One HTTP/1.1 request with an empty body: (status, body).
    fn request(&self, method: &str, path: &str) -> Result<(u16, String), MotoError> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let io = |e: std::io::Error| MotoError(format!("moto {method} {path}: {e}"));
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(io)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(io)?;
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        s.write_all(req.as_bytes()).map_err(io)?;
        let mut resp = Vec::new();
        s.read_to_end(&mut resp).map_err(io)?;
        let text = String::from_utf8_lossy(&resp);
        let status = text
            .strip_prefix("HTTP/1.")
            .and_then(|r| r.get(2..5))
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| MotoError(format!("moto {method} {path}: not an HTTP response")))?;
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        Ok((status, body))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, MotoError> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| MotoError(format!("cannot find a free port on 127.0.0.1: {e}")))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| MotoError(format!("cannot find a free port on 127.0.0.1: {e}")))
}

fn default_venv_bin() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/cairn-venv/bin"))
}

/// `moto_server` from `$CAIRN_VENV/bin`, the default venv, then PATH.
fn find_moto_server() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(v) = std::env::var_os("CAIRN_VENV") {
        dirs.push(PathBuf::from(v).join("bin"));
    }
    dirs.extend(default_venv_bin());
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.into_iter()
        .map(|d| d.join("moto_server"))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_answers_resets_and_stops() {
        let m = Moto::start().unwrap_or_else(|e| panic!("{e}"));
        assert!(m.endpoint().starts_with("http://127.0.0.1:"));
        m.reset().unwrap_or_else(|e| panic!("{e}"));
        let port = m.port();
        drop(m);
        // The port is free again once the server is gone.
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
    }
}
