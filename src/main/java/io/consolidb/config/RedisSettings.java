package io.consolidb.config;

import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.redis.client.RedisOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared cache tier. Every Redis call is bounded by {@code timeoutSeconds}.
 *
 * <p>{@code url} is {@code redis[s]://[user:password@]host:port[/db]}: {@code rediss://} speaks
 * TLS, always verifying the server's certificate chain and that it names the host of the URL;
 * the chain ends at {@code tlsCaPath} (PEM, {@code REDIS_TLS_CA}) or, when that is empty, at the
 * JVM's trusted authorities. A user and password in the URL are sent with {@code HELLO … AUTH},
 * as Redis 6 ACLs expect. Production refuses {@code redis://} unless {@code allowPlaintext}
 * ({@code REDIS_ALLOW_PLAINTEXT}) waives it (docs/SECURITY.md "Redis TLS and ACL").
 */
public record RedisSettings(boolean enabled, String url, String tlsCaPath, boolean allowPlaintext,
    double timeoutSeconds, int maxConnections) {

  /** Host name verification as HTTPS does it (RFC 2818): the certificate must name the URL's host. */
  static final String HOST_VERIFICATION = "HTTPS";

  /** Parses the {@code redis} section; in production a plaintext URL needs the explicit waiver. */
  static RedisSettings fromJson(Environment environment, ConfigSection redis) {
    String url = redis.string("url", "redis://127.0.0.1:6379");
    if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
      throw redis.invalid("url", SecretMasker.maskUri(url), "must start with redis:// or rediss://");
    }
    requireHost(redis, url);
    ConfigSection tls = redis.section("tls");
    String ca = tls.string("caPath", "");
    boolean secure = url.startsWith("rediss://");
    if (!ca.isEmpty() && !secure) {
      throw tls.invalid("caPath", ca, "is set but redis.url is redis:// (plaintext): use rediss:// to connect over TLS");
    }
    if (!ca.isEmpty() && !Files.isReadable(Path.of(ca))) {
      throw tls.invalid("caPath", ca, "must name a readable PEM file of the CA that signed Redis's certificate");
    }
    RedisSettings settings = new RedisSettings(redis.bool("enabled", true), url, ca,
        redis.bool("allowPlaintext", false), redis.positive("timeoutSeconds", 0.25),
        redis.integer("maxConnections", 8, 1));
    if (environment == Environment.PRODUCTION && settings.enabled && !secure && !settings.allowPlaintext) {
      // anyone who reaches a plaintext Redis can read the cache or poison it (docs/SECURITY.md)
      throw redis.invalid("url", settings.maskedUrl(), "must be rediss:// (TLS) in production;"
          + " set REDIS_ALLOW_PLAINTEXT=true only for a Redis no one else can reach");
    }
    return settings;
  }

  private static void requireHost(ConfigSection redis, String url) {
    try {
      if (new URI(url).getHost() == null) {
        throw redis.invalid("url", SecretMasker.maskUri(url), "must name a host: redis[s]://[user:password@]host:port[/db]");
      }
    } catch (URISyntaxException e) {
      // not shown at all: a password the URI does not delimit would not be masked
      throw redis.invalid("url", SecretMasker.MASK,
          "is not a URI (percent-encode reserved characters of the user and password)");
    }
  }

  /** Whether the connection is TLS ({@code rediss://}). */
  public boolean tls() {
    return url.startsWith("rediss://");
  }

  public long timeoutMs() {
    return Math.max(1, Math.round(timeoutSeconds * 1000));
  }

  /**
   * The options of every Redis client the node makes (cache tier, health check, {@code check}),
   * so that TLS, verification and limits cannot differ between them.
   */
  public RedisOptions redisOptions() {
    NetClientOptions net = new NetClientOptions().setConnectTimeout((int) timeoutMs()).setTcpNoDelay(true);
    if (tls()) {
      // TLS from the first byte (not a plaintext connect upgraded later), and the certificate
      // must name the host: Vert.x verifies neither the host nor, without trust options, anything
      // beyond the JVM's authorities unless told to
      net.setSsl(true).setHostnameVerificationAlgorithm(HOST_VERIFICATION);
      if (!tlsCaPath.isEmpty()) {
        net.setTrustOptions(new PemTrustOptions().addCertPath(tlsCaPath));
      }
    }
    return new RedisOptions()
        .setConnectionString(url)
        .setMaxPoolSize(maxConnections)
        .setMaxPoolWaiting(maxConnections * 32)
        .setNetClientOptions(net);
  }

  public String maskedUrl() {
    return SecretMasker.maskUri(url);
  }

  @Override
  public String toString() {
    return "RedisSettings[enabled=" + enabled + ", url=" + maskedUrl() + ", tlsCaPath=" + tlsCaPath
        + ", allowPlaintext=" + allowPlaintext + ", timeoutSeconds=" + timeoutSeconds
        + ", maxConnections=" + maxConnections + "]";
  }
}
