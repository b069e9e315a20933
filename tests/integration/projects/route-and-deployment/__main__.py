"""A route managed in the same program as the deployment that follows it: changing `routeKey`
updates the route, and the deployment (redeploy_on_api_change, depends_on the route) is replaced
in the same `pulumi up`. The route is a dynamic resource over boto3, standing in for
aws.apigatewayv2.Route, whose provider cannot be installed here."""

from typing import Any, Optional

import pulumi
import pulumi_aws_apigatewayv2 as apigw
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult


def _client(props: Any) -> Any:
    import boto3  # imported here: the provider is serialised without module state

    return boto3.client("apigatewayv2", endpoint_url=props.get("endpoint") or None, region_name=props["region"])


class RouteProvider(ResourceProvider):
    def create(self, props: Any) -> CreateResult:
        route = _client(props).create_route(ApiId=props["api_id"], RouteKey=props["route_key"])
        return CreateResult(route["RouteId"], props)

    def diff(self, _id: str, olds: Any, news: Any) -> DiffResult:
        changed = [k for k in ("api_id", "route_key") if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=[k for k in changed if k == "api_id"])

    def update(self, id: str, _olds: Any, news: Any) -> UpdateResult:
        _client(news).update_route(ApiId=news["api_id"], RouteId=id, RouteKey=news["route_key"])
        return UpdateResult(news)

    def delete(self, id: str, props: Any) -> None:
        _client(props).delete_route(ApiId=props["api_id"], RouteId=id)


class Route(Resource):
    def __init__(self, name: str, props: dict[str, Any], opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(RouteProvider(), name, props, opts)


config = pulumi.Config()
aws = pulumi.Config("aws-apigatewayv2")
api_id = config.require("apiId")
route = Route(
    "route",
    {
        "api_id": api_id,
        "route_key": config.get("routeKey") or "GET /one",
        "endpoint": aws.get("endpoint"),
        "region": aws.get("region") or "us-east-1",
    },
)
deployment = apigw.Deployment(
    "release",
    api_id=api_id,
    stage_name="prod",
    redeploy_on_api_change=True,
    opts=pulumi.ResourceOptions(depends_on=[route]),
)

pulumi.export("deploymentId", deployment.id)
