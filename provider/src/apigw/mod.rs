//! API Gateway v2, as the resources use it: [`Aws`] holds the clients of one configured provider,
//! one [`Regional`] set per region.
//!
//! - [`calls`]: the call machinery: pacing, retries with backoff, paginated listings, cancellation.
//! - [`deployments`]: deployment and stage calls, the wait for DEPLOYED.
//! - [`api_config`]: reads of an API's routes, integrations, authorizers, models and responses,
//!   concurrent reads of one API shared, each API's latest read kept (its protocol, and a
//!   fingerprint later Checks may take for their own).
//! - [`fingerprint`]: their canonical form, hash, and the naming of what changed.
//! - [`limiter`]: pacing to API Gateway's quotas, shared per account and region.
//! - [`shared_quota`]: the CreateDeployment quota shared by many processes through DynamoDB.

pub mod api_config;
pub mod calls;
pub mod deployments;
pub mod fingerprint;
pub mod limiter;
pub mod shared_quota;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use api_config::ApiConfigs;
use calls::Calls;
use deployments::Deployments;

/// The API Gateway v2 clients of one region; cheap to clone.
#[derive(Debug, Clone)]
pub struct Regional {
    pub region: String,
    /// Whether this is the provider's own region (messages then need not name it).
    pub home: bool,
    pub deployments: Deployments,
    pub api_configs: ApiConfigs,
}

impl Regional {
    pub fn new(region: &str, home: bool, calls: Calls) -> Self {
        Self {
            region: region.to_string(),
            home,
            deployments: Deployments::new(calls.clone()),
            api_configs: ApiConfigs::new(calls),
        }
    }

    /// `API <id>`, with ` in <region>` when that is not the provider's own region.
    pub fn api(&self, api_id: &str) -> String {
        if self.home {
            format!("API {api_id}")
        } else {
            format!("API {api_id} in {}", self.region)
        }
    }
}

/// Builds the call machinery of a region: its client, its quota pacing, its quota-table item.
pub type MakeCalls = dyn Fn(&str) -> Calls + Send + Sync;

/// The clients of one configured provider: its own region's, and each other region's as a
/// resource first names it. Quotas are per account and region, so each region is paced apart
/// and regions deploy in parallel. Cheap to clone.
#[derive(Clone)]
pub struct Aws {
    home: String,
    make: Arc<MakeCalls>,
    regions: Arc<Mutex<HashMap<String, Regional>>>,
}

impl std::fmt::Debug for Aws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aws").field("home", &self.home).finish_non_exhaustive()
    }
}

impl Aws {
    /// `home` is the provider's region; `make` builds any region's calls.
    pub fn new(home: &str, make: Arc<MakeCalls>) -> Self {
        Self {
            home: home.to_string(),
            make,
            regions: Arc::default(),
        }
    }

    /// The provider's own region: where resources without a `region` of their own live.
    pub fn home_region(&self) -> &str {
        &self.home
    }

    /// The clients of `region` (the provider's region when `None`), made once and then shared,
    /// so every call to one region goes through one limiter and one set of shared reads.
    pub fn region(&self, region: Option<&str>) -> Regional {
        let region = region.unwrap_or(&self.home);
        let mut regions = self.regions.lock().unwrap_or_else(|p| p.into_inner());
        regions
            .entry(region.to_string())
            .or_insert_with(|| Regional::new(region, region == self.home, (self.make)(region)))
            .clone()
    }
}
