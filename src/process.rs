//! What a long-running front end needs from its process: a name for the scheduler's claims, and the signals
//! that stop it (SIGINT, SIGTERM; systemd then hears STOPPING=1). Neutral, so that a chat front end needs
//! neither the command line nor another front end for them.

/// This machine's name, for the scheduler's claims.
pub fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "partnerfit".into())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM, having told systemd the process is stopping.
pub async fn wait_for_signal() {
    signal_received().await;
    crate::service::systemd::stopping();
}

async fn signal_received() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
