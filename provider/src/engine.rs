//! Messages for the user, sent through the engine's Log RPC (stderr is hidden by the engine).

use crate::proto::pulumirpc::{LogRequest, LogSeverity, engine_client::EngineClient};
use std::sync::{Arc, Mutex};
use tonic::transport::{Channel, Endpoint};

/// A lazily connected client of the engine; without an engine address, messages go to tracing.
#[derive(Clone, Default)]
pub struct EngineLog {
    client: Arc<Mutex<Option<EngineClient<Channel>>>>,
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
            Ok(ep) => {
                let client = EngineClient::new(ep.connect_lazy());
                *self.client.lock().unwrap_or_else(|p| p.into_inner()) = Some(client);
            }
            Err(e) => tracing::warn!("engine address {address:?} is not usable: {e}"),
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
        let client = self.client.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(mut client) = client else { return };
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
