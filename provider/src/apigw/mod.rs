//! API Gateway v2, as the resources use it: [`Aws`] holds the clients of one configured provider.
//!
//! - [`calls`]: the call machinery: pacing, retries with backoff, paginated listings, cancellation.
//! - [`deployments`]: deployment and stage calls, the wait for DEPLOYED.
//! - [`api_config`]: reads of an API's routes, integrations, authorizers, models and responses,
//!   concurrent reads of one API shared.
//! - [`fingerprint`]: their canonical form, hash, and the naming of what changed.
//! - [`limiter`]: pacing to API Gateway's quotas, shared per account and region.
//! - [`shared_quota`]: the CreateDeployment quota shared by many processes through DynamoDB.

pub mod api_config;
pub mod calls;
pub mod deployments;
pub mod fingerprint;
pub mod limiter;
pub mod shared_quota;

use api_config::ApiConfigs;
use calls::Calls;
use deployments::Deployments;

/// The API Gateway v2 clients of one configured provider; cheap to clone.
#[derive(Debug, Clone)]
pub struct Aws {
    pub deployments: Deployments,
    pub api_configs: ApiConfigs,
}

impl Aws {
    pub fn new(calls: Calls) -> Self {
        Self {
            deployments: Deployments::new(calls.clone()),
            api_configs: ApiConfigs::new(calls),
        }
    }
}
