//! A failure that ends the process, and its exit code: configuration problems exit 2, everything else 1.
//! It lives beside [`crate::config`] rather than in the command line, so that every front end the binary
//! starts (the Discord bot, the console, the CSV tools) can end with one without importing another. It also
//! says in words why a connection failed ([`network_cause`]), for the errors that end a start.

use crate::config::ConfigError;
use std::process::ExitCode;

/// A failure that ends the process: configuration problems exit 2, everything else 1.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

impl Fatal {
    /// The process's exit status: 2 for a configuration error, 1 for anything else.
    pub fn code(&self) -> u8 {
        match self {
            Fatal::Config(_) => 2,
            Fatal::Other(_) => 1,
        }
    }
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code())
    }
}

impl From<crate::app::AppError> for Fatal {
    /// A use case's failure on the command line: the user's message as is, or the internal cause.
    fn from(e: crate::app::AppError) -> Fatal {
        match e {
            crate::app::AppError::User(m) => Fatal::Other(anyhow::anyhow!(m)),
            crate::app::AppError::Internal(e) => Fatal::Other(e),
        }
    }
}

/// Why a request to a server failed, in words, from the error's chain of causes (`source()`): the host name
/// did not resolve, the connection was refused, timed out or was closed, or the TLS handshake failed — then
/// the chain's own messages, outermost first. An HTTP client's top message ("Error while sending HTTP
/// request") names none of these.
pub fn network_cause(e: &(dyn std::error::Error + 'static)) -> String {
    use std::io::ErrorKind;
    let mut messages: Vec<String> = Vec::new();
    let mut cause: Option<&'static str> = None;
    let mut next = Some(e);
    while let Some(err) = next {
        let text = err.to_string();
        let lower = text.to_lowercase();
        let by_kind = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| match io.kind() {
                ErrorKind::ConnectionRefused => Some(REFUSED),
                ErrorKind::TimedOut => Some(TIMED_OUT),
                ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => Some(CLOSED),
                _ => None,
            });
        let by_text = if lower.contains("dns error")
            || lower.contains("failed to lookup address")
            || lower.contains("name or service not known")
            || lower.contains("no such host")
            || lower.contains("temporary failure in name resolution")
        {
            Some(DNS)
        } else if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
            || lower.contains("corrupt message")
        {
            Some(TLS)
        } else if lower.contains("connection refused") {
            Some(REFUSED)
        } else if lower.contains("timed out") {
            Some(TIMED_OUT)
        } else {
            None
        };
        // The innermost cause that says something wins: it is the most precise.
        if let Some(c) = by_kind.or(by_text) {
            cause = Some(c);
        }
        let text = text.trim().trim_end_matches('.').to_string();
        if !text.is_empty() && !messages.iter().any(|m| m.contains(&text)) {
            messages.push(text);
        }
        next = err.source();
    }
    let chain = messages.join(": ");
    match cause {
        Some(c) => format!("{c} ({chain})"),
        None => chain,
    }
}

const DNS: &str = "the host name could not be resolved (no network, no DNS, or a wrong host)";
const REFUSED: &str = "the connection was refused (nothing listens at that address and port)";
const TIMED_OUT: &str = "the connection timed out (a firewall, or no route to the host)";
const CLOSED: &str = "the connection was closed by the other side";
const TLS: &str =
    "the TLS handshake failed (a proxy, a wrong certificate, or plain HTTP at an https:// address)";

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a message and a cause, like an HTTP client's.
    #[derive(Debug)]
    struct Wrapped(&'static str, Box<dyn std::error::Error + Send + Sync>);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(self.1.as_ref())
        }
    }

    fn http(inner: Box<dyn std::error::Error + Send + Sync>) -> Wrapped {
        Wrapped(
            "Error while sending HTTP request.",
            Box::new(Wrapped("client error (Connect)", inner)),
        )
    }

    #[test]
    fn the_cause_is_named_from_the_chain() {
        let refused = http(Box::new(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        )));
        assert_eq!(
            network_cause(&refused),
            "the connection was refused (nothing listens at that address and port) (Error while sending HTTP request: client error (Connect): Connection refused (os error 111))"
        );
        let dns = http(Box::new(Wrapped(
            "dns error",
            Box::new(std::io::Error::other(
                "failed to lookup address information: Name or service not known",
            )),
        )));
        assert!(network_cause(&dns).starts_with("the host name could not be resolved"));
        let tls = http(Box::new(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "invalid peer certificate: UnknownIssuer",
        )));
        assert!(network_cause(&tls).starts_with("the TLS handshake failed"));
        let other = Wrapped("something odd", Box::new(std::fmt::Error));
        assert_eq!(
            network_cause(&other),
            "something odd: an error occurred when formatting an argument"
        );
    }
}
