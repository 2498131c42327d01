package io.consolidb.config;

/** The HTTP API: where it listens, how large a body may be, and the bearer tokens. */
public record HttpSettings(String host, int port, int maxBodyBytes, String apiToken, String adminToken) {

  static HttpSettings fromJson(ConfigSection http) {
    int port = http.integer("port", 8080, 0);
    if (port > 65535) {
      throw http.invalid("port", port, "must be between 0 and 65535");
    }
    return new HttpSettings(http.string("host", "0.0.0.0"), port,
        http.integer("maxBodyBytes", 1 << 20, 1024),
        http.string("apiToken", ""), http.string("adminToken", ""));
  }

  /** Never print tokens. */
  @Override
  public String toString() {
    return "HttpSettings[host=" + host + ", port=" + port + ", maxBodyBytes=" + maxBodyBytes
        + ", apiToken=" + (apiToken.isEmpty() ? "unset" : SecretMasker.MASK)
        + ", adminToken=" + (adminToken.isEmpty() ? "unset" : SecretMasker.MASK) + "]";
  }
}
