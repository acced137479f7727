using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Lifeboat.Stack.Configuration;

/// <summary>notify: a list of targets, each a mapping with type:, its address and events:.</summary>
public sealed partial class StackConfigParser
{
    private static readonly string[] NotifyTypes = ["healthchecks", "ntfy", "webhook", "email"];
    private static readonly string[] NotifyEvents = ["start", "success", "warning", "failure"];
    private static readonly string[] HttpNotifyKeys = ["type", "url", "url-file", "events"];
    private static readonly string[] EmailNotifyKeys = ["type", "host", "port", "starttls", "from", "to", "username", "password-file", "ca-file", "events"];

    private List<NotifyTarget> ParseNotify(YamlNode node)
    {
        var targets = new List<NotifyTarget>();
        if (IsNull(node)) return targets;
        if (node is not YamlSequenceNode sequence)
            throw Error(LineOf(node.Start), "notify", "must be a list of targets, one \"- type: ...\" item each");
        for (int index = 0; index < sequence.Children.Count; index++)
            targets.Add(ParseNotifyTarget(sequence.Children[index], $"notify[{index}]"));
        return targets;
    }

    private NotifyTarget ParseNotifyTarget(YamlNode node, string prefix)
    {
        int line = LineOf(node.Start);
        if (node is not YamlMappingNode mapping)
            throw Error(line, prefix, "must be a mapping, e.g. { type: ntfy, url: https://ntfy.sh/my-topic }");
        var typeNode = mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: "type" }).Value
            ?? throw Error(line, $"{prefix}.type", $"is missing; use one of {string.Join(", ", NotifyTypes)}");
        var typeText = NonEmptyText(typeNode, $"{prefix}.type");
        var type = typeText switch
        {
            "healthchecks" => NotifyTargetType.Healthchecks,
            "ntfy" => NotifyTargetType.Ntfy,
            "webhook" => NotifyTargetType.Webhook,
            "email" => NotifyTargetType.Email,
            _ => throw Error(LineOf(typeNode.Start), $"{prefix}.type", $"\"{typeText}\" is not valid; use one of {string.Join(", ", NotifyTypes)}"),
        };
        var validKeys = type == NotifyTargetType.Email ? EmailNotifyKeys : HttpNotifyKeys;

        string? url = null, urlFile = null, host = null, from = null, username = null, passwordFile = null, caFile = null;
        int port = 587;
        bool startTls = true;
        int startTlsLine = 0;
        var to = new List<string>();
        IReadOnlySet<NotifyEvent>? events = null;
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = KeyName(keyNode, prefix);
            var full = $"{prefix}.{key}";
            int keyLine = LineOf(keyNode.Start);
            if (key == "password")
            {
                _inlinePasswords.Add(Error(keyLine, full, "a password is never written in lifeboat.yaml; put it in a file readable only by root and name that file with password-file"));
                continue;
            }
            if (!validKeys.Contains(key))
                throw Error(keyLine, full, $"is not a known key for a {typeText} target; valid keys are {string.Join(", ", validKeys)}");
            switch (key)
            {
                case "type": break;
                case "url":
                    url = HttpUrl(value, full);
                    if (NotifyUrl.HoldsSecret(url))
                        _inlinePasswords.Add(Error(LineOf(value.Start), full, "this URL holds a password or token, which lifeboat.yaml must never hold; put the URL in a file readable only by root and name it with url-file"));
                    break;
                case "url-file": urlFile = Path.GetFullPath(NonEmptyText(value, full), _directory); break;
                case "events": events = ParseEvents(value, full); break;
                case "host": host = NonEmptyText(value, full); break;
                case "port":
                    var text = NonEmptyText(value, full);
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port < 1 || port > 65535)
                        throw Error(LineOf(value.Start), full, $"\"{text}\" is not valid; use a TCP port, e.g. 587");
                    break;
                case "starttls":
                    startTls = NonEmptyText(value, full) switch
                    {
                        "true" or "yes" or "on" => true,
                        "false" or "no" or "off" => false,
                        var other => throw Error(LineOf(value.Start), full, $"\"{other}\" is not valid; use true or false"),
                    };
                    startTlsLine = keyLine;
                    break;
                case "from": from = MailAddress(value, full); break;
                case "to":
                    foreach (var (item, itemLine) in value is YamlScalarNode ? [(NonEmptyText(value, full), LineOf(value.Start))] : TextList(value, full))
                        to.Add(MailAddress(item, itemLine, full));
                    break;
                case "username": username = NonEmptyText(value, full); break;
                case "password-file": passwordFile = Path.GetFullPath(NonEmptyText(value, full), _directory); break;
                case "ca-file": caFile = Path.GetFullPath(NonEmptyText(value, full), _directory); break;
            }
        }

        events ??= type == NotifyTargetType.Healthchecks ? NotifyTarget.AllEvents : NotifyTarget.DefaultEvents;
        if (type != NotifyTargetType.Email)
        {
            if (url is null && urlFile is null)
                throw Error(line, $"{prefix}.url", "is missing; give the URL (url: https://...) or a file that holds it (url-file: /etc/lifeboat/...)");
            if (url is not null && urlFile is not null)
                throw Error(line, $"{prefix}.url-file", "use either url or url-file, not both");
            return new NotifyTarget { Type = type, Events = events, Url = url, UrlFile = urlFile, Line = line };
        }
        if (host is null) throw Error(line, $"{prefix}.host", "is missing; name the SMTP server, e.g. host: smtp.example.com");
        if (from is null) throw Error(line, $"{prefix}.from", "is missing; give the sender's address, e.g. from: lifeboat@example.com");
        if (to.Count == 0) throw Error(line, $"{prefix}.to", "is missing or empty; list the recipients, e.g. to: [me@example.com]");
        if ((username is null) != (passwordFile is null))
            throw Error(line, username is null ? $"{prefix}.username" : $"{prefix}.password-file", "username and password-file go together; give both or neither");
        if (!startTls && username is not null)
            throw Error(startTlsLine, $"{prefix}.starttls", "the SMTP password would cross the network in clear; keep starttls on, or leave out username and password-file");
        return new NotifyTarget
        {
            Type = type, Events = events, Line = line,
            Email = new EmailSettings
            {
                Host = host, Port = port, StartTls = startTls, From = from, To = to, Username = username,
                PasswordFile = passwordFile, CaFile = caFile,
            },
        };
    }

    private HashSet<NotifyEvent> ParseEvents(YamlNode node, string key)
    {
        var events = new HashSet<NotifyEvent>();
        var items = node is YamlScalarNode ? [(NonEmptyText(node, key), LineOf(node.Start))] : TextList(node, key);
        foreach (var (item, itemLine) in items)
        {
            events.Add(item switch
            {
                "start" => NotifyEvent.Start,
                "success" => NotifyEvent.Success,
                "warning" => NotifyEvent.Warning,
                "failure" => NotifyEvent.Failure,
                _ => throw Error(itemLine, key, $"\"{item}\" is not an event; use any of {string.Join(", ", NotifyEvents)}"),
            });
        }
        if (events.Count == 0) throw Error(LineOf(node.Start), key, $"is empty; list at least one of {string.Join(", ", NotifyEvents)}, or remove the target");
        return events;
    }

    private string HttpUrl(YamlNode node, string key)
    {
        var text = NonEmptyText(node, key);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            throw Error(LineOf(node.Start), key, "is not an http:// or https:// URL");
        return text;
    }

    private string MailAddress(YamlNode node, string key) => MailAddress(NonEmptyText(node, key), LineOf(node.Start), key);

    private string MailAddress(string text, int line, string key)
    {
        // one bare address: what MAIL FROM and RCPT TO carry; no display names, no line breaks into the SMTP dialogue
        int at = text.IndexOf('@');
        if (at <= 0 || at == text.Length - 1 || text.IndexOf('@', at + 1) >= 0 || text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or ',' or '"'))
            throw Error(line, key, $"\"{text}\" is not a mail address; write it bare, e.g. me@example.com");
        return text;
    }
}
