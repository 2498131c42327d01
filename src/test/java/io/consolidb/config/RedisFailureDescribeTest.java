package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.SocketException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The one line that says why Redis could not be used (the integration tests see the real failures). */
class RedisFailureDescribeTest {

  private static final RedisSettings TLS = settings("rediss://consolidb:pw-7@cache.internal:6380");
  private static final RedisSettings PLAIN = settings("redis://consolidb:pw-7@cache.internal:6379");

  private static RedisSettings settings(String url) {
    return RedisSettings.fromJson(Environment.TESTING, new ConfigSection("redis", new JsonObject().put("url", url)));
  }

  private static Throwable handshake(Throwable cause) {
    return new SSLHandshakeException("handshake failed").initCause(cause);
  }

  @Test
  void describe_hostNotInCertificate_namesTheHost() {
    Throwable failure = handshake(new CertificateException("No subject alternative DNS name matching cache.internal found."));
    assertThat(RedisFailure.describe(TLS, failure))
        .startsWith("TLS: the server's certificate does not name the host cache.internal");
  }

  @Test
  void describe_untrustedChain_namesTheTrustSetting() {
    Throwable failure = handshake(new CertPathValidatorException("Path does not chain with any of the trust anchors"));
    assertThat(RedisFailure.describe(TLS, failure))
        .startsWith("TLS: the server's certificate is not signed by a trusted CA (the JVM's authorities; set REDIS_TLS_CA");
  }

  @Test
  void describe_otherHandshakeFailure_saysTls() {
    assertThat(RedisFailure.describe(TLS, new SSLHandshakeException("Received fatal alert: protocol_version")))
        .startsWith("TLS handshake failed: ").contains("protocol_version");
  }

  @Test
  void describe_aclRefusals() {
    assertThat(RedisFailure.describe(TLS, new RuntimeException("WRONGPASS invalid username-password pair")))
        .startsWith("Redis refused the user or password (WRONGPASS)");
    assertThat(RedisFailure.describe(TLS, new RuntimeException("NOAUTH HELLO must be called with the client already authenticated")))
        .startsWith("Redis requires a password (NOAUTH)");
    assertThat(RedisFailure.describe(TLS, new RuntimeException("NOPERM this user has no permissions to run the 'eval' command")))
        .startsWith("the ACL user may not run a command consolidb needs (NOPERM)").contains("'eval'");
  }

  @Test
  void describe_timeout_hintsAtAPlaintextPortOnlyForTls() {
    assertThat(RedisFailure.describe(TLS, new TimeoutException())).contains("never answers the handshake");
    assertThat(RedisFailure.describe(PLAIN, new TimeoutException())).startsWith("no answer within the timeout")
        .doesNotContain("handshake");
  }

  @Test
  void describe_resetConnection_hintsAtTlsOnlyForPlaintext() {
    assertThat(RedisFailure.describe(PLAIN, new SocketException("Connection reset"))).contains("use rediss://");
    assertThat(RedisFailure.describe(TLS, new SocketException("Connection reset"))).isEqualTo("Connection reset");
  }

  @Test
  void describe_masksSecretsInTheDriversText() {
    assertThat(RedisFailure.describe(TLS, new RuntimeException("cannot reach rediss://consolidb:pw-7@cache.internal:6380")))
        .doesNotContain("pw-7").contains("consolidb:****@");
  }
}
