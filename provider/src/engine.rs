//! Messages for the user, sent through the engine's Log RPC (stderr is hidden by the engine).

use crate::proto::pulumirpc::{LogRequest, LogSeverity, engine_client::EngineClient};
use std::sync::{Arc, Mutex};
use tonic::transport::{Channel, Endpoint};

/// The engine's Log service: where it is, and the client once a message needs it.
#[derive(Default)]
enum Engine {
    #[default]
    Unknown,
    At(Box<Endpoint>),
    Connected(EngineClient<Channel>),
}

/// A lazily connected client of the engine; without an engine address, messages go to tracing.
/// The channel (a tower buffer and its worker task, hyper's HTTP/2 client) is built by the first
/// message, not at Handshake: start-up sends none (nor does Configure, unless it warns), so it
/// runs none of that code.
#[derive(Clone, Default)]
pub struct EngineLog {
    client: Arc<Mutex<Engine>>,
}

impl EngineLog {
    /// Points the log at the engine; called from the command line, Handshake or Attach.
    pub fn connect(&self, address: &str) {
        if address.is_empty() {
            return;
        }
        let uri = if address.contains("://") {
            address.to_string()
        } else {
            format!("http://{address}")
        };
        match Endpoint::from_shared(uri) {
            Ok(ep) => *self.client.lock().unwrap_or_else(|p| p.into_inner()) = Engine::At(Box::new(ep)),
            Err(e) => tracing::warn!("engine address {address:?} is not usable: {e}"),
        }
    }

    /// The client, connected now if only its address was known.
    fn client(&self) -> Option<EngineClient<Channel>> {
        let mut engine = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if let Engine::At(ep) = &*engine {
            *engine = Engine::Connected(EngineClient::new(ep.connect_lazy()));
        }
        match &*engine {
            Engine::Connected(client) => Some(client.clone()),
            _ => None,
        }
    }

    /// Shows `message` to the user, attached to `urn`. Ephemeral messages vanish when the step ends.
    pub async fn info(&self, urn: &str, message: &str, ephemeral: bool) {
        self.send(LogSeverity::Info, urn, message, ephemeral).await;
    }

    /// Shows a warning to the user, attached to `urn`; it stays in the run's diagnostics.
    pub async fn warn(&self, urn: &str, message: &str) {
        self.send(LogSeverity::Warning, urn, message, false).await;
    }

    async fn send(&self, severity: LogSeverity, urn: &str, message: &str, ephemeral: bool) {
        tracing::info!(urn, "{message}");
        let Some(mut client) = self.client() else { return };
        let req = LogRequest {
            severity: severity as i32,
            message: message.to_string(),
            urn: urn.to_string(),
            stream_id: 0,
            ephemeral,
        };
        if let Err(e) = client.log(req).await {
            tracing::debug!("engine log failed: {e}");
        }
    }
}
