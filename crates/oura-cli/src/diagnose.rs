//! Why a request did not complete, said so that a newcomer can act: which server, what went
//! wrong (refused, DNS, TLS, timeout, dropped), and what to do.

use std::error::Error as _;
use std::sync::OnceLock;

/// The server the command talks to, as `scheme://host[:port]`, and whether it is Oura's own.
#[derive(Debug, Clone)]
struct Server {
    origin: String,
    custom: bool,
}

static SERVER: OnceLock<Server> = OnceLock::new();

/// Records the API root the command uses (the library strips URLs from its errors, which may
/// carry secrets in their query). `custom`: it came from `--base-url`, `OURA_BASE_URL` or a
/// saved login, not Oura's default.
pub fn set_server(url: &str, custom: bool) {
    let _ = SERVER.set(Server {
        origin: origin(url),
        custom,
    });
}

/// `scheme://host[:port]` of a URL.
pub fn origin(url: &str) -> String {
    let url = url.trim();
    let start = url.find("://").map_or(0, |at| at + 3);
    let end = url[start..].find(['/', '?', '#']).map_or(url.len(), |at| start + at);
    url[..end].to_owned()
}

/// What went wrong on the way to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// Nothing accepts connections at that address.
    Refused,
    /// The host name does not resolve.
    Dns,
    /// The TLS handshake failed.
    Tls(String),
    /// No answer in time.
    Timeout,
    /// The connection was closed or reset midway.
    Dropped,
    /// Something else, in the words of the deepest error.
    Other(String),
}

/// Reads the cause off a transport error's chain of sources.
pub fn cause(err: &reqwest::Error) -> Cause {
    if err.is_timeout() {
        return Cause::Timeout;
    }
    let mut deepest = err.to_string();
    let mut source = err.source();
    while let Some(current) = source {
        let text = current.to_string();
        let lower = text.to_ascii_lowercase();
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused => return Cause::Refused,
                K::TimedOut => return Cause::Timeout,
                K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe => {
                    return Cause::Dropped;
                }
                _ => {}
            }
        }
        if lower.contains("dns error")
            || lower.contains("failed to lookup address")
            || lower.contains("name or service not known")
            || lower.contains("no such host")
        {
            return Cause::Dns;
        }
        if lower.contains("connection refused") {
            return Cause::Refused;
        }
        if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
            || lower.contains("invalidcontenttype")
            || lower.contains("corrupt message")
        {
            return Cause::Tls(text);
        }
        if lower.contains("timed out") {
            return Cause::Timeout;
        }
        deepest = text;
        source = current.source();
    }
    Cause::Other(deepest)
}

/// The one line for a request that did not complete.
pub fn unreachable(err: &reqwest::Error) -> String {
    let server = SERVER.get().cloned().unwrap_or(Server {
        origin: "the server".to_owned(),
        custom: false,
    });
    explain(&server.origin, server.custom, &cause(err))
}

/// The message for `cause` at `origin`; `custom`: a server given by `--base-url` and the like.
pub fn explain(origin: &str, custom: bool, cause: &Cause) -> String {
    let which = if custom {
        "check --base-url (or OURA_BASE_URL, or the API root `oura login` saved)"
    } else {
        "check the network connection (and HTTPS_PROXY if you need a proxy)"
    };
    match cause {
        Cause::Refused if custom => format!(
            "cannot reach {origin}: connection refused, nothing listens there: start the server there \
             (an emulator: `oura emulator` prints its base_url) or {which}; `--emulator` needs no server"
        ),
        Cause::Refused => format!("cannot reach {origin}: connection refused: {which}"),
        Cause::Dns => format!("cannot reach {origin}: the host name does not resolve (DNS): {which}"),
        Cause::Tls(detail) if custom => format!(
            "cannot reach {origin}: the TLS handshake failed ({detail}): a local server without TLS takes \
             http://, not https://; otherwise check its certificate"
        ),
        Cause::Tls(detail) => format!(
            "cannot reach {origin}: the TLS handshake failed ({detail}): check the system clock and any \
             proxy or firewall that intercepts HTTPS"
        ),
        Cause::Timeout => {
            format!("cannot reach {origin}: no answer in time (timeout): {which}, then run the command again")
        }
        Cause::Dropped => {
            format!("{origin} closed the connection before answering: run the command again; if it repeats, {which}")
        }
        Cause::Other(detail) => format!("cannot reach {origin}: {detail}: {which}, then run the command again"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_drop_the_path_and_query() {
        assert_eq!(origin("http://127.0.0.1:9/v2/x?y=1"), "http://127.0.0.1:9");
        assert_eq!(origin("https://api.ouraring.com"), "https://api.ouraring.com");
        assert_eq!(origin(" http://h:1?x "), "http://h:1");
    }

    #[test]
    fn each_cause_names_the_server_and_a_fix() {
        let refused = explain("http://127.0.0.1:9", true, &Cause::Refused);
        assert!(refused.contains("http://127.0.0.1:9") && refused.contains("connection refused"));
        assert!(refused.contains("oura emulator") && refused.contains("--base-url"));
        let dns = explain("https://api.ouraring.com", false, &Cause::Dns);
        assert!(dns.contains("DNS") && dns.contains("network connection") && !dns.contains("--base-url"));
        let tls = explain("https://127.0.0.1:1", true, &Cause::Tls("corrupt message".into()));
        assert!(tls.contains("TLS") && tls.contains("http://"));
        assert!(explain("x", true, &Cause::Timeout).contains("timeout"));
        assert!(!explain("x", true, &Cause::Timeout).contains("try again later"));
    }
}
