"""The API, route and stage the demo's deployment belongs to (normally managed by pulumi-aws).

usage: demo_fixture.py create|delete-stage|delete ENDPOINT STATE_DIR
"""

import os
import sys

import boto3
import botocore.exceptions


def client(endpoint):
    return boto3.client("apigatewayv2", endpoint_url=endpoint, region_name=os.environ.get("AWS_REGION", "us-east-1"))


def main():
    action, endpoint, state_dir = sys.argv[1:4]
    c = client(endpoint)
    id_file = os.path.join(state_dir, "api_id")
    api_id = open(id_file).read().strip() if os.path.exists(id_file) else None
    if action == "create":
        if api_id:
            try:
                c.get_api(ApiId=api_id)
                print(api_id)
                return
            except botocore.exceptions.ClientError:
                pass
        api_id = c.create_api(Name="pulumi-demo", ProtocolType="HTTP")["ApiId"]
        c.create_route(ApiId=api_id, RouteKey="GET /hello")
        c.create_stage(ApiId=api_id, StageName="prod")
        with open(id_file, "w") as f:
            f.write(api_id)
        print(api_id)
    elif action == "delete-stage" and api_id:
        try:
            c.delete_stage(ApiId=api_id, StageName="prod")
        except botocore.exceptions.ClientError:
            pass
    elif action == "delete" and api_id:
        try:
            c.delete_api(ApiId=api_id)
        except botocore.exceptions.ClientError:
            pass
        os.remove(id_file)


if __name__ == "__main__":
    main()
