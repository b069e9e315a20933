"""The emulator held to botocore's published API Gateway v2 model: every raw response body is
checked member by member against the operation's output (or error) shape, and every status code
against the operation's declared one."""

import datetime
import json
import time
import urllib.error
import urllib.request

import botocore.exceptions
import pytest

from conftest import make_client

AUTH_ERRORS = {"MissingAuthenticationTokenException", "InvalidSignatureException", "UnrecognizedClientException"}


def check_shape(shape, value, path):
    """Raises AssertionError where `value` (raw JSON) does not fit the botocore `shape`."""
    t = shape.type_name
    if t == "structure":
        assert isinstance(value, dict), f"{path}: expected object, got {value!r}"
        by_wire = {
            m.serialization.get("name", name): m
            for name, m in shape.members.items()
            if m.serialization.get("location") in (None, "body")
        }
        for key, v in value.items():
            assert key in by_wire, f"{path}.{key} is not a member of {shape.name}"
            check_shape(by_wire[key], v, f"{path}.{key}")
        for name in shape.required_members:
            wire = shape.members[name].serialization.get("name", name)
            if wire in by_wire:
                assert wire in value, f"{path}: required member {wire} of {shape.name} missing"
    elif t == "list":
        assert isinstance(value, list), f"{path}: expected list"
        for i, v in enumerate(value):
            check_shape(shape.member, v, f"{path}[{i}]")
    elif t == "map":
        assert isinstance(value, dict), f"{path}: expected map"
        for k, v in value.items():
            check_shape(shape.key, k, f"{path}<key>")
            check_shape(shape.value, v, f"{path}.{k}")
    elif t == "string":
        assert isinstance(value, str), f"{path}: expected string, got {value!r}"
        if shape.enum:
            assert value in shape.enum, f"{path}: {value!r} not in {shape.enum}"
    elif t == "boolean":
        assert isinstance(value, bool), f"{path}: expected boolean"
    elif t in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), f"{path}: expected integer"
    elif t in ("double", "float"):
        assert isinstance(value, (int, float)), f"{path}: expected number"
    elif t == "timestamp":
        assert isinstance(value, str), f"{path}: expected ISO-8601 string"
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        raise AssertionError(f"{path}: unhandled shape type {t}")


class Recorder:
    """Captures every raw response and checks it against the model as it arrives."""

    def __init__(self, client):
        self.checked = []
        client.meta.events.register("before-parse.apigatewayv2.*", self.on_response)

    def on_response(self, operation_model, response_dict, **_):
        status = response_dict["status_code"]
        headers = {k.lower(): v for k, v in response_dict["headers"].items()}
        body = response_dict["body"]
        name = operation_model.name
        if status < 300:
            expected = operation_model.http.get("responseCode", 200)
            assert status == expected, f"{name}: status {status}, model says {expected}"
            if operation_model.output_shape is not None:
                check_shape(operation_model.output_shape, json.loads(body or b"{}"), name)
            else:
                assert not body, f"{name}: model has no output but body was {body!r}"
        else:
            error_type = headers.get("x-amzn-errortype", "").split(":")[0]
            payload = json.loads(body)
            if error_type in AUTH_ERRORS:
                assert status == 403
                assert set(payload) <= {"message", "Message"}
            elif status >= 500:
                # Server faults are not part of any operation's model; AWS sends just a message.
                assert set(payload) <= {"message", "Message"}
            else:
                shapes = {s.name: s for s in operation_model.error_shapes}
                assert error_type in shapes, f"{name}: error {error_type} not declared for the operation"
                shape = shapes[error_type]
                assert status == shape.metadata["error"]["httpStatusCode"], f"{name}: {error_type} with status {status}"
                check_shape(shape, payload, f"{name}!{error_type}")
        self.checked.append((name, status))


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def fixture(client):
    api = client.create_api(Name="conf", ProtocolType="HTTP")
    route = client.create_route(ApiId=api["ApiId"], RouteKey="GET /pets")
    client.create_stage(ApiId=api["ApiId"], StageName="prod")
    return api["ApiId"], route["RouteId"]


def test_every_operation_matches_the_model(emulator):
    """All 17 operations the emulator serves answer in their model's shapes and status codes."""
    c = make_client(emulator)
    rec = Recorder(c)
    api_id, route_id = fixture(c)
    c.create_api(Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")
    c.get_api(ApiId=api_id)
    c.get_apis()
    c.get_routes(ApiId=api_id)
    c.get_stage(ApiId=api_id, StageName="prod")
    c.get_stages(ApiId=api_id)
    dep = c.create_deployment(ApiId=api_id, Description="one", StageName="prod")
    assert dep["DeploymentStatus"] == "PENDING"
    dep_id = dep["DeploymentId"]
    c.get_deployment(ApiId=api_id, DeploymentId=dep_id)
    c.update_deployment(ApiId=api_id, DeploymentId=dep_id, Description="two")
    c.update_stage(ApiId=api_id, StageName="prod", AutoDeploy=False, DeploymentId=dep_id)
    c.get_deployments(ApiId=api_id)
    c.delete_stage(ApiId=api_id, StageName="prod")
    c.delete_deployment(ApiId=api_id, DeploymentId=dep_id)
    c.delete_route(ApiId=api_id, RouteId=route_id)
    c.delete_api(ApiId=api_id)
    ops = {name for name, _ in rec.checked}
    assert len(ops) == 17, sorted(ops)


def test_deployment_becomes_deployed_and_paginates(emulator):
    """PENDING turns DEPLOYED; botocore's own paginator walks GetDeployments pages."""
    c = make_client(emulator, attempts=10)
    Recorder(c)
    api_id, _ = fixture(c)
    ids = []
    for _ in range(3):
        for _ in range(200):
            try:
                ids.append(c.create_deployment(ApiId=api_id)["DeploymentId"])
                break
            except botocore.exceptions.ClientError as e:
                assert e.response["Error"]["Code"] == "TooManyRequestsException"
                time.sleep(0.01)
    deadline = time.time() + 5
    while c.get_deployment(ApiId=api_id, DeploymentId=ids[0])["DeploymentStatus"] != "DEPLOYED":
        assert time.time() < deadline, "deployment never became DEPLOYED"
        time.sleep(0.01)
    pages = list(c.get_paginator("get_deployments").paginate(ApiId=api_id, PaginationConfig={"PageSize": 2}))
    assert [len(p["Items"]) for p in pages] == [2, 1]
    assert [d["DeploymentId"] for p in pages for d in p["Items"]] == ids


def test_errors_match_the_model(real_time_emulator):
    """NotFound, BadRequest, Conflict and 429 carry the model's error shapes and statuses."""
    c = make_client(real_time_emulator)
    rec = Recorder(c)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.get_api(ApiId="nope")
    assert error_code(e) == "NotFoundException"
    bare = c.create_api(Name="bare", ProtocolType="HTTP")["ApiId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.create_deployment(ApiId=bare)
    assert error_code(e) == "BadRequestException"
    assert e.value.response["Error"]["Message"] == "Unable to deploy API because no routes exist in this API"
    api_id, _ = fixture(c)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.create_stage(ApiId=api_id, StageName="prod")
    assert error_code(e) == "ConflictException"
    # The refused CreateDeployment above still spent the 1-per-5-s quota, as on AWS.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.create_deployment(ApiId=api_id)
    assert error_code(e) == "TooManyRequestsException"
    assert e.value.response["LimitType"] == "CreateDeployment"
    assert [s for _, s in rec.checked if s >= 400] == [404, 400, 409, 429], rec.checked


def test_signature_rejections(emulator):
    """A wrong secret is InvalidSignatureException with 403, as AWS answers."""
    c = make_client(emulator, secret="wrong")
    Recorder(c)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.get_apis()
    assert error_code(e) == "InvalidSignatureException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def admin(url, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{url}/__emulator/{path}", data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"{}")


def test_apis_are_kept_per_region(emulator):
    """An API belongs to the region of the SigV4 scope that created it: NotFound from another
    region, absent from its GetApis, its endpoint naming its own region; quotas count apart."""
    east = make_client(emulator, region="us-east-1")
    west = make_client(emulator, region="eu-west-1")
    Recorder(east)
    Recorder(west)
    api_id, _ = fixture(east)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        west.get_api(ApiId=api_id)
    assert error_code(e) == "NotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        west.get_deployments(ApiId=api_id)
    assert error_code(e) == "NotFoundException"
    assert west.get_apis()["Items"] == []
    assert [a["ApiId"] for a in east.get_apis()["Items"]] == [api_id]
    west_api = west.create_api(Name="conf", ProtocolType="HTTP")
    assert ".execute-api.eu-west-1.amazonaws.com" in west_api["ApiEndpoint"]
    assert ".execute-api.us-east-1.amazonaws.com" in east.get_api(ApiId=api_id)["ApiEndpoint"]
    # One CreateDeployment per 5 s (scaled) per account and region: each region has its own.
    west.create_route(ApiId=west_api["ApiId"], RouteKey="GET /pets")
    east.create_deployment(ApiId=api_id)
    west.create_deployment(ApiId=west_api["ApiId"])
    assert admin(emulator, "GET", f"apis/{api_id}/stages/prod/serving?region=us-east-1")["stageName"] == "prod"
    with pytest.raises(urllib.error.HTTPError) as e:
        admin(emulator, "GET", f"apis/{api_id}/stages/prod/serving?region=eu-west-1")
    assert e.value.code == 404


def test_admin_endpoints(emulator):
    """Fault rules, the FAILED switch, run-time settings, stats and reset work over HTTP."""
    c = make_client(emulator)
    Recorder(c)
    admin(emulator, "POST", "faults", {"operation": "GetApis", "kind": "status", "status": 503, "count": 1})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.get_apis()
    assert error_code(e) == "ServiceUnavailableException"
    c.get_apis()
    assert admin(emulator, "GET", "stats")["GetApis"] == {"200": 1, "503": 1}

    api_id, _ = fixture(c)
    admin(emulator, "POST", "fail-next-deployment", {"message": "boom"})
    admin(emulator, "PUT", "settings", {"deployDelayMs": 0, "quotas": False, "refuseDeleteWhileStaged": False})
    dep = c.create_deployment(ApiId=api_id, StageName="prod")
    got = c.get_deployment(ApiId=api_id, DeploymentId=dep["DeploymentId"])
    assert (got["DeploymentStatus"], got["DeploymentStatusMessage"]) == ("FAILED", "boom")
    c.create_deployment(ApiId=api_id)  # quotas off: no 429 right after another create
    c.delete_deployment(ApiId=api_id, DeploymentId=dep["DeploymentId"])  # staged, but allowed now

    admin(emulator, "POST", "faults", {"kind": "status", "status": 500})
    admin(emulator, "DELETE", "faults")
    admin(emulator, "POST", "reset")
    assert c.get_apis()["Items"] == []


def test_configuration_objects_match_the_model(emulator):
    """Routes, integrations, authorizers, models, route and integration responses: Create, Get,
    list (paged), Update and Delete answer in their model's shapes, status codes and errors."""
    c = make_client(emulator)
    rec = Recorder(c)
    api = c.create_api(Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")["ApiId"]
    integ = c.create_integration(ApiId=api, IntegrationType="MOCK")
    iid = integ["IntegrationId"]
    assert integ["TimeoutInMillis"] == 29000
    c.get_integration(ApiId=api, IntegrationId=iid)
    c.update_integration(ApiId=api, IntegrationId=iid, Description="mock")
    route = c.create_route(ApiId=api, RouteKey="$default", Target=f"integrations/{iid}")
    rid = route["RouteId"]
    c.get_route(ApiId=api, RouteId=rid)
    c.update_route(ApiId=api, RouteId=rid, OperationName="send")
    with pytest.raises(botocore.exceptions.ClientError) as bad:
        c.update_route(ApiId=api, RouteId=rid, Target="integrations/nope")
    assert error_code(bad) == "BadRequestException"
    auth = c.create_authorizer(
        ApiId=api, AuthorizerType="REQUEST", IdentitySource=["route.request.header.Auth"], Name="a",
        AuthorizerUri="arn:aws:apigateway:us-east-1:lambda:path/fn",
    )
    c.get_authorizer(ApiId=api, AuthorizerId=auth["AuthorizerId"])
    c.update_authorizer(ApiId=api, AuthorizerId=auth["AuthorizerId"], AuthorizerResultTtlInSeconds=0)
    with pytest.raises(botocore.exceptions.ClientError) as dup:
        c.create_authorizer(ApiId=api, AuthorizerType="REQUEST", IdentitySource=["x"], Name="a")
    assert error_code(dup) == "ConflictException"
    model = c.create_model(ApiId=api, Name="Msg", Schema="{}")
    c.get_model(ApiId=api, ModelId=model["ModelId"])
    c.update_model(ApiId=api, ModelId=model["ModelId"], Description="d")
    rr = c.create_route_response(ApiId=api, RouteId=rid, RouteResponseKey="$default")
    c.get_route_response(ApiId=api, RouteId=rid, RouteResponseId=rr["RouteResponseId"])
    c.update_route_response(ApiId=api, RouteId=rid, RouteResponseId=rr["RouteResponseId"], ModelSelectionExpression="x")
    ir = c.create_integration_response(ApiId=api, IntegrationId=iid, IntegrationResponseKey="$default")
    c.get_integration_response(ApiId=api, IntegrationId=iid, IntegrationResponseId=ir["IntegrationResponseId"])
    c.update_integration_response(
        ApiId=api, IntegrationId=iid, IntegrationResponseId=ir["IntegrationResponseId"], ResponseTemplates={"a": "b"}
    )
    for op, kw, key in [
        ("get_integrations", {}, "Items"),
        ("get_authorizers", {}, "Items"),
        ("get_models", {}, "Items"),
        ("get_route_responses", {"RouteId": rid}, "Items"),
        ("get_integration_responses", {"IntegrationId": iid}, "Items"),
    ]:
        assert len(getattr(c, op)(ApiId=api, **kw)[key]) == 1, op
    for i in range(3):
        c.create_route(ApiId=api, RouteKey=f"r{i}")
    pages = c.get_paginator("get_routes").paginate(ApiId=api, PaginationConfig={"PageSize": 2})
    assert sorted(r["RouteKey"] for p in pages for r in p["Items"]) == ["$default", "r0", "r1", "r2"]
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        c.get_integration(ApiId=api, IntegrationId="nope")
    assert error_code(missing) == "NotFoundException"
    c.delete_integration_response(ApiId=api, IntegrationId=iid, IntegrationResponseId=ir["IntegrationResponseId"])
    c.delete_route_response(ApiId=api, RouteId=rid, RouteResponseId=rr["RouteResponseId"])
    c.delete_model(ApiId=api, ModelId=model["ModelId"])
    c.delete_authorizer(ApiId=api, AuthorizerId=auth["AuthorizerId"])
    c.delete_route(ApiId=api, RouteId=rid)
    c.delete_integration(ApiId=api, IntegrationId=iid)
    ops = {name for name, _ in rec.checked}
    assert len(ops) == 31, sorted(ops)  # 6 kinds x 5 operations, and CreateApi


def test_auto_deploy_stage_refuses_deployment_ids(emulator):
    """A stage with autoDeploy refuses a deployment id (UpdateStage) and, by default, a
    CreateDeployment naming it; the admin endpoint tells what a stage serves."""
    c = make_client(emulator)
    api_id, _ = fixture(c)
    c.create_stage(ApiId=api_id, StageName="live", AutoDeploy=True)
    dep = c.get_stage(ApiId=api_id, StageName="live")["DeploymentId"]  # made by autoDeploy
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        c.update_stage(ApiId=api_id, StageName="live", DeploymentId=dep)
    assert error_code(refused) == "BadRequestException"
    assert "AutoDeploy is enabled" in refused.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        c.create_deployment(ApiId=api_id, StageName="live")
    assert error_code(refused) == "BadRequestException"
    served = admin(emulator, "GET", f"apis/{api_id}/stages/live/serving")
    assert served["routeKeys"] == ["GET /pets"] and served["deploymentId"]
