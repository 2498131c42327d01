package io.consolidb.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Masks secrets before configuration or connection strings are shown anywhere. */
public final class SecretMasker {

  public static final String MASK = "****";
  private static final Pattern URI_PASSWORD = Pattern.compile("(://[^:/?#@\\s]*:)([^@/?#\\s]*)@");
  private static final Pattern QUERY_PASSWORD = Pattern.compile("(?i)([?&]password=)[^&\\s]*");
  private static final Pattern KEY_VALUE_SECRET =
      Pattern.compile("(?i)\\b((?:password|passwd|pwd|token|secret)\\s*[=:]\\s*)[^\\s,;&)'\"]+");

  private SecretMasker() {
  }

  /** {@code postgresql://u:secret@h/db?password=x} → {@code postgresql://u:****@h/db?password=****}. */
  public static String maskUri(String uri) {
    if (uri == null) {
      return null;
    }
    String masked = URI_PASSWORD.matcher(uri).replaceAll("$1" + MASK + "@");
    return QUERY_PASSWORD.matcher(masked).replaceAll("$1" + MASK);
  }

  /**
   * Masks anything secret-looking in free text (an exception message, a driver error): passwords
   * in URIs and {@code password=…}, {@code token: …} pairs. Use before logging text that did not
   * come from consolidb itself.
   */
  public static String maskText(String text) {
    if (text == null) {
      return null;
    }
    return KEY_VALUE_SECRET.matcher(maskUri(text)).replaceAll("$1" + MASK);
  }

  /**
   * Only the origin of a URL whose path or query may be a credential (webhooks: Slack- and
   * Teams-style hooks carry their token in the path): {@code https://hooks.example.com/****}.
   */
  public static String origin(String url) {
    if (url == null || url.isBlank()) {
      return url;
    }
    try {
      URI uri = new URI(url);
      if (uri.getScheme() == null || uri.getHost() == null) {
        return MASK;
      }
      boolean more = (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))
          || uri.getRawQuery() != null;
      return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
          + (more ? "/" + MASK : "");
    } catch (URISyntaxException e) {
      return MASK;
    }
  }

  /** A deep copy of {@code config} with every secret-looking value masked (webhook URLs: origin only). */
  public static JsonObject mask(JsonObject config) {
    return mask(config, false);
  }

  private static JsonObject mask(JsonObject config, boolean webhook) {
    JsonObject copy = new JsonObject();
    for (Map.Entry<String, Object> entry : config) {
      copy.put(entry.getKey(), maskValue(entry.getKey(), entry.getValue(), webhook));
    }
    return copy;
  }

  private static Object maskValue(String key, Object value, boolean webhook) {
    boolean inWebhook = webhook || key.toLowerCase(Locale.ROOT).contains("webhook");
    if (value instanceof JsonObject json) {
      return mask(json, inWebhook);
    }
    if (value instanceof JsonArray array) {
      JsonArray copy = new JsonArray();
      array.forEach(item -> copy.add(maskValue(key, item, inWebhook)));
      return copy;
    }
    if (value instanceof String text) {
      if (isSecretKey(key)) {
        return text.isEmpty() ? "" : MASK;
      }
      if (!text.contains("://")) {
        return text;
      }
      return inWebhook ? origin(text) : maskUri(text);
    }
    return value;
  }

  static boolean isSecretKey(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("password") || k.contains("token") || k.contains("secret");
  }
}
