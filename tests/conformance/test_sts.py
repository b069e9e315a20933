"""The emulator's STS held to botocore's published STS model: every raw XML answer is checked
element by element against the operation's output shape (query protocol: <XResponse><XResult>),
errors against AWS's ErrorResponse form and, where the model declares the error, its status."""

import base64
import datetime
import json
import xml.etree.ElementTree as ET

import boto3
import botocore.exceptions
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from conftest import ACCESS_KEY, SECRET_KEY, run_emulator, stop_emulator
from test_conformance import admin

NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
ROLE = "arn:aws:iam::222222222222:role/deployer"
ISSUER = "https://token.actions.example"


def local(tag):
    return tag.split("}", 1)[-1]


def check_xml(shape, elem, path):
    """Raises AssertionError where the XML element does not fit the botocore shape."""
    t = shape.type_name
    if t == "structure":
        by_wire = {m.serialization.get("name", name): m for name, m in shape.members.items()}
        seen = set()
        for child in elem:
            tag = local(child.tag)
            assert tag in by_wire, f"{path}.{tag} is not a member of {shape.name}"
            seen.add(tag)
            check_xml(by_wire[tag], child, f"{path}.{tag}")
        for name in shape.required_members:
            wire = shape.members[name].serialization.get("name", name)
            assert wire in seen, f"{path}: required member {wire} of {shape.name} missing"
    elif t == "list":
        for i, member in enumerate(elem):
            assert local(member.tag) == "member", f"{path}[{i}]: list items are <member>"
            check_xml(shape.member, member, f"{path}[{i}]")
    elif t == "string":
        text = elem.text or ""
        if shape.enum:
            assert text in shape.enum, f"{path}: {text!r} not in {shape.enum}"
        if "min" in shape.metadata:
            assert len(text) >= shape.metadata["min"], f"{path}: {text!r} shorter than {shape.metadata['min']}"
    elif t in ("integer", "long"):
        int(elem.text)
    elif t == "timestamp":
        datetime.datetime.fromisoformat(elem.text.replace("Z", "+00:00"))
    else:
        raise AssertionError(f"{path}: unhandled shape type {t}")


class Recorder:
    def __init__(self, client):
        self.checked = []
        client.meta.events.register("before-parse.sts.*", self.on_response)

    def on_response(self, operation_model, response_dict, **_):
        status = response_dict["status_code"]
        root = ET.fromstring(response_dict["body"])
        name = operation_model.name
        if status < 300:
            assert local(root.tag) == f"{name}Response", local(root.tag)
            result = root.find(f"{NS}{name}Result")
            assert result is not None, f"{name}: no {name}Result"
            check_xml(operation_model.output_shape, result, name)
            assert root.find(f"{NS}ResponseMetadata/{NS}RequestId") is not None
        else:
            assert local(root.tag) == "ErrorResponse"
            error = root.find(f"{NS}Error")
            code = error.find(f"{NS}Code").text
            assert error.find(f"{NS}Type").text in ("Sender", "Receiver")
            assert error.find(f"{NS}Message").text
            assert root.find(f"{NS}RequestId") is not None
            declared = {s.metadata.get("error", {}).get("code", s.name): s for s in operation_model.error_shapes}
            if code in declared:
                assert status == declared[code].metadata["error"]["httpStatusCode"], f"{name}: {code} with {status}"
        self.checked.append((name, status))


def sts(url, key=ACCESS_KEY, secret=SECRET_KEY, token=None, unsigned=False):
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    if unsigned:
        config = config.merge(Config(signature_version=UNSIGNED))
    return boto3.client(
        "sts",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=config,
    )


def apigw(url, creds, attempts=3):
    """An API Gateway v2 client signing with STS-issued credentials."""
    return boto3.client(
        "apigatewayv2",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        config=Config(retries={"total_max_attempts": attempts}),
    )


def jwt(iss):
    enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    return f"{enc(b'{}')}.{enc(json.dumps({'iss': iss, 'sub': 'repo:x'}).encode())}.sig"


@pytest.fixture()
def sts_emulator():
    """An emulator with a role in account 222222222222 set by flag: external id and issuer."""
    proc, url = run_emulator("--time-scale", "0.01", "--role", f"{ROLE},external-id=team-a,issuer={ISSUER}")
    yield url
    stop_emulator(proc)


def code_of(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_sts_answers_match_the_model(sts_emulator):
    """AssumeRole, AssumeRoleWithWebIdentity and GetCallerIdentity answer in the model's shapes;
    the issued credentials sign API Gateway calls in the role's account."""
    c = sts(sts_emulator)
    rec = Recorder(c)
    assert c.get_caller_identity()["Account"] == "111111111111"
    out = c.assume_role(
        RoleArn=ROLE,
        RoleSessionName="ci",
        ExternalId="team-a",
        DurationSeconds=900,
        Tags=[{"Key": "team", "Value": "a"}],
        TransitiveTagKeys=["team"],
        SourceIdentity="alice",
        PolicyArns=[{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    )
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and out["SourceIdentity"] == "alice"
    session = sts(sts_emulator, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    Recorder(session)
    ident = session.get_caller_identity()
    assert (ident["Account"], ident["Arn"]) == ("222222222222", "arn:aws:sts::222222222222:assumed-role/deployer/ci")
    web = sts(sts_emulator, unsigned=True)
    Recorder(web)
    got = web.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="gh", WebIdentityToken=jwt(ISSUER))
    assert got["Provider"] == "token.actions.example"
    assert apigw(sts_emulator, creds).get_apis()["Items"] == []
    assert {n for n, _ in rec.checked} == {"GetCallerIdentity", "AssumeRole"}


def test_sts_errors_match_aws(sts_emulator):
    """A wrong external id and another issuer's token are AccessDenied (403); a duration out of
    range is ValidationError (400); an injected fault throttles (Throttling, 400) or denies."""
    c = sts(sts_emulator)
    Recorder(c)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.assume_role(RoleArn=ROLE, RoleSessionName="ci", ExternalId="team-b")
    assert code_of(e) == "AccessDenied" and e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert ROLE in e.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.assume_role(RoleArn=ROLE, RoleSessionName="ci", ExternalId="team-a", DurationSeconds=43201)
    assert code_of(e) == "ValidationError"
    web = sts(sts_emulator, unsigned=True)
    Recorder(web)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        web.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="gh", WebIdentityToken=jwt("https://evil.example"))
    assert code_of(e) == "AccessDenied"
    admin(sts_emulator, "POST", "faults", {"operation": "AssumeRole", "kind": "status", "status": 429, "count": 1})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.assume_role(RoleArn=ROLE, RoleSessionName="ci", ExternalId="team-a")
    assert code_of(e) == "Throttling"
    admin(sts_emulator, "POST", "faults", {"operation": "AssumeRole", "kind": "status", "status": 403, "count": 1})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.assume_role(RoleArn=ROLE, RoleSessionName="ci", ExternalId="team-a")
    assert code_of(e) == "AccessDenied"
    c.assume_role(RoleArn=ROLE, RoleSessionName="ci", ExternalId="team-a")


def test_expired_session_is_refused(sts_emulator):
    """Credentials past their expiry: ExpiredTokenException (403) from API Gateway."""
    admin(sts_emulator, "PUT", "settings", {"sessionLifetimeMs": 1})
    admin(sts_emulator, "POST", "roles", {"roleArn": "arn:aws:iam::333333333333:role/other"})
    out = sts(sts_emulator).assume_role(RoleArn="arn:aws:iam::333333333333:role/other", RoleSessionName="short")["Credentials"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        apigw(sts_emulator, out, attempts=1).get_apis()
    assert code_of(e) == "ExpiredTokenException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
