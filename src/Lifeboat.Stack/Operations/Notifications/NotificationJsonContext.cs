using System.Text.Json.Serialization;

namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>Source-generated serialization of the webhook body (no reflection: the CLI is a Native AOT binary).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WebhookPayload))]
public sealed partial class NotificationJsonContext : JsonSerializerContext;
