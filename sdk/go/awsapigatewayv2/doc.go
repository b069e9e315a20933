// A native Pulumi provider for Amazon API Gateway v2 (HTTP and WebSocket API) deployments: fast, light, quota-aware.
package awsapigatewayv2
