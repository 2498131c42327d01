package io.consolidb.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Cross-origin calls from browser applications: which origins may call the API, with which
 * methods and headers, and whether cookies or HTTP authentication may come along. No origin is
 * allowed by default, so a browser on another origin cannot read any answer until one is named.
 */
public record CorsSettings(List<String> allowedOrigins, List<String> allowedMethods,
    List<String> allowedHeaders, boolean allowCredentials, int maxAgeSeconds) {

  /** scheme://host[:port], as a browser sends it in {@code Origin}. */
  private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.\\-\\[\\]:]+");
  private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");
  private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

  static CorsSettings fromJson(ConfigSection cors) {
    List<String> origins = list(cors.string("allowedOrigins", ""));
    for (String origin : origins) {
      if (!origin.equals("*") && !ORIGIN.matcher(origin).matches()) {
        throw cors.invalid("allowedOrigins", origin, "must list origins like https://app.example.com, or *");
      }
    }
    List<String> methods = list(cors.string("allowedMethods", String.join(", ", METHODS))).stream()
        .map(m -> m.toUpperCase(Locale.ROOT)).toList();
    for (String method : methods) {
      if (!METHODS.contains(method)) {
        throw cors.invalid("allowedMethods", method, "must be among " + String.join(", ", METHODS));
      }
    }
    List<String> headers = list(cors.string("allowedHeaders",
        "Authorization, Content-Type, Idempotency-Key, If-None-Match, X-Consolidb-LSN, X-Request-Id, traceparent, tracestate"));
    for (String header : headers) {
      if (!HEADER.matcher(header).matches()) {
        throw cors.invalid("allowedHeaders", header, "must list header names");
      }
    }
    boolean credentials = cors.bool("allowCredentials", false);
    if (credentials && origins.contains("*")) {
      // Browsers refuse credentials with a wildcard origin; echoing any origin instead would let
      // every site act with the user's credentials.
      throw cors.invalid("allowCredentials", true, "cannot be true while allowedOrigins is *: name the origins");
    }
    return new CorsSettings(origins, methods, headers, credentials, cors.integer("maxAgeSeconds", 600, 0));
  }

  /** Whether any origin is allowed at all (otherwise no CORS header is ever sent). */
  public boolean enabled() {
    return !allowedOrigins.isEmpty();
  }

  private static List<String> list(String text) {
    return Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).distinct().toList();
  }
}
