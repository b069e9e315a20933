//! The registry: every resource and function the provider serves, each in a file of its own. The
//! gRPC edge dispatches by token through [`RESOURCES`] and [`FUNCTIONS`], and schema.json, the
//! docs pages and the README tables iterate them, so a new resource or function is its file plus
//! one line here (and its `pub mod`).
//!
//! - [`lifecycle`]: what a resource is (declaration, typed inputs and outputs, lifecycle).
//! - [`deployment`], the `aws-apigatewayv2:index:Deployment` resource.
//! - functions: [`get_deployment`], [`get_deployments`], [`get_stage`], [`get_api_fingerprint`].

pub mod deployment;
pub mod get_api_fingerprint;
pub mod get_deployment;
pub mod get_deployments;
pub mod get_stage;
pub mod lifecycle;

use crate::decl::{FunctionDecl, ResourceDecl};
use lifecycle::{Registered, RegisteredFunction};

/// Every resource, in schema order.
pub static RESOURCES: &[&dyn Registered] = &[&deployment::Deployment];

/// Every function (invoke), in schema order.
pub static FUNCTIONS: &[&dyn RegisteredFunction] = &[
    &get_deployment::GetDeployment,
    &get_deployments::GetDeployments,
    &get_stage::GetStage,
    &get_api_fingerprint::GetApiFingerprint,
];

/// The function of a token (`aws-apigatewayv2:index:getDeployment`).
pub fn function_by_token(token: &str) -> Option<&'static dyn RegisteredFunction> {
    FUNCTIONS.iter().copied().find(|f| f.decl().token == token)
}

/// Every function's declaration, in schema order.
pub fn function_decls() -> impl Iterator<Item = &'static FunctionDecl> {
    FUNCTIONS.iter().map(|f| f.decl())
}

/// The resource of a type token (`aws-apigatewayv2:index:Deployment`).
pub fn by_token(token: &str) -> Option<&'static dyn Registered> {
    RESOURCES.iter().copied().find(|r| r.decl().token == token)
}

/// Every resource's declaration, in schema order.
pub fn decls() -> impl Iterator<Item = &'static ResourceDecl> {
    RESOURCES.iter().map(|r| r.decl())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokens resolve to their own resource and no other; tokens are unique.
    #[test]
    fn lookup() {
        assert_eq!(
            by_token("aws-apigatewayv2:index:Deployment").map(|r| r.decl().token),
            Some("aws-apigatewayv2:index:Deployment")
        );
        assert!(by_token("aws-apigatewayv2:index:Stage").is_none());
        assert!(by_token("aws:apigatewayv2/deployment:Deployment").is_none());
        let mut tokens: Vec<&str> = decls().map(|d| d.token).chain(function_decls().map(|d| d.token)).collect();
        tokens.sort_unstable();
        tokens.dedup();
        assert_eq!(tokens.len(), RESOURCES.len() + FUNCTIONS.len());
    }
}
