//! Errors, below every other module: an AWS call's failure as its code, message and kind (one
//! classification for API Gateway, STS and DynamoDB), an error's causes as one sentence, and the
//! domain errors the lifecycle reports. Only the gRPC edge ([`crate::server`]) turns a domain error
//! into a status code.

use aws_sdk_apigatewayv2::error::{ProvideErrorMetadata, SdkError};

use crate::decl::props::Props;

/// An error and its causes as one sentence, by Display only (their Debug forms are dumps).
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// How a failed call should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// AWS refused for rate: not executed; retry after backing off and slow the limiter down.
    Throttled,
    /// A fault (5xx, dropped connection, timeout) that may pass; the call may or may not have run.
    Transient,
    /// Retrying cannot help (validation, not found, credentials).
    Permanent,
}

/// An AWS call that failed: the error code when AWS sent one, and its message.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsError {
    pub code: Option<String>,
    pub message: String,
    pub status: Option<u16>,
    pub kind: ErrorKind,
    /// How many attempts were made before giving up.
    pub attempts: u32,
}

/// The HTTP status of a raw response, whatever the SDK's response type.
pub trait HttpStatus {
    fn status_u16(&self) -> u16;
}

impl HttpStatus for aws_smithy_runtime_api::http::Response {
    fn status_u16(&self) -> u16 {
        self.status().as_u16()
    }
}

impl AwsError {
    /// Any AWS SDK client's error (API Gateway, STS, DynamoDB share the type), classified.
    pub fn from_sdk<E, R>(err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + HttpStatus + 'static,
    {
        Self::from_sdk_ref(&err)
    }

    pub fn from_sdk_ref<E, R>(err: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + HttpStatus + 'static,
    {
        let status = match err {
            SdkError::ServiceError(e) => Some(e.raw().status_u16()),
            _ => None,
        };
        let code = err.code().map(str::to_string);
        let message = match &code {
            Some(_) => err.message().unwrap_or("").to_string(),
            None => error_chain(err),
        };
        let kind = classify(err, code.as_deref(), status, &message);
        AwsError {
            code,
            message,
            status,
            kind,
            attempts: 1,
        }
    }

    pub fn local(message: impl Into<String>) -> Self {
        AwsError {
            code: None,
            message: message.into(),
            status: None,
            kind: ErrorKind::Permanent,
            attempts: 0,
        }
    }

    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

fn classify<E, R>(err: &SdkError<E, R>, code: Option<&str>, status: Option<u16>, message: &str) -> ErrorKind {
    // A certificate the client does not trust stays untrusted however often it is tried.
    let certificate = matches!(err, SdkError::DispatchFailure(_)) && message.contains("certificate");
    match (err, code, status) {
        (_, Some("TooManyRequestsException" | "ThrottlingException" | "Throttling" | "LimitExceededException"), _) | (_, _, Some(429)) => {
            ErrorKind::Throttled
        }
        (_, Some("ConflictException"), _) if message.to_ascii_lowercase().contains("try again later") => ErrorKind::Transient,
        (_, _, Some(s)) if s >= 500 => ErrorKind::Transient,
        _ if certificate => ErrorKind::Permanent,
        (SdkError::DispatchFailure(_) | SdkError::ResponseError(_) | SdkError::TimeoutError(_), _, _) => ErrorKind::Transient,
        _ => ErrorKind::Permanent,
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

/// Why a lifecycle operation did not succeed, in the provider's terms. Each message already names
/// the operation, the ids and AWS's code and message.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The inputs (or an id) cannot be used as given.
    BadInput(String),
    NotFound(String),
    /// AWS refused because of a concurrent change.
    Conflict(String),
    /// Still throttled when the retries ran out.
    Throttled(String),
    /// Credentials or permissions refused.
    Denied(String),
    /// The world is not in a state the operation can start from (a stage with autoDeploy, a
    /// stage still pointing at the deployment, an unconfigured provider).
    Precondition(String),
    /// Anything else.
    Failed(String),
    /// The object exists but did not finish: the engine must record it with these outputs.
    Partial {
        id: String,
        outputs: Props,
        reason: String,
    },
}

impl Error {
    /// `what` failed with AWS's error `e`, classified by AWS's code.
    pub fn aws(what: impl std::fmt::Display, e: &AwsError) -> Self {
        let message = format!("{what} failed: {e}");
        match e.code.as_deref() {
            Some("BadRequestException") => Error::BadInput(message),
            Some("NotFoundException") => Error::NotFound(message),
            Some("ConflictException") => Error::Conflict(message),
            Some("TooManyRequestsException") => Error::Throttled(message),
            Some(c)
                if c.contains("Signature") || c.contains("Unrecognized") || c.contains("Authentication") || c.contains("AccessDenied") =>
            {
                Error::Denied(message)
            }
            _ => Error::Failed(message),
        }
    }

    /// The message, whichever the kind.
    pub fn message(&self) -> &str {
        match self {
            Error::BadInput(m)
            | Error::NotFound(m)
            | Error::Conflict(m)
            | Error::Throttled(m)
            | Error::Denied(m)
            | Error::Precondition(m)
            | Error::Failed(m)
            | Error::Partial { reason: m, .. } => m,
        }
    }

    /// The same kind of error with `more` appended to its message.
    pub fn with_hint(mut self, more: &str) -> Self {
        let (Error::BadInput(m)
        | Error::NotFound(m)
        | Error::Conflict(m)
        | Error::Throttled(m)
        | Error::Denied(m)
        | Error::Precondition(m)
        | Error::Failed(m)
        | Error::Partial { reason: m, .. }) = &mut self;
        m.push_str(more);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_apigatewayv2::operation::get_deployment::GetDeploymentError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    type Sdk = SdkError<GetDeploymentError, aws_smithy_runtime_api::http::Response>;

    fn service(status: u16, code: &str, message: &str) -> Sdk {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        let raw = aws_smithy_runtime_api::http::Response::new(status.try_into().unwrap(), SdkBody::empty());
        SdkError::service_error(GetDeploymentError::generic(meta), raw)
    }

    fn io(message: &str) -> Sdk {
        SdkError::dispatch_failure(ConnectorError::io(std::io::Error::other(message.to_string()).into()))
    }

    /// Each AWS answer is classified as the retry loop needs: throttles slow down, faults retry,
    /// refusals and untrusted certificates fail at once.
    #[test]
    fn classification() {
        let rows: Vec<(&str, Sdk, ErrorKind)> = vec![
            (
                "429 code",
                service(429, "TooManyRequestsException", "slow down"),
                ErrorKind::Throttled,
            ),
            (
                "throttling code on 400",
                service(400, "ThrottlingException", "Rate exceeded"),
                ErrorKind::Throttled,
            ),
            ("bare 429", service(429, "Weird", "x"), ErrorKind::Throttled),
            ("limit exceeded", service(400, "LimitExceededException", "x"), ErrorKind::Throttled),
            ("5xx", service(503, "ServiceUnavailableException", "down"), ErrorKind::Transient),
            (
                "conflict to retry",
                service(409, "ConflictException", "Try again later"),
                ErrorKind::Transient,
            ),
            (
                "real conflict",
                service(409, "ConflictException", "Stage exists"),
                ErrorKind::Permanent,
            ),
            (
                "bad request",
                service(400, "BadRequestException", "no routes exist"),
                ErrorKind::Permanent,
            ),
            (
                "not found",
                service(404, "NotFoundException", "Invalid API identifier"),
                ErrorKind::Permanent,
            ),
            ("denied", service(403, "AccessDeniedException", "no"), ErrorKind::Permanent),
            ("connection dropped", io("connection reset by peer"), ErrorKind::Transient),
            (
                "untrusted certificate",
                io("invalid peer certificate: UnknownIssuer"),
                ErrorKind::Permanent,
            ),
        ];
        for (name, err, kind) in rows {
            assert_eq!(AwsError::from_sdk(err).kind, kind, "{name}");
        }
    }

    /// A service error keeps AWS's code, message and status; a transport error reads as its
    /// causes, never as a Debug dump.
    #[test]
    fn text() {
        let e = AwsError::from_sdk(service(404, "NotFoundException", "Invalid API identifier specified"));
        assert_eq!((e.code.as_deref(), e.status), (Some("NotFoundException"), Some(404)));
        assert_eq!(e.to_string(), "NotFoundException: Invalid API identifier specified");
        let mut e = AwsError::from_sdk(io("connection refused"));
        e.attempts = 3;
        assert!(e.code.is_none());
        assert!(e.to_string().contains("connection refused") && e.to_string().ends_with("(after 3 attempts)"));
        assert!(!e.message.contains("DispatchFailure"), "{}", e.message);
    }

    /// AWS codes map to the domain errors the edge turns into gRPC codes.
    #[test]
    fn domain_errors() {
        let of = |code: &str| {
            Error::aws(
                "GetDeployment for deployment d of API a",
                &AwsError::from_sdk(service(400, code, "m")),
            )
        };
        assert!(matches!(of("BadRequestException"), Error::BadInput(_)));
        assert!(matches!(of("NotFoundException"), Error::NotFound(_)));
        assert!(matches!(of("ConflictException"), Error::Conflict(_)));
        assert!(matches!(of("TooManyRequestsException"), Error::Throttled(_)));
        assert!(matches!(of("AccessDeniedException"), Error::Denied(_)));
        assert!(matches!(of("InvalidSignatureException"), Error::Denied(_)));
        assert!(matches!(of("InternalFailure"), Error::Failed(_)));
        assert_eq!(
            of("NotFoundException").message(),
            "GetDeployment for deployment d of API a failed: NotFoundException: m"
        );
    }
}
