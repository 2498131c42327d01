package io.consolidb.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The secret values of the configurations this process loaded (passwords in URLs, tokens — each
 * token of {@code HTTP_TOKENS} apart —, the
 * cluster secret, webhook URLs), so that every log line can be scrubbed of them whatever wrote
 * it: a driver's message, a library's stack trace, a line of ours that forgot to mask. Pattern
 * masking ({@link SecretMasker#maskText}) catches secrets that look like secrets; this catches
 * the exact values, in whatever text they turn up. The log layouts apply both
 * ({@code io.consolidb.tracing.MaskedMessageConverter}, {@code JsonLogLayout}).
 *
 * <p>A value shorter than {@value #MIN_LENGTH} characters, or equal to a non-secret part of its
 * URL (development's {@code consolidb:consolidb@} would otherwise mask every logger name), is not
 * kept: it would mask ordinary words and protects nothing. At most {@value #MAX_KNOWN} values are
 * kept (a test JVM loads many configurations); the oldest go first.
 */
public final class KnownSecrets {

  static final int MIN_LENGTH = 6;
  static final int MAX_KNOWN = 256;
  private static final Pattern URI_USER_INFO =
      Pattern.compile("://([^:/?#@\\s]*):([^@/?#\\s]*)@([^/?#\\s]*)(/[^?#\\s]*)?");
  private static final Pattern QUERY_PASSWORD = Pattern.compile("(?i)[?&]password=([^&\\s]*)");

  /** Every value kept, oldest first; guarded by the class. */
  private static final Set<String> remembered = new LinkedHashSet<>();
  /** The same values longest first, so that a secret containing another is replaced whole. */
  private static volatile List<String> known = List.of();

  private KnownSecrets() {
  }

  /** Remembers the secret values of {@code config} (a merged configuration tree). */
  public static void remember(JsonObject config) {
    Set<String> found = new LinkedHashSet<>();
    collect(config, "", found);
    add(found);
  }

  /** {@code text} with every known secret value and every secret-looking pair masked. */
  public static String scrub(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String scrubbed = text;
    for (String secret : known) {
      if (scrubbed.contains(secret)) {
        scrubbed = scrubbed.replace(secret, SecretMasker.MASK);
      }
    }
    return SecretMasker.maskText(scrubbed);
  }

  static synchronized void add(Set<String> values) {
    for (String value : values) {
      remembered.remove(value); // moves to the newest end
      remembered.add(value);
    }
    while (remembered.size() > MAX_KNOWN) {
      remembered.remove(remembered.iterator().next());
    }
    List<String> sorted = new ArrayList<>(remembered);
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    known = List.copyOf(sorted);
  }

  /** What is known now (tests). */
  static List<String> known() {
    return known;
  }

  /** {@code key}: the value's dotted path in the configuration tree. */
  private static void collect(Object value, String key, Set<String> found) {
    if (value instanceof JsonObject json) {
      for (Map.Entry<String, Object> entry : json) {
        collect(entry.getValue(), key.isEmpty() ? entry.getKey() : key + "." + entry.getKey(), found);
      }
    } else if (value instanceof JsonArray array) {
      array.forEach(item -> collect(item, key, found));
    } else if (value instanceof String text && !text.isBlank()) {
      // the leaf names the secret (apiToken, secret); a webhook URL is one whole (health.webhook.url)
      String leaf = key.substring(key.lastIndexOf('.') + 1);
      if (SecretMasker.isSecretKey(leaf) || key.toLowerCase(Locale.ROOT).contains("webhook")) {
        keep(text.strip(), Set.of(), found);
      }
      if (leaf.equals("tokens")) {
        // HTTP_TOKENS: "name:scope,scope:token" entries; the token is what follows the last colon
        for (String entry : text.split("[;\\n]")) {
          keep(entry.substring(entry.lastIndexOf(':') + 1).strip(), Set.of(), found);
        }
      }
      if (text.contains("://")) {
        fromUri(text, found);
      }
    }
  }

  /** The password of {@code user:password@host/db} and of {@code ?password=}, unless it is a public part too. */
  private static void fromUri(String uri, Set<String> found) {
    Matcher userInfo = URI_USER_INFO.matcher(uri);
    while (userInfo.find()) {
      Set<String> visible = new LinkedHashSet<>();
      visible.add(userInfo.group(1));
      visible.add(userInfo.group(3));
      if (userInfo.group(4) != null) {
        visible.add(userInfo.group(4).replaceFirst("^/", ""));
      }
      keep(userInfo.group(2), visible, found);
    }
    Matcher query = QUERY_PASSWORD.matcher(uri);
    while (query.find()) {
      keep(query.group(1), Set.of(), found);
    }
  }

  /** Keeps the value and its percent-decoded form (a URL's password is often encoded). */
  private static void keep(String value, Set<String> visible, Set<String> found) {
    for (String form : List.of(value, decoded(value))) {
      if (form.length() >= MIN_LENGTH && !visible.contains(form)) {
        found.add(form);
      }
    }
  }

  private static String decoded(String value) {
    try {
      return URLDecoder.decode(value, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return value;
    }
  }
}
