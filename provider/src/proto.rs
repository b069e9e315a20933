//! Pulumi's protocol as the pinned CLI speaks it (see `build.rs`): the ResourceProvider service
//! this provider serves and the Engine service it logs through, with their messages.

#[allow(clippy::all, missing_docs)]
pub mod pulumirpc {
    tonic::include_proto!("pulumirpc");
}
