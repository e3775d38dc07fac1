//! A fake service's HTTP server (the fake Discord's, and the fake Slack's too): its router served on a
//! listener, each frame sent at once, until stopped.

use axum::Router;
use std::sync::Mutex;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The running server of a fake (Discord, Slack); empty until [`Served::serve`].
#[derive(Default)]
pub struct Served {
    shutdown_tx: Mutex<Option<oneshot::Sender<()>>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Served {
    /// Serve `app` on `listener` until [`Served::stop`].
    pub fn serve(&self, listener: TcpListener, app: Router) {
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // Like the real services, send each frame at once: without TCP_NODELAY a gateway event sent within
            // 40 ms of the previous one waits for the bot's delayed ACK (Nagle), which the e2e bench measured.
            let listener = axum::serve::ListenerExt::tap_io(listener, |s| {
                let _ = s.set_nodelay(true);
            });
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        *self.shutdown_tx.lock().unwrap() = Some(tx);
        *self.task.lock().unwrap() = Some(task);
    }

    /// Stop serving: a graceful shutdown, the server aborted when it takes more than 3 seconds.
    pub async fn stop(&self) {
        if let Some(tx) = self.shutdown_tx.lock().unwrap().take() {
            let _ = tx.send(());
        }
        let task = self.task.lock().unwrap().take();
        if let Some(mut task) = task {
            if tokio::time::timeout(Duration::from_secs(3), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}
