//! A TCP forwarder on 127.0.0.1 that a test can cut and restore: the database "goes away" for the
//! process behind it (open connections are closed, new ones refused) without touching the server that
//! other tests use.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct TcpProxy {
    pub port: u16,
    target: SocketAddr,
    state: Arc<Mutex<ProxyState>>,
}

#[derive(Default)]
struct ProxyState {
    acceptor: Option<JoinHandle<()>>,
    conns: Vec<JoinHandle<()>>,
}

impl TcpProxy {
    /// Forward a new port on 127.0.0.1 to `target`.
    pub async fn start(target: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = TcpProxy {
            port,
            target,
            state: Arc::new(Mutex::new(ProxyState::default())),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let state = self.state.clone();
        let target = self.target;
        let acceptor = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                let mut st = state.lock().unwrap();
                st.conns.retain(|c| !c.is_finished());
                st.conns.push(conn);
            }
        });
        self.state.lock().unwrap().acceptor = Some(acceptor);
    }

    /// Close every forwarded connection and stop listening: connecting is refused until [`restore`].
    pub fn cut(&self) {
        let mut st = self.state.lock().unwrap();
        if let Some(a) = st.acceptor.take() {
            a.abort();
        }
        for c in st.conns.drain(..) {
            c.abort();
        }
    }

    /// Listen again on the same port.
    pub async fn restore(&self) {
        // The aborted acceptor releases the port once its task is dropped: retry briefly.
        for _ in 0..100 {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => {
                    self.serve(listener);
                    return;
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
        panic!("could not listen on 127.0.0.1:{} again", self.port);
    }
}

impl std::fmt::Debug for TcpProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TcpProxy(127.0.0.1:{} -> {})", self.port, self.target)
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
