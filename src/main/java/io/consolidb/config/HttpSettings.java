package io.consolidb.config;

/**
 * The HTTP API: where it listens, how large a body may be, the bearer tokens and their scopes
 * ({@link AccessTokens}), how many failed authentications a client address may make
 * ({@link AuthLimits}), cross-origin calls,
 * response compression (bodies of at least {@code compressionThresholdBytes}; 0 turns it off) and
 * how long clients may reuse a read before revalidating it ({@code cacheMaxAgeSeconds}), and what
 * the API admits at a time ({@link HttpLimits}).
 */
public record HttpSettings(String host, int port, int maxBodyBytes, AccessTokens tokens, AuthLimits authLimits,
    CorsSettings cors, int compressionThresholdBytes, int cacheMaxAgeSeconds, HttpLimits limits) {

  static HttpSettings fromJson(ConfigSection http, Environment environment) {
    int port = http.integer("port", 8080, 0);
    if (port > 65535) {
      throw http.invalid("port", port, "must be between 0 and 65535");
    }
    return new HttpSettings(http.string("host", "0.0.0.0"), port,
        http.integer("maxBodyBytes", 1 << 20, 1024),
        AccessTokens.fromJson(http, environment), AuthLimits.fromJson(http),
        CorsSettings.fromJson(http.section("cors")),
        http.integer("compressionThresholdBytes", 1024, 0),
        http.integer("cacheMaxAgeSeconds", 0, 0),
        HttpLimits.fromJson(http));
  }

  /** Never print tokens. */
  @Override
  public String toString() {
    return "HttpSettings[host=" + host + ", port=" + port + ", maxBodyBytes=" + maxBodyBytes
        + ", tokens=" + tokens + ", authLimits=" + authLimits
        + ", cors=" + cors + ", compressionThresholdBytes=" + compressionThresholdBytes
        + ", cacheMaxAgeSeconds=" + cacheMaxAgeSeconds + ", limits=" + limits + "]";
  }
}
