//! STS over AWS's query protocol: a form-encoded POST to `/` naming the `Action`, answered in
//! XML, errors in AWS's `ErrorResponse` XML. Three actions: AssumeRole and GetCallerIdentity
//! (SigV4-signed for service `sts`) and AssumeRoleWithWebIdentity (unsigned: the OIDC token is
//! the proof). Issued credentials (an `ASIA` key, a secret, a session token, an expiry) are
//! accepted by the API Gateway side's SigV4 check until they expire.
//!
//! Trust is configured rather than written as policies: a [`RoleConfig`] names the role (and
//! so its account), the external id AssumeRole must send, and the OIDC issuer whose tokens
//! AssumeRoleWithWebIdentity accepts. Tokens are read, not verified: their signature would need
//! the issuer's keys, and no test here is about forged tokens.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use std::time::{Duration, SystemTime};

use crate::faults::FaultKind;
use crate::http::request_id;
use crate::sigv4::{self, AuthError, Principal, SignedRequest};
use crate::{Emulator, RoleConfig};

const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// AWS's bounds on DurationSeconds, and the default.
const MIN_SESSION: u64 = 900;
const MAX_SESSION: u64 = 43_200;
const DEFAULT_SESSION: u64 = 3_600;
/// A session made with a role session's credentials (role chaining) lasts at most an hour.
const CHAINED_MAX: u64 = 3_600;

/// Whether a request is for STS: the query protocol posts a form to `/` (or puts it in the query).
pub fn is_sts(method: &str, path: &str, query: &str, content_type: Option<&str>) -> bool {
    (path == "/" || path.is_empty())
        && ((method == "POST" && content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")))
            || query.contains("Action="))
}

/// The account of `arn:aws:iam::<account>:role/<name>`.
pub fn account_of_role(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", p, "iam", "", account, resource]
            if p.starts_with("aws")
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty()) =>
        {
            Some(account)
        }
        _ => None,
    }
}

struct StsError {
    status: u16,
    code: &'static str,
    message: String,
}

impl StsError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationError", message)
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn xml_response(status: u16, body: String) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(&request_id()) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

fn error_response(e: &StsError) -> Response {
    let kind = if e.status >= 500 { "Receiver" } else { "Sender" };
    xml_response(
        e.status,
        format!(
            "<ErrorResponse xmlns=\"{XMLNS}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
            e.code,
            escape(&e.message),
            request_id()
        ),
    )
}

fn ok_response(action: &str, result: String) -> Response {
    xml_response(
        200,
        format!(
            "<{action}Response xmlns=\"{XMLNS}\">\n  <{action}Result>\n{result}  </{action}Result>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n",
            request_id()
        ),
    )
}

/// The form's fields in order (`+` is a space, as in HTML forms).
fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}

struct Form(Vec<(String, String)>);

impl Form {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn required(&self, name: &str) -> Result<&str, StsError> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            StsError::validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(name)
            ))
        })
    }
    /// `Prefix.member.N.Suffix` values in order of N.
    fn members(&self, prefix: &str, suffix: &str) -> Vec<String> {
        let mut found: Vec<(usize, String)> = self
            .0
            .iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix(prefix)?.strip_prefix(".member.")?;
                let (n, tail) = rest.split_once('.').map_or((rest, ""), |(n, t)| (n, t));
                (tail == suffix)
                    .then(|| (n.parse().ok(), v.clone()))
                    .and_then(|(n, v)| n.map(|n| (n, v)))
            })
            .collect();
        found.sort();
        found.into_iter().map(|(_, v)| v).collect()
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn random_upper(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..n).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect()
}

fn random_secret(n: usize) -> String {
    (0..n).map(|_| fastrand::alphanumeric()).collect()
}

fn iso8601(t: SystemTime) -> String {
    let mut s = humantime::format_rfc3339_seconds(t).to_string();
    if !s.ends_with('Z') {
        s.push('Z');
    }
    s
}

/// Checks DurationSeconds against AWS's bounds (and the one-hour bound of role chaining).
fn session_seconds(form: &Form, chained: bool) -> Result<u64, StsError> {
    let Some(text) = form.get("DurationSeconds") else {
        return Ok(DEFAULT_SESSION);
    };
    let secs: u64 = text
        .parse()
        .map_err(|_| StsError::validation(format!("Value '{text}' at 'durationSeconds' is not a number")))?;
    if secs < MIN_SESSION {
        return Err(StsError::validation(format!(
            "1 validation error detected: Value '{secs}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to {MIN_SESSION}"
        )));
    }
    if secs > MAX_SESSION {
        return Err(StsError::validation(format!(
            "1 validation error detected: Value '{secs}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to {MAX_SESSION}"
        )));
    }
    if chained && secs > CHAINED_MAX {
        return Err(StsError::validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    Ok(secs)
}

fn session_name(form: &Form) -> Result<String, StsError> {
    let name = form.required("RoleSessionName")?;
    let valid = (2..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(c));
    if valid {
        Ok(name.to_string())
    } else {
        Err(StsError::validation(format!(
            "1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )))
    }
}

/// Issues temporary credentials for `role` and answers with them.
fn issue(em: &Emulator, role: &RoleConfig, session: &str, seconds: u64, action: &str, extra: &str) -> Response {
    let account = account_of_role(&role.role_arn).unwrap_or_default().to_string();
    let role_name = role.role_arn.rsplit('/').next().unwrap_or_default();
    let lifetime = em.session_lifetime().unwrap_or(Duration::from_secs(seconds));
    let expires = SystemTime::now() + lifetime;
    let key = format!("ASIA{}", random_upper(16));
    let secret = random_secret(40);
    let token = format!("IQoJb3JpZ2luX2VjE{}", random_secret(160));
    let arn = format!("arn:aws:sts::{account}:assumed-role/{role_name}/{session}");
    em.add_session(
        key.clone(),
        Principal {
            secret: secret.clone(),
            account,
            arn: arn.clone(),
            session_token: Some(token.clone()),
            expires: Some(expires),
        },
    );
    let role_id = format!("AROA{}", random_upper(17));
    ok_response(
        action,
        format!(
            "    <Credentials>\n      <AccessKeyId>{key}</AccessKeyId>\n      <SecretAccessKey>{secret}</SecretAccessKey>\n      <SessionToken>{token}</SessionToken>\n      <Expiration>{}</Expiration>\n    </Credentials>\n    <AssumedRoleUser>\n      <AssumedRoleId>{role_id}:{}</AssumedRoleId>\n      <Arn>{}</Arn>\n    </AssumedRoleUser>\n{extra}",
            iso8601(expires),
            escape(session),
            escape(&arn)
        ),
    )
}

fn access_denied(caller_arn: &str, action: &str, role_arn: &str) -> StsError {
    StsError::new(
        403,
        "AccessDenied",
        format!("User: {caller_arn} is not authorized to perform: sts:{action} on resource: {role_arn}"),
    )
}

fn assume_role(em: &Emulator, caller: &sigv4::Caller, form: &Form) -> Result<Response, StsError> {
    let role_arn = form.required("RoleArn")?;
    let session = session_name(form)?;
    let seconds = session_seconds(form, caller.assumed_role)?;
    if account_of_role(role_arn).is_none() {
        return Err(StsError::validation(format!("{role_arn} is invalid")));
    }
    let role = em
        .role(role_arn)
        .ok_or_else(|| access_denied(&caller.arn, "AssumeRole", role_arn))?;
    if role.external_id.is_some() && role.external_id.as_deref() != form.get("ExternalId") {
        return Err(access_denied(&caller.arn, "AssumeRole", role_arn));
    }
    let mut extra = String::new();
    if let Some(source) = form.get("SourceIdentity") {
        extra.push_str(&format!("    <SourceIdentity>{}</SourceIdentity>\n", escape(source)));
    }
    let tags = form.members("Tags", "Key").len();
    if tags > 0 {
        extra.push_str(&format!("    <PackedPolicySize>{}</PackedPolicySize>\n", 6 * tags));
    }
    Ok(issue(em, &role, &session, seconds, "AssumeRole", &extra))
}

/// The claims of a JWT, read without checking its signature (see the module doc).
fn jwt_claims(token: &str) -> Option<serde_json::Value> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn assume_role_with_web_identity(em: &Emulator, form: &Form) -> Result<Response, StsError> {
    let role_arn = form.required("RoleArn")?;
    let session = session_name(form)?;
    let token = form.required("WebIdentityToken")?;
    let seconds = session_seconds(form, false)?;
    let claims = jwt_claims(token).ok_or_else(|| {
        StsError::new(400, "InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.")
    })?;
    let issuer = claims.get("iss").and_then(|v| v.as_str()).unwrap_or_default();
    let subject = claims.get("sub").and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let audience = match claims.get("aud") {
        Some(serde_json::Value::String(a)) => a.clone(),
        Some(serde_json::Value::Array(a)) => a.first().and_then(|v| v.as_str()).unwrap_or_default().to_string(),
        _ => String::new(),
    };
    let trimmed = |s: &str| s.trim_start_matches("https://").trim_end_matches('/').to_string();
    let role = em.role(role_arn).filter(|r| {
        r.web_identity_issuer
            .as_deref()
            .is_some_and(|trusted| trimmed(trusted) == trimmed(issuer))
    });
    let Some(role) = role else {
        return Err(StsError::new(
            403,
            "AccessDenied",
            format!("Not authorized to perform sts:AssumeRoleWithWebIdentity on {role_arn} with a token from {issuer}"),
        ));
    };
    let extra = format!(
        "    <SubjectFromWebIdentityToken>{}</SubjectFromWebIdentityToken>\n    <Audience>{}</Audience>\n    <Provider>{}</Provider>\n",
        escape(&subject),
        escape(&audience),
        escape(&trimmed(issuer))
    );
    Ok(issue(em, &role, &session, seconds, "AssumeRoleWithWebIdentity", &extra))
}

fn get_caller_identity(caller: &sigv4::Caller) -> Response {
    let user_id = caller.arn.rsplit(['/', ':']).next().unwrap_or_default();
    ok_response(
        "GetCallerIdentity",
        format!(
            "    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n",
            escape(&caller.arn),
            escape(user_id),
            caller.account
        ),
    )
}

fn auth_error(e: AuthError) -> StsError {
    match e {
        AuthError::Missing => StsError::new(403, "MissingAuthenticationToken", "Request is missing Authentication Token"),
        AuthError::UnknownKey | AuthError::BadToken => StsError::new(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ),
        AuthError::ExpiredToken => StsError::new(400, "ExpiredToken", "The security token included in the request is expired"),
        AuthError::BadSignature(m) => StsError::new(403, "SignatureDoesNotMatch", m),
    }
}

/// A fault rule's status as STS says it: 400 and 429 are its throttling, 403 a refusal.
fn fault_error(status: u16) -> StsError {
    match status {
        400 | 429 => StsError::new(400, "Throttling", "Rate exceeded"),
        403 => StsError::new(403, "AccessDenied", "Access denied (injected fault)"),
        503 => StsError::new(503, "ServiceUnavailable", "Service is unavailable"),
        _ => StsError::new(500, "InternalFailure", "An internal error occurred"),
    }
}

/// Answers one STS request.
pub async fn handle(em: &Emulator, signed: &SignedRequest<'_>) -> Response {
    let body = String::from_utf8_lossy(signed.body);
    let mut fields = parse_form(signed.raw_query);
    fields.extend(parse_form(&body));
    let form = Form(fields);
    let action = form.get("Action").unwrap_or_default().to_string();
    let name = match action.as_str() {
        "AssumeRole" | "AssumeRoleWithWebIdentity" | "GetCallerIdentity" => action.clone(),
        _ => {
            let e = StsError::new(
                400,
                "InvalidAction",
                format!("Could not find operation {action} for version 2011-06-15"),
            );
            return em.answer("StsUnknown", error_response(&e));
        }
    };
    match em.pick_fault(&name) {
        Some(FaultKind::Status { status }) => return em.answer(&name, error_response(&fault_error(status))),
        Some(FaultKind::Latency { latency_ms }) => tokio::time::sleep(Duration::from_millis(latency_ms)).await,
        // Dropped connections are an HTTP matter; STS answers them like API Gateway's side.
        Some(FaultKind::Reset | FaultKind::ResetAfter) => {
            return em.answer(&name, crate::http::reset_response());
        }
        None => {}
    }
    let result = if name == "AssumeRoleWithWebIdentity" {
        assume_role_with_web_identity(em, &form)
    } else {
        match sigv4::verify(signed, "sts", |k| em.principal_for(k), SystemTime::now()) {
            Err(e) => Err(auth_error(e)),
            Ok(caller) if name == "AssumeRole" => assume_role(em, &caller, &form),
            Ok(caller) => Ok(get_caller_identity(&caller)),
        }
    };
    let resp = result.unwrap_or_else(|e| error_response(&e));
    em.answer(&name, resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Role ARNs name their account; anything else is not a role.
    #[test]
    fn role_accounts() {
        assert_eq!(account_of_role("arn:aws:iam::222222222222:role/deployer"), Some("222222222222"));
        assert_eq!(account_of_role("arn:aws:iam::222222222222:user/x"), None);
        assert_eq!(account_of_role("arn:aws:iam::2222:role/x"), None);
    }

    /// Indexed members come back in order, whatever order the form had.
    #[test]
    fn form_members() {
        let f = Form(parse_form(
            "Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.1.Value=x+y&PolicyArns.member.1.arn=p",
        ));
        assert_eq!(f.members("Tags", "Key"), vec!["a", "b"]);
        assert_eq!(f.members("Tags", "Value"), vec!["x y"]);
    }

    /// Claims are read from the token's middle part.
    #[test]
    fn token_claims() {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"iss":"https://token.example","sub":"ci"}"#);
        let claims = jwt_claims(&format!("e30.{payload}.sig")).unwrap();
        assert_eq!(claims["iss"], "https://token.example");
        assert!(jwt_claims("garbage").is_none());
    }
}
