//! SigV4 verification, written from the published algorithm rather than with the AWS SDK's own
//! signer, so that the emulator checks clients independently of the code it is testing.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime};

/// Why a request was refused, mapped by the HTTP layer to AWS's 403 error types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// No (or an unparseable) Authorization header: MissingAuthenticationTokenException.
    Missing,
    /// The access key is not one the emulator knows: UnrecognizedClientException.
    UnknownKey,
    /// The signature, scope or date does not check out: InvalidSignatureException.
    BadSignature(String),
    /// Temporary credentials past their expiry: ExpiredTokenException (API Gateway), ExpiredToken (STS).
    ExpiredToken,
    /// Temporary credentials sent without their session token, or with another one.
    BadToken,
}

/// Who an access key belongs to, as the emulator knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub secret: String,
    pub account: String,
    /// `arn:aws:iam::<account>:user/...` or `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
    /// Set for temporary credentials, which are refused without it and after `expires`.
    pub session_token: Option<String>,
    pub expires: Option<SystemTime>,
}

/// Identity of a verified caller: quotas are kept per account and region, as AWS does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    pub access_key: String,
    pub region: String,
    pub account: String,
    pub arn: String,
    /// Signed with temporary credentials from an assumed role.
    pub assumed_role: bool,
}

/// The parts of an HTTP request that SigV4 covers.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// Path exactly as received (still percent-encoded).
    pub raw_path: &'a str,
    pub raw_query: &'a str,
    /// Lower-cased header names with their values, in arrival order.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// Verifies the request's Authorization header, signed for `service` (`apigateway`, `sts`),
/// against the known principals.
pub fn verify(
    req: &SignedRequest<'_>,
    service_name: &str,
    principal_for: impl Fn(&str) -> Option<Principal>,
    now: SystemTime,
) -> Result<Caller, AuthError> {
    let auth = header(req.headers, "authorization").ok_or(AuthError::Missing)?;
    let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ").ok_or(AuthError::Missing)?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed_headers = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let (credential, signed_headers, signature) = match (credential, signed_headers, signature) {
        (Some(c), Some(h), Some(s)) => (c, h, s),
        _ => return Err(AuthError::Missing),
    };
    let scope: Vec<&str> = credential.split('/').collect();
    if scope.len() != 5 || scope[4] != "aws4_request" {
        return Err(AuthError::BadSignature(format!(
            "Credential should be scoped to a valid region, not '{credential}'."
        )));
    }
    let (key_id, date, region, service) = (scope[0], scope[1], scope[2], scope[3]);
    let principal = principal_for(key_id).ok_or(AuthError::UnknownKey)?;
    if let Some(token) = &principal.session_token {
        if header(req.headers, "x-amz-security-token") != Some(token.as_str()) {
            return Err(AuthError::BadToken);
        }
        if principal.expires.is_some_and(|e| now >= e) {
            return Err(AuthError::ExpiredToken);
        }
    }
    let secret = principal.secret.clone();
    if service != service_name {
        return Err(AuthError::BadSignature(format!(
            "Credential should be scoped to correct service: '{service_name}'."
        )));
    }
    let amz_date = header(req.headers, "x-amz-date")
        .ok_or_else(|| AuthError::BadSignature("Authorization header requires existence of 'X-Amz-Date'.".into()))?;
    if !amz_date.starts_with(date) {
        return Err(AuthError::BadSignature(
            "Date in Credential scope does not match the X-Amz-Date header.".into(),
        ));
    }
    let signed_at = parse_amz_date(amz_date).ok_or_else(|| AuthError::BadSignature(format!("Invalid X-Amz-Date '{amz_date}'.")))?;
    let skew = now
        .duration_since(signed_at)
        .or_else(|_| signed_at.duration_since(now))
        .unwrap_or_default();
    if skew > MAX_SKEW {
        return Err(AuthError::BadSignature("Signature expired.".into()));
    }

    let names: Vec<&str> = signed_headers.split(';').collect();
    if !names.contains(&"host") {
        return Err(AuthError::BadSignature("'Host' must be a signed header.".into()));
    }
    let mut canonical_headers = String::new();
    for name in &names {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| collapse_spaces(v))
            .collect();
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&values.join(","));
        canonical_headers.push('\n');
    }
    let payload_hash = match header(req.headers, "x-amz-content-sha256") {
        Some(h) => h.to_string(),
        None => hex::encode(Sha256::digest(req.body)),
    };
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req.raw_path),
        canonical_query(req.raw_query),
        canonical_headers,
        signed_headers,
        payload_hash
    );
    let scope_str = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope_str}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    let expected = hex::encode(hmac(&k_signing, string_to_sign.as_bytes()));
    if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
        return Err(AuthError::BadSignature(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details."
                .into(),
        ));
    }
    Ok(Caller {
        access_key: key_id.to_string(),
        region: region.to_string(),
        account: principal.account,
        arn: principal.arn,
        assumed_role: principal.session_token.is_some(),
    })
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so construction cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn collapse_spaces(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// RFC 3986 encoding as SigV4 wants it: everything but unreserved characters.
fn uri_encode(s: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s {
        let unreserved = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        if unreserved || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Services other than S3 encode the already-encoded path a second time.
fn canonical_uri(raw_path: &str) -> String {
    if raw_path.is_empty() {
        return "/".into();
    }
    uri_encode(raw_path.as_bytes(), true)
}

fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |s: &str| -> Vec<u8> { percent_encoding::percent_decode_str(&s.replace('+', "%20")).collect() };
            (uri_encode(&decode(k), false), uri_encode(&decode(v), false))
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// Parses `YYYYMMDD'T'HHMMSS'Z'`.
fn parse_amz_date(s: &str) -> Option<SystemTime> {
    if s.len() != 16 || &s[8..9] != "T" || !s.ends_with('Z') {
        return None;
    }
    let rfc = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15]
    );
    humantime::parse_rfc3339(&rfc).ok()
}

/// Computes a signature the way a client would; used by the tests of this module only.
#[cfg(test)]
fn sign_for_test(req: &SignedRequest<'_>, key_id: &str, secret: &str, amz_date: &str, region: &str, signed: &str) -> String {
    let date = &amz_date[..8];
    let names: Vec<&str> = signed.split(';').collect();
    let mut ch = String::new();
    for n in &names {
        ch.push_str(&format!("{n}:{}\n", header(req.headers, n).unwrap_or("")));
    }
    let cr = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req.raw_path),
        canonical_query(req.raw_query),
        ch,
        signed,
        hex::encode(Sha256::digest(req.body))
    );
    let sts = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/apigateway/aws4_request\n{}",
        hex::encode(Sha256::digest(cr.as_bytes()))
    );
    let k = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k = hmac(&k, region.as_bytes());
    let k = hmac(&k, b"apigateway");
    let k = hmac(&k, b"aws4_request");
    format!(
        "AWS4-HMAC-SHA256 Credential={key_id}/{date}/{region}/apigateway/aws4_request, SignedHeaders={signed}, Signature={}",
        hex::encode(hmac(&k, sts.as_bytes()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(String, String)]) -> SignedRequest<'_> {
        SignedRequest {
            method: "GET",
            raw_path: "/v2/apis/abc/stages/%24default",
            raw_query: "maxResults=5&nextToken=a%2Fb",
            headers,
            body: b"",
        }
    }

    fn signed_headers(secret: &str, now: &str) -> Vec<(String, String)> {
        let mut headers = vec![
            ("host".to_string(), "127.0.0.1:1".to_string()),
            ("x-amz-date".to_string(), now.to_string()),
        ];
        let auth = sign_for_test(&request(&headers), "AKID", secret, now, "us-east-1", "host;x-amz-date");
        headers.push(("authorization".to_string(), auth));
        headers
    }

    fn at(now: &str) -> SystemTime {
        parse_amz_date(now).unwrap()
    }

    fn known(secret: &str) -> impl Fn(&str) -> Option<Principal> {
        let p = Principal {
            secret: secret.into(),
            account: "111111111111".into(),
            arn: "arn:aws:iam::111111111111:user/u".into(),
            session_token: None,
            expires: None,
        };
        move |_| Some(p.clone())
    }

    /// A correctly signed request verifies and yields the caller's key and region.
    #[test]
    fn accepts_good_signature() {
        let h = signed_headers("s3cret", "20261128T000000Z");
        let caller = verify(&request(&h), "apigateway", known("s3cret"), at("20261128T000100Z")).unwrap();
        assert_eq!(caller.access_key, "AKID");
        assert_eq!(caller.region, "us-east-1");
        assert_eq!(caller.account, "111111111111");
    }

    /// Temporary credentials need their session token and stop working at their expiry.
    #[test]
    fn session_tokens() {
        let session = |expires: &str| {
            let p = Principal {
                secret: "s3cret".into(),
                account: "222222222222".into(),
                arn: "arn:aws:sts::222222222222:assumed-role/r/s".into(),
                session_token: Some("tok".into()),
                expires: Some(at(expires)),
            };
            move |_: &str| Some(p.clone())
        };
        let mut h = signed_headers("s3cret", "20261128T000000Z");
        let now = at("20261128T000100Z");
        assert_eq!(
            verify(&request(&h), "apigateway", session("20261128T010000Z"), now).unwrap_err(),
            AuthError::BadToken
        );
        h.push(("x-amz-security-token".into(), "tok".into()));
        let caller = verify(&request(&h), "apigateway", session("20261128T010000Z"), now).unwrap();
        assert!(caller.assumed_role && caller.account == "222222222222");
        assert_eq!(
            verify(&request(&h), "apigateway", session("20261128T000030Z"), now).unwrap_err(),
            AuthError::ExpiredToken
        );
    }

    /// A signature made with another secret is refused as InvalidSignature.
    #[test]
    fn rejects_wrong_secret() {
        let h = signed_headers("other", "20261128T000000Z");
        let err = verify(&request(&h), "apigateway", known("s3cret"), at("20261128T000000Z")).unwrap_err();
        assert!(matches!(err, AuthError::BadSignature(_)));
    }

    /// Missing Authorization and unknown keys map to their own errors.
    #[test]
    fn missing_and_unknown() {
        let h = vec![("host".to_string(), "x".to_string())];
        assert_eq!(
            verify(&request(&h), "apigateway", |_| None, SystemTime::now()).unwrap_err(),
            AuthError::Missing
        );
        let h = signed_headers("s3cret", "20261128T000000Z");
        assert_eq!(
            verify(&request(&h), "apigateway", |_| None, at("20261128T000000Z")).unwrap_err(),
            AuthError::UnknownKey
        );
    }

    /// Requests signed more than 15 minutes away from now are expired.
    #[test]
    fn rejects_old_signature() {
        let h = signed_headers("s3cret", "20261128T000000Z");
        let err = verify(&request(&h), "apigateway", known("s3cret"), at("20261128T003000Z")).unwrap_err();
        assert_eq!(err, AuthError::BadSignature("Signature expired.".into()));
    }
}
